from django.apps import AppConfig


class ReadingConfig(AppConfig):
    """Reading aids of the public pages: ふりがな (ruby) and 読み上げ (speech)."""

    name = "meetings.reading"
    label = "reading"
    verbose_name = "読みがな・読み上げ"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from meetings.reading import signals  # noqa: F401 (connects the receivers)
