"""Contribution requests in the admin: read-only (every change goes through the
staff pages, which keep the log)."""

from __future__ import annotations

from django.contrib import admin

from meetings.admin import ViewOnly
from meetings.contributions.models import (
    ContributionEvent,
    ContributionRequest,
    ContributionVersion,
)


class VersionInline(ViewOnly, admin.TabularInline):
    model = ContributionVersion
    fields = readonly_fields = ("number", "submitted_at", "submitted_by", "text")
    extra = 0


class EventInline(ViewOnly, admin.TabularInline):
    model = ContributionEvent
    fields = readonly_fields = ("created_at", "action", "actor", "version", "comment")
    extra = 0


@admin.register(ContributionRequest)
class ContributionRequestAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["meeting", "organisation", "status", "due_at", "requested_by"]
    list_filter = ["status"]
    search_fields = ["organisation__name"]
    exclude = ["draft"]
    inlines = [VersionInline, EventInline]
