from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = "会議・開催結果"

    def ready(self) -> None:
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
