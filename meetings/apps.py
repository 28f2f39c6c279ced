from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = "会議・開催結果"

    def ready(self) -> None:
        # Registers the PDF environment check (Japanese fonts, libharfbuzz-subset0).
        # Any committed write to meetings or incidents invalidates cached public pages.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from meetings import checks  # noqa: F401
        from meetings.public_cache import on_model_write

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(on_model_write, dispatch_uid=f"public-cache-{signal!r}")
        # The editor's reason select is read once per process, again after a change.
        from meetings.forms import forget_reason_choices
        from meetings.models import WithholdingReason

        for signal in (post_save, post_delete):
            signal.connect(
                forget_reason_choices,
                sender=WithholdingReason,
                dispatch_uid=f"withholding-reasons-{signal!r}",
            )
