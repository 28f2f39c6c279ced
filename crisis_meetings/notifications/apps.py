from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Staff notifications (in the app and by mail) and the public mail subscription."""

    name = "crisis_meetings.notifications"
    label = "notifications"
    verbose_name = "通知とメール配信"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crisis_meetings.notifications import signals  # noqa: F401
