from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, cast

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models import Model, QuerySet
from django.db.models.deletion import Collector, ProtectedError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
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
    SearchSynonym,
    Section,
    Venue,
    VenueAlias,
    WithholdingReason,
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


class ViewOnly:
    """An admin page (or inline) that shows records and changes none: they are
    written through the staff pages' services (their checks, history and public
    page updates), so that there is one way to change them."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(ViewOnly, admin.TabularInline):
    """A meeting's parts, shown in the admin but changed only in the staff editor.

    Editing them here would bypass ``meetings.services.meeting_save`` (version, saved
    event, PDF checks) and change a published page without a 訂正.
    """

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        return cast(list[str], self.fields)  # flat lists of names here


class AttendeeInline(ReadOnlyInline):
    model = Attendee
    fields = ["order", "role", "organisation", "is_remote", "is_outside"]


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["order", "marker", "text"]


class SectionInline(ReadOnlyInline):
    model = Section
    fields = [
        "order",
        "group",
        "kind",
        "speaker",
        "recipients",
        "topic",
        "topic_heading",
        "marker",
        "heading",
        "withheld_reason",
        "withheld_keep_heading",
    ]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["order", "label", "kind", "size_bytes", "is_generated"]


@admin.action(description="選択した会議の開催結果PDFをZIPで出力")
def export_official_pdfs(
    modeladmin: admin.ModelAdmin[Meeting],
    request: HttpRequest,
    queryset: QuerySet[Meeting],
) -> HttpResponseRedirect:
    """Published: the stored official PDFs; unpublished: drafts marked 「案」."""
    from meetings import exports, permissions

    if not permissions.is_admin(request.user):
        raise PermissionDenied("管理者だけが出力できます。")
    job = exports.pdf_export_job_create(
        user=request.user, meeting_ids=list(queryset.values_list("pk", flat=True))
    )
    return redirect(job.get_absolute_url())


@admin.register(Meeting)
class MeetingAdmin(ViewOnly, SimpleHistoryAdmin):
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
    inlines = [AttendeeInline, AgendaItemInline, SectionInline, AttachmentInline]
    actions = [export_official_pdfs]
    # Meetings are entered, saved, published and withdrawn in the staff pages, whose
    # services record every step (meetings.services). The admin only shows them: it
    # cannot add a meeting, change one (its status included), revert its history or
    # delete it (its workflow events are PROTECTed).

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # simple_history would save the old version on POST ("revert") even for a
        # view-only admin: that would set an old status without any workflow event.
        if request.method == "POST":
            raise PermissionDenied("会議の状態や内容は職員用画面で変更してください。")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(
        self, request: HttpRequest, obj: Meeting, form: Any, change: bool
    ) -> NoReturn:
        raise PermissionDenied("会議の状態や内容は職員用画面で変更してください。")

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


class ItemInline(ReadOnlyInline):
    model = Item
    fields = ["parent", "order", "marker", "text", "withheld_reason"]


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """Words the public search treats as one (同義語) or offers (関連語).

    A change applies to the next search. Organisation names need no entry here:
    an organisation's aliases and its renamed predecessors and successors
    (後継組織) are searched for the meetings held while each name was in use.
    """

    list_display = ["__str__", "relation", "is_active", "updated_at"]
    list_filter = ["relation", "is_active"]
    search_fields = ["terms", "note"]
    fields = ["relation", "terms", "note", "is_active"]


@admin.register(WithholdingReason)
class WithholdingReasonAdmin(admin.ModelAdmin):
    """The reasons a section or item is withheld (部分公開), kept as data.

    The seeded article numbers are plausible, not checked: an admin corrects them
    against the ordinance in force. A change applies to later publications; what
    was published keeps the placeholder it was published with. A reason in use
    cannot be deleted (deactivate it instead).
    """

    list_display = ["name", "article", "placeholder_preview", "order", "is_active"]
    list_editable = ["article", "order", "is_active"]
    fields = ["name", "article", "description", "code", "order", "is_active"]

    @admin.display(description="公開ページでの表示")
    def placeholder_preview(self, obj: WithholdingReason) -> str:
        return obj.placeholder


@admin.register(Section)
class SectionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["__str__", "meeting", "order", "kind", "group"]
    list_filter = ["kind", "group"]
    search_fields = ["speaker", "topic", "heading"]
    inlines = [ItemInline]

    # Sections and items are changed in the staff editor only (see ReadOnlyInline).


class AppendOnlyAdmin(ViewOnly, admin.ModelAdmin):
    """Audit records: listed and shown, never added, changed or deleted here."""

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        return [f.name for f in self.model._meta.fields]


@admin.register(Publication)
class PublicationAdmin(AppendOnlyAdmin):
    list_display = ["title", "number", "published_at", "published_by"]
    list_select_related = ["published_by"]
    fields = [
        "meeting",
        "number",
        "published_at",
        "published_by",
        "correction_note",
        "meeting_version",
        "title",
        "held_on",
        "pdf",
        "pdf_sha256",
        "pdf_size",
        "text",
    ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        return cast(list[str], self.fields)  # flat lists of names here


@admin.register(MeetingEvent)
class MeetingEventAdmin(AppendOnlyAdmin):
    list_display = [
        "meeting",
        "action",
        "from_status",
        "to_status",
        "actor",
        "created_at",
    ]
    list_filter = ["action"]
    list_select_related = ["meeting__meeting_type", "actor"]


# ---------------------------------------------------------------------------
# Users are deactivated, never deleted: workflow events and publications name
# their actor with on_delete=PROTECT, so the admin's delete page refuses (in
# Japanese, listing the records) and offers nothing that would blank the actor.
# ---------------------------------------------------------------------------

User = get_user_model()


def _protected_records(user: Model) -> list[Model]:
    """The audit records that keep ``user`` (PROTECT): why it cannot be deleted."""
    collector = Collector(using=router.db_for_write(User))
    try:
        collector.collect([user])
    except ProtectedError as exc:
        return list(exc.protected_objects)
    return []


@admin.action(description="選択した利用者を無効化する(ログインできなくなります)")
def deactivate_users(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    count = queryset.exclude(pk=request.user.pk).update(is_active=False)
    modeladmin.message_user(
        request,
        f"{count}人の利用者を無効化しました。操作履歴に残る利用者は削除せず、"
        "無効化して残します。",
        messages.SUCCESS,
    )


if TYPE_CHECKING:
    # Whatever admin registered for the user model: a ModelAdmin at least.
    _UserAdminBase: TypeAlias = admin.ModelAdmin[Any]
else:
    _UserAdminBase = (
        type(admin.site._registry[User]) if admin.site.is_registered(User) else None
    )
if _UserAdminBase is not None:

    class StaffUserAdmin(_UserAdminBase):
        """The registered user admin, plus deactivation (keeps the audit trail)."""

        actions = [*(_UserAdminBase.actions or []), deactivate_users]  # type: ignore[misc]  # the registered admin's class-level actions

        def delete_view(
            self,
            request: HttpRequest,
            object_id: str,
            extra_context: dict[str, Any] | None = None,
        ) -> HttpResponse:
            user = self.get_object(request, object_id)
            protected = _protected_records(user) if user is not None else []
            if protected and user is not None:
                kinds = "・".join(
                    sorted({str(p._meta.verbose_name) for p in protected})
                )
                self.message_user(
                    request,
                    f"利用者「{user.get_username()}」は{kinds}に記録されているため削除できません"
                    f"({len(protected)}件)。記録を残すため、削除せずに無効化してください"
                    "(一覧で選んで「選択した利用者を無効化する」)。",
                    messages.ERROR,
                )
                return redirect(
                    reverse("admin:auth_user_change", args=[user.pk]),
                )
            return super().delete_view(request, object_id, extra_context)

    admin.site.unregister(User)
    admin.site.register(User, StaffUserAdmin)
