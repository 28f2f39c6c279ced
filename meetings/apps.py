from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = "会議・開催結果"

    def ready(self) -> None:
        # The public state's triggers, again after every migrate (idempotent).
        from django.db.models.signals import post_migrate

        from meetings import public_state

        post_migrate.connect(
            public_state.on_post_migrate, sender=self, dispatch_uid="public-state"
        )
        # Registers the PDF environment check (Japanese fonts, libharfbuzz-subset0).
        from meetings import (
            checks,  # noqa: F401
            static_search,
        )
        from meetings.site.signals import tree_changed

        # The Pagefind index follows the tree.
        tree_changed.connect(
            static_search.on_tree_changed, dispatch_uid="static-search"
        )
        # The editor's reason select is read once per process, again after a change.
        from django.db.models.signals import post_delete, post_save

        from meetings.forms import forget_reason_choices
        from meetings.models import WithholdingReason

        for signal in (post_save, post_delete):
            signal.connect(
                forget_reason_choices,
                sender=WithholdingReason,
                dispatch_uid=f"withholding-reasons-{signal!r}",
            )
        # The search's synonyms and organisation names: the next search rereads them.
        from meetings.models import Organisation, OrganisationAlias, SearchSynonym
        from meetings.search import forget_thesaurus

        for model in (SearchSynonym, Organisation, OrganisationAlias):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_thesaurus,
                    sender=model,
                    dispatch_uid=f"search-thesaurus-{model.__name__}-{signal!r}",
                )
