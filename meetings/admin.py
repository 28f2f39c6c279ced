from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from meetings.models import (
    AgendaItem,
    Attachment,
    Attendee,
    Item,
    Meeting,
    MeetingEvent,
    MeetingType,
    Organisation,
    OrganisationAlias,
    Publication,
    Section,
    Venue,
    VenueAlias,
)


class OrganisationAliasInline(admin.TabularInline):
    model = OrganisationAlias
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "parent",
        "valid_from",
        "valid_until",
        "needs_review",
    ]
    list_filter = ["kind", "needs_review"]
    search_fields = ["name", "aliases__name"]
    autocomplete_fields = ["parent", "successor"]
    inlines = [OrganisationAliasInline]


class VenueAliasInline(admin.TabularInline):
    model = VenueAlias
    extra = 1


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "building"]
    search_fields = ["name", "aliases__name"]
    inlines = [VenueAliasInline]


@admin.register(MeetingType)
class MeetingTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "default_chair_position", "default_venue"]
    prepopulated_fields = {"slug": ["name"]}


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0
    fields = ["order", "role", "organisation", "is_remote", "is_outside"]
    autocomplete_fields = ["organisation"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = [
        "order",
        "group",
        "kind",
        "speaker",
        "recipients",
        "topic",
        "topic_heading",
        "heading",
    ]
    show_change_link = True  # items are entered on the section's own page


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["order", "label", "kind", "file", "size_bytes", "is_generated"]
    readonly_fields = ["size_bytes", "is_generated"]


@admin.action(description="選択した会議の開催結果PDFをZIPで出力")
def export_official_pdfs(modeladmin, request, queryset):
    """Published: the stored official PDFs; unpublished: drafts marked 「案」."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import redirect

    from meetings import exports, permissions

    if not permissions.is_admin(request.user):
        raise PermissionDenied("管理者だけが出力できます。")
    job = exports.pdf_export_job_create(
        user=request.user, meeting_ids=list(queryset.values_list("pk", flat=True))
    )
    return redirect(job.get_absolute_url())


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "meeting_type", "held_on", "status", "is_drill"]
    list_filter = ["status", "meeting_type", "is_drill"]
    search_fields = ["title_override", "location", "sections__speaker"]
    date_hierarchy = "held_on"
    readonly_fields = [
        "public_id",
        "version",
        "current_publication",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["venue"]
    inlines = [AttendeeInline, AgendaItemInline, SectionInline, AttachmentInline]
    actions = [export_official_pdfs]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "meeting_type",
                    "title_override",
                    "status",
                    "is_drill",
                    "public_id",
                ]
            },
        ),
        (
            "日時・場所",
            {
                "fields": [
                    ("held_on", "start_time", "end_time", "end_next_day"),
                    ("session_number", "cumulative_number"),
                    "mode",
                    ("location", "venue"),
                    "published_on",
                    "lead",
                    "separator",
                ]
            },
        ),
        (
            "出席者",
            {
                "fields": [
                    "attendee_tail",
                    ("attendee_total", "attendee_unit", "attendee_remote"),
                ]
            },
        ),
        (
            "お問い合わせ",
            {
                "fields": [
                    "contact_section",
                    "contact_phone",
                    "contact_fax",
                    "contact_email",
                    "contact_note",
                ]
            },
        ),
        (
            "その他",
            {
                "fields": [
                    "unstructured_text",
                    "version",
                    "current_publication",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if isinstance(obj, Attachment) and obj.file:
                obj.read_file_facts()
            obj.save()
        formset.save_m2m()


class ItemInline(admin.TabularInline):
    model = Item
    extra = 3
    fields = ["parent", "order", "marker", "text"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            section_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Item.objects.filter(section_id=section_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "meeting", "order", "kind", "group"]
    list_filter = ["kind", "group"]
    search_fields = ["speaker", "topic", "heading"]
    autocomplete_fields = ["speaker_org"]
    inlines = [ItemInline]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["title", "number", "published_at", "published_by"]
    readonly_fields = [f.name for f in Publication._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # snapshots are immutable


@admin.register(MeetingEvent)
class MeetingEventAdmin(admin.ModelAdmin):
    list_display = [
        "meeting",
        "action",
        "from_status",
        "to_status",
        "actor",
        "created_at",
    ]
    list_filter = ["action"]
