"""Incidents in the admin: master data (incidents, alert schemes, memberships) is
edited here; the records that staff pages write through ``incidents.services`` (links
to meetings, alert changes, follow-ups, progress) are shown read-only, so that there is
one way to change them (with its checks, history and public page updates)."""

from django.contrib import admin

from incidents.models import (
    AlertChange,
    AlertLevel,
    AlertScheme,
    DepartmentMembership,
    DirectiveAssignment,
    DirectiveFollowUp,
    DirectiveProgress,
    Incident,
    IncidentLink,
)
from meetings.admin import ReadOnlyInline, ViewOnly


class IncidentLinkInline(ReadOnlyInline):
    model = IncidentLink
    fields = ["meeting", "agenda_item", "section", "note"]


class AlertChangeInline(ReadOnlyInline):
    model = AlertChange
    fields = ["scheme", "level", "effective_at", "meeting", "section", "created_by"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "status", "started_at", "is_drill"]
    list_filter = ["category", "status", "is_drill"]
    search_fields = ["title", "public_summary"]
    inlines = [IncidentLinkInline, AlertChangeInline]


class AlertLevelInline(admin.TabularInline):
    model = AlertLevel
    extra = 0
    ordering = ["rank"]


@admin.register(AlertScheme)
class AlertSchemeAdmin(admin.ModelAdmin):
    """Alert schemes are master data: stages are added here, not in code."""

    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    inlines = [AlertLevelInline]


@admin.register(AlertChange)
class AlertChangeAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["incident", "scheme", "level", "effective_at", "meeting"]
    list_filter = ["scheme"]
    list_select_related = ["incident", "scheme", "level", "meeting__meeting_type"]
    date_hierarchy = "effective_at"

    # Recorded and deleted on the incident's staff page (alert_change_record/_delete).


class DirectiveProgressInline(ReadOnlyInline):
    """The progress log is append-only: recorded in the staff pages, shown here."""

    model = DirectiveProgress
    fields = ["recorded_at", "recorded_by", "note", "from_status", "to_status"]


class DirectiveFollowUpInline(ReadOnlyInline):
    model = DirectiveFollowUp
    fields = ["section", "note", "created_at", "created_by"]


@admin.register(DirectiveAssignment)
class DirectiveAssignmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "recipient_label", "due_on", "status", "incident"]
    list_filter = ["status", "all_departments"]
    list_select_related = ["organisation", "incident"]
    search_fields = ["directive_text", "issuer"]
    raw_id_fields = ["incident", "organisation"]
    # The status changes only through directive_progress_record, which logs it; the
    # directive's item and meeting are set by directive_assign.
    readonly_fields = [
        "status",
        "item",
        "meeting",
        "directive_text",
        "created_at",
        "updated_at",
        "created_by",
    ]
    inlines = [DirectiveProgressInline, DirectiveFollowUpInline]


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]
    autocomplete_fields = ["organisation"]
    search_fields = ["user__username", "organisation__name"]
