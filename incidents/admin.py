from django.contrib import admin

from incidents.models import Incident, IncidentLink


class IncidentLinkInline(admin.TabularInline):
    model = IncidentLink
    extra = 0
    raw_id_fields = ["meeting", "agenda_item", "section"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "status", "started_at", "is_drill"]
    list_filter = ["category", "status", "is_drill"]
    search_fields = ["title", "public_summary"]
    inlines = [IncidentLinkInline]
