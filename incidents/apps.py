from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents"
    verbose_name = "事案"

    def ready(self) -> None:
        # What the meeting pages, archive, API and publication tree show of
        # incidents: meetings asks this (meetings.extensions), never this app.
        from incidents.extension import IncidentsRelated
        from meetings import extensions

        extensions.register(IncidentsRelated())
