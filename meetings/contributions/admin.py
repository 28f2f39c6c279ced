"""Contribution requests in the admin: read-only (every change goes through the
staff pages, which keep the log)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from meetings.contributions.models import (
    ContributionEvent,
    ContributionRequest,
    ContributionVersion,
)


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(_ReadOnly, admin.TabularInline):
    model = ContributionVersion
    fields = readonly_fields = ("number", "submitted_at", "submitted_by", "text")
    extra = 0


class EventInline(_ReadOnly, admin.TabularInline):
    model = ContributionEvent
    fields = readonly_fields = ("created_at", "action", "actor", "version", "comment")
    extra = 0


@admin.register(ContributionRequest)
class ContributionRequestAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["meeting", "organisation", "status", "due_at", "requested_by"]
    list_filter = ["status"]
    search_fields = ["organisation__name"]
    exclude = ["draft"]
    inlines = [VersionInline, EventInline]
