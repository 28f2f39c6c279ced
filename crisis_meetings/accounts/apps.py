from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff accounts: login throttling, second factor, security log, headers."""

    name = "crisis_meetings.accounts"
    label = "accounts"
    verbose_name = "アカウントとセキュリティ"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crisis_meetings.accounts import signals  # noqa: F401
