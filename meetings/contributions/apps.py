from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings.contributions"
    label = "contributions"
    verbose_name = "原稿依頼"
