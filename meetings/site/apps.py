from django.apps import AppConfig


class PublicSiteConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings.site"
    label = "public_site"
    verbose_name = "公開ツリー"
