from django.contrib import admin

from meetings.reading.models import ReadingOverride


@admin.register(ReadingOverride)
class ReadingOverrideAdmin(admin.ModelAdmin):
    list_display = ("surface", "reading", "note", "updated_at")
    search_fields = ("surface", "reading", "note")
    fields = ("surface", "reading", "note")
