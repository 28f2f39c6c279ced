from django.apps import AppConfig
from django_otp.plugins.otp_static import apps as static_apps
from django_otp.plugins.otp_totp import apps as totp_apps


class AccountsConfig(AppConfig):
    """Staff accounts: login throttling, second factor, security log, headers."""

    name = "crisis_meetings.accounts"
    label = "accounts"
    default = True  # this module also holds the django-otp app configs below
    verbose_name = "アカウントとセキュリティ"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crisis_meetings.accounts import signals  # noqa: F401


# django-otp's apps, named in Japanese in the admin (app names are not in migrations).
class TOTPConfig(totp_apps.DefaultConfig):
    verbose_name = "2段階認証:認証アプリ(TOTP)"


class StaticConfig(static_apps.DefaultConfig):
    verbose_name = "2段階認証:バックアップコード"
