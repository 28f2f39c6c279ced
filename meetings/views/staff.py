"""Staff views: dashboard, editor, preview, history and workflow actions.

Every view checks its role on the server; state changes are POST-only (and, like
every POST, CSRF-protected by the middleware).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from meetings import (
    files,
    history,
    layout,
    markers,
    permissions,
    services,
    trash,
    wareki,
)
from meetings.access import (
    admin_required,
    approver_required,
    coordinator_required,
    editor_required,
    is_coordinating_staff,
    may_write_meeting,
    meeting_for_staff,
    visible_meetings,
)
from meetings.contributions import services as contribution_services
from meetings.forms import (
    HEADER_FIELDS,
    Editor,
    JapaneseDateField,
    PublishForm,
    ReturnForm,
    WithdrawForm,
    apply_op,
    blank_rows,
    copy_previous_attendees,
    paste_attendees,
    previous_attendees,
    stored_pk,
)
from meetings.models import (
    Attachment,
    Meeting,
    MeetingType,
    Organisation,
    Publication,
    Venue,
)

Status = Meeting.Status
PENDING_SESSION_KEY = "pending_uploads"
OVERDUE_AFTER = timedelta(hours=24)


# ---------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------


def held_at(meeting: Meeting) -> datetime:
    return timezone.make_aware(
        datetime.combine(meeting.held_on, meeting.start_time or time(0, 0))
    )


def is_overdue(meeting: Meeting, now: datetime) -> bool:
    """公開遅れ: held in the last OVERDUE_WINDOW_DAYS days and still unpublished 24 h
    after it was held. A 2012 meeting entered today is not late."""
    window = timedelta(days=settings.OVERDUE_WINDOW_DAYS)
    since = now - held_at(meeting)
    return OVERDUE_AFTER < since <= window


@editor_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    columns: list[dict[str, Any]] = []  # the template's columns
    # A department's editor sees only the meetings it was asked for (read-only).
    coordinating = is_coordinating_staff(request.user)
    for status in (Status.DRAFT, Status.REVIEW, Status.PUBLISHED, Status.WITHDRAWN):
        meetings = list(
            visible_meetings(request.user, Meeting.objects.alive())
            .filter(status=status)
            .select_related("meeting_type", "current_publication", "updated_by")
            .order_by("-held_on", "-start_time", "-id")[:100]
        )
        for meeting in meetings:
            meeting.can_write = may_write_meeting(request.user, meeting)
            meeting.is_overdue = status in (Status.DRAFT, Status.REVIEW) and is_overdue(
                meeting, now
            )
            meeting.has_unpublished_changes = (
                meeting.current_publication is not None
                and meeting.current_publication.meeting_version != meeting.version
            )
        # Overdue first, then the rest; newest first within each (a stable sort).
        meetings.sort(key=lambda m: not m.is_overdue)
        columns.append({"status": status, "label": status.label, "meetings": meetings})
    context = {
        "columns": columns,
        "coordinating": coordinating,
        "meeting_types": MeetingType.objects.order_by("tier", "name")
        if coordinating
        else [],
        "overdue_count": sum(m.is_overdue for c in columns for m in c["meetings"]),
        "overdue_window_days": settings.OVERDUE_WINDOW_DAYS,
        "trash_count": Meeting.objects.filter(
            deleted_at__isnull=False, purged_at__isnull=True
        ).count()
        if permissions.is_admin(request.user)
        else 0,
        "new_organisations": Organisation.objects.filter(needs_review=True).count()
        if permissions.is_admin(request.user)
        else 0,
    }
    return render(request, "meetings/staff/dashboard.html", context)


# ---------------------------------------------------------------------------
# Editor
# ---------------------------------------------------------------------------


def _editor_context(
    request: HttpRequest,
    editor: Editor,
    *,
    meeting: Meeting | None,
    meeting_type: MeetingType,
    **extra: Any,
) -> dict[str, Any]:
    previous: list[dict[str, Any]] = []
    if meeting is not None:
        references = services.section_references(meeting=meeting)
        for section in editor.sections:
            section.references = references.get(stored_pk(section.key) or 0, 0)
    else:
        # A new meeting: the previous meeting's attendees, offered, not prefilled.
        previous = previous_attendees(meeting_type)
    return {
        "previous_attendees": previous,
        "previous_attendees_json": json.dumps(previous, ensure_ascii=False),
        "editor": editor,
        "meeting": meeting,
        "meeting_type": meeting_type,
        "organisation_names": sorted(
            set(Organisation.objects.values_list("name", flat=True))
            | set(Organisation.objects.values_list("aliases__name", flat=True)) - {None}
        ),
        "venue_names": Venue.objects.values_list("name", flat=True),
        "blank": blank_rows(chair=meeting_type.default_chair_position),
        "held_on_wareki": _wareki_of(editor.header["held_on"].value()),
        "max_upload": files.format_file_size(settings.ATTACHMENT_MAX_BYTES),
        "marker_pattern": markers.EDITOR_PATTERN,
        # The page's script reads the marks from here (meetings.markers is the source).
        "marker_data": json.dumps(
            {
                "heading": [m for m in markers.HEADING_MARKERS if m],
                "series": markers.MARKER_SERIES,
                "counted": markers.COUNTED_PATTERN,
            },
            ensure_ascii=False,
        ),
        "item_marker_suggestions": markers.ITEM_MARKER_SUGGESTIONS,
        **extra,
    }


def _wareki_of(value: Any) -> str:
    """和暦 beside the date field, as ``date_hint`` answers the page's script."""
    try:
        day = JapaneseDateField().clean(value)
    except ValidationError:
        return ""
    return wareki.date_hint(day) if day else ""


@editor_required
@require_GET
def date_hint(request: HttpRequest) -> JsonResponse:
    """The hint under a date field while typing, from the parser the form uses, so
    the hint and the server never disagree (令和7年2月30日 is refused by both)."""
    value = request.GET.get("value", "")
    if not value.strip():
        return JsonResponse({"ok": True, "hint": ""})
    try:
        day = wareki.parse_date_input(value)
    except wareki.DateInputError as error:
        return JsonResponse({"ok": False, "hint": str(error)})
    return JsonResponse({"ok": True, "hint": wareki.date_hint(day)})


def _render_editor(
    request: HttpRequest,
    editor: Editor,
    *,
    meeting: Meeting | None,
    meeting_type: MeetingType,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        "meetings/staff/editor.html",
        _editor_context(
            request, editor, meeting=meeting, meeting_type=meeting_type, **extra
        ),
        status=status,
    )


@coordinator_required
def meeting_new(request: HttpRequest, type_slug: str) -> HttpResponse:
    meeting_type = get_object_or_404(MeetingType, slug=type_slug)
    if request.method == "POST":
        return _editor_post(request, meeting=None, meeting_type=meeting_type)
    editor = Editor.for_new(meeting_type, today=timezone.localdate())
    return _render_editor(request, editor, meeting=None, meeting_type=meeting_type)


@editor_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for_staff(pk, user=request.user, with_parts=True, write=True)
    if meeting.status not in services.EDITABLE_STATUSES:
        messages.error(request, "取下げた会議は編集できません。")
        return redirect("staff:preview", pk=meeting.pk)
    if request.method == "POST":
        return _editor_post(request, meeting=meeting, meeting_type=meeting.meeting_type)
    editor = Editor.for_meeting(meeting)
    return _render_editor(
        request, editor, meeting=meeting, meeting_type=meeting.meeting_type
    )


def _editor_post(
    request: HttpRequest, *, meeting: Meeting | None, meeting_type: MeetingType
) -> HttpResponse:
    attachments = (
        {a.pk: a for a in meeting.attachments.all() if not a.is_generated}
        if meeting
        else {}
    )
    pending: dict[str, str] = request.session.get(PENDING_SESSION_KEY, {})
    # The form works on its own copy: validation writes into the instance.
    instance = (
        Meeting.objects.get(pk=meeting.pk)
        if meeting
        else Meeting(meeting_type=meeting_type)
    )
    editor = Editor.from_post(
        request.POST,
        request.FILES,
        instance=instance,
        attachments=attachments,
        pending=pending,
    )
    op = request.POST.get("op", "")
    if op:
        # An add/remove/move without JavaScript (or a restored local copy).
        values = editor.values()
        if op in ("paste:attendees", "paste:attendees:replace"):
            focus = paste_attendees(values, replace=op.endswith(":replace"))
        elif op == "previous:attendees":
            focus = copy_previous_attendees(values, meeting_type)
        else:
            focus = apply_op(values, op, chair=meeting_type.default_chair_position)
        _stash_uploads(request, editor, pending)
        for row, upload in zip(editor.uploads, values["uploads"], strict=True):
            upload["token"] = row.token
        shown = Editor.from_values(
            header=values["header"],
            instance=instance if meeting else None,
            attendees=values["attendees"],
            agenda=values["agenda"],
            sections=values["sections"],
            files=values["files"],
            uploads=values["uploads"],
            version=values["version"],
            attachments=attachments,
            pending=pending,
            paste_attendees=values["paste_attendees"],
        )
        shown.focus = focus
        return _render_editor(
            request, shown, meeting=meeting, meeting_type=meeting_type
        )

    if not editor.is_valid():
        _stash_uploads(request, editor, pending)
        return _render_editor(
            request, editor, meeting=meeting, meeting_type=meeting_type
        )
    uploads = _upload_contents(editor, pending)
    try:
        saved, unknown = services.meeting_save(
            meeting=meeting,
            header={name: editor.header.cleaned_data[name] for name in HEADER_FIELDS},
            parts=editor.layout_data(),
            user=request.user,
            expected_version=editor.version,
            attachment_changes=[
                {"id": int(row.key), **row.form.cleaned_data} for row in editor.files
            ],
            uploads=uploads,
        )
    except services.EditConflict as conflict:
        _stash_uploads(request, editor, pending)
        current = conflict.current
        last = current.events.select_related("actor").order_by("-created_at").first()
        editor.version = current.version  # a deliberate second save overwrites
        return _render_editor(
            request,
            editor,
            meeting=meeting,
            meeting_type=meeting_type,
            status=409,
            conflict={
                "mine": layout.render_text(editor.typed_data()),
                "theirs": layout.render_text(layout.meeting_data(current)),
                "by": last.actor if last else None,
                "at": last.created_at if last else current.updated_at,
                "version": current.version,
            },
        )
    except ValidationError as error:
        # Model rules checked at save time (full_clean) that the forms did not catch.
        found: dict[str | None, list[str]] = (
            dict(error.message_dict.items())
            if hasattr(error, "error_dict")
            else {None: error.messages}
        )
        for name, messages_ in found.items():
            target = name if name in editor.header.fields else None
            for message in messages_:
                editor.header.add_error(target, message)
        _stash_uploads(request, editor, pending)
        return _render_editor(
            request, editor, meeting=meeting, meeting_type=meeting_type
        )
    _forget_pending(request, editor, pending)
    messages.success(request, f"保存しました(更新番号{saved.version})。")
    if unknown:
        messages.info(
            request,
            "未登録の発言者をそのまま保存し、管理者に新しい組織として提示しました:"
            + "、".join(unknown),
        )
    if request.POST.get("then") == "preview":
        return redirect("staff:preview", pk=saved.pk)
    return redirect("staff:edit", pk=saved.pk)


def _stash_uploads(
    request: HttpRequest, editor: Editor, pending: dict[str, str]
) -> None:
    """Keep valid uploads on the server so that a page shown again does not lose them."""
    changed = False
    for row in editor.uploads:
        form = row.form
        token = form["token"].value() or ""
        if token in pending:
            row.token, row.pending_name = token, pending[token]
        upload = request.FILES.get(f"{form.prefix}-file")
        if upload is None or (form.is_bound and form.errors.get("file")):
            continue
        token = uuid.uuid4().hex
        default_storage.save(f"pending/{token}.pdf", upload)
        name = upload.name or ""  # a browser's upload always has its file name
        pending[token] = name
        row.token, row.pending_name = token, name
        changed = True
    if changed:
        request.session[PENDING_SESSION_KEY] = pending


def _upload_contents(editor: Editor, pending: dict[str, str]) -> list[dict[str, Any]]:
    uploads = []
    for row in editor.uploads:
        data = row.form.cleaned_data
        if data.get("file"):
            data["file"].seek(0)
            content = data["file"].read()
        elif data.get("token"):
            with default_storage.open(f"pending/{data['token']}.pdf", "rb") as f:
                content = f.read()
        else:
            continue
        uploads.append(
            {"label": data["label"], "kind": data["kind"], "content": content}
        )
    return uploads


def _forget_pending(
    request: HttpRequest, editor: Editor, pending: dict[str, str]
) -> None:
    used = [row.form.cleaned_data.get("token") for row in editor.uploads]
    for token in filter(None, used):
        default_storage.delete(f"pending/{token}.pdf")
        pending.pop(token, None)
    request.session[PENDING_SESSION_KEY] = pending


# ---------------------------------------------------------------------------
# Preview, history, snapshots, files
# ---------------------------------------------------------------------------


@editor_required
@require_GET
def meeting_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Exactly the public page, marked 案."""
    return _preview(request, pk)


def _preview(
    request: HttpRequest,
    pk: int,
    *,
    return_form: ReturnForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The preview, with a refused send-back or withdrawal form as typed."""
    meeting = meeting_for_staff(pk, user=request.user, with_parts=True)
    # A department's editor: other departments' sections not put in yet are hidden.
    data = contribution_services.as_department_reads(
        layout.meeting_data(meeting), meeting=meeting, user=request.user
    )
    html = services.render_public_html(
        data,
        attachment_url=lambda attachment_id: reverse(
            "staff:attachment", args=[meeting.pk, attachment_id]
        ),
    )
    current = meeting.current_publication
    own_request = (
        contribution_services.requests_for(request.user).filter(meeting=meeting).first()
        if meeting.staff_access == "read"  # type: ignore[attr-defined]  # set by meeting_for_staff
        else None
    )
    withheld = layout.withheld_parts(data)
    withheld_published = layout.withheld_parts(current.data) if current else []
    return render(
        request,
        "meetings/staff/preview.html",
        {
            # 部分公開: what is withheld and why, for the approver before publishing.
            "withheld": withheld,
            "withheld_published": withheld_published,
            "withheld_released": current is not None
            and len(withheld) < len(withheld_published),
            "meeting": meeting,
            "publication": {"title": data["title"]},
            "is_drill": bool(data.get("is_drill")),
            "body_html": mark_safe(html),  # noqa: S308 - rendered from the escaped template
            "is_preview": True,
            "publish_form": PublishForm(initial={"version": meeting.version}),
            "return_form": return_form or ReturnForm(),
            "withdraw_form": withdraw_form or WithdrawForm(),
            "is_approver": permissions.is_approver(request.user),
            # A department's editor reads the meeting; its editor is not theirs.
            "can_write": meeting.staff_access == "write",  # type: ignore[attr-defined]  # set by meeting_for_staff
            "own_request": own_request,
            "needs_correction_note": current is not None,
            "has_unpublished_changes": current is not None
            and current.meeting_version != meeting.version,
        },
        status=status,
    )


@editor_required
@require_GET
def meeting_history(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for_staff(pk, user=request.user)
    events = [
        history.event_view(event)
        for event in meeting.events.select_related("actor").order_by(
            "-created_at", "-id"
        )
    ]
    if meeting.staff_access != "write":  # type: ignore[attr-defined]  # set by meeting_for_staff
        # A department's editor: the text diffs may hold other departments' drafts.
        events = [event.without_lines() for event in events]
    return render(
        request,
        "meetings/staff/history.html",
        {
            "meeting": meeting,
            "events": events,
            "publications": meeting.publications.select_related(
                "published_by"
            ).order_by("-number"),
            "records": meeting.history.select_related("history_user").order_by(
                "-history_date"
            )[:50],
        },
    )


@editor_required
@require_GET
def publication_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The immutable snapshot of what the public saw at one publication."""
    meeting = meeting_for_staff(pk, user=request.user)
    publication = get_object_or_404(Publication, meeting=meeting, number=number)
    return render(
        request,
        "meetings/staff/publication.html",
        {
            "meeting": meeting,
            "publication": publication,
            "is_drill": bool(publication.data.get("is_drill")),
            "body_html": mark_safe(publication.html),  # noqa: S308 - stored at publication
        },
    )


@editor_required
@require_GET
def attachment_download(
    request: HttpRequest, pk: int, attachment_id: int
) -> FileResponse:
    meeting = meeting_for_staff(pk, user=request.user)
    attachment = get_object_or_404(Attachment, pk=attachment_id, meeting=meeting)
    response = FileResponse(
        attachment.file.open("rb"),
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------
# Workflow actions (POST only)
# ---------------------------------------------------------------------------


def _workflow(
    request: HttpRequest, pk: int, action: Callable[[Meeting], str]
) -> HttpResponseRedirect:
    meeting = meeting_for_staff(pk, user=request.user, write=True)
    try:
        message = action(meeting)
    except (services.WorkflowError, PermissionDenied) as error:
        messages.error(request, str(error) or "この操作はできません。")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return redirect("staff:preview", pk=meeting.pk)


@editor_required
@require_POST
def meeting_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def submit(meeting: Meeting) -> str:
        services.meeting_submit(meeting=meeting, user=request.user)
        return "承認依頼しました。承認者が確認して公開します。"

    return _workflow(request, pk, submit)


@approver_required
@require_POST
def meeting_return(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReturnForm(request.POST)
    if not form.is_valid():
        # Shown again under the form, with what was typed.
        return _preview(request, pk, return_form=form, status=400)

    def send_back(meeting: Meeting) -> str:
        services.meeting_return(
            meeting=meeting, user=request.user, comment=form.cleaned_data["comment"]
        )
        return "下書きに差し戻しました。入力担当が直して、もう一度承認を依頼します。"

    return _workflow(request, pk, send_back)


@approver_required
@require_POST
def meeting_publish(request: HttpRequest, pk: int) -> HttpResponse:
    form = PublishForm(request.POST)

    def publish(meeting: Meeting) -> str:
        if not form.is_valid():
            raise services.WorkflowError(
                "公開する内容の更新番号が送られていません。プレビューを開き直してから、もう一度公開してください。"
            )
        publication = services.meeting_publish_reviewed(
            meeting=meeting,
            user=request.user,
            version=form.cleaned_data["version"],
            correction_note=form.cleaned_data["correction_note"],
        )
        return f"公開しました(第{publication.number}版)。"

    return _workflow(request, pk, publish)


@approver_required
@require_POST
def meeting_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _preview(request, pk, withdraw_form=form, status=400)

    def withdraw(meeting: Meeting) -> str:
        services.meeting_withdraw(
            meeting=meeting, user=request.user, comment=form.cleaned_data["comment"]
        )
        return (
            "公開を取り下げました。公開ページのアドレスには、取り下げた日を表示します。"
        )

    return _workflow(request, pk, withdraw)


# ---------------------------------------------------------------------------
# Draft deletion: confirm, then the trash (an admin restores within TRASH_DAYS)
# ---------------------------------------------------------------------------


@editor_required
def meeting_delete(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for_staff(pk, user=request.user, write=True)
    reason = trash.why_not_deletable(meeting, request.user)
    if request.method == "POST" and not reason:
        trash.meeting_delete(
            meeting=meeting,
            user=request.user,
            comment=request.POST.get("comment", "").strip()[:500],
        )
        messages.success(
            request,
            f"「{meeting.title}」を削除しました。{trash.trash_days()}日間は管理者がごみ箱から元に戻せます。",
        )
        return redirect("staff:dashboard")
    return render(
        request,
        "meetings/staff/delete_confirm.html",
        {"meeting": meeting, "reason": reason, "trash_days": trash.trash_days()},
        status=403 if reason and request.method == "POST" else 200,
    )


@admin_required
@require_GET
def trash_list(request: HttpRequest) -> HttpResponse:
    meetings = list(
        Meeting.objects.filter(deleted_at__isnull=False, purged_at__isnull=True)
        .select_related("meeting_type", "deleted_by")
        .order_by("-deleted_at")
    )
    for meeting in meetings:
        meeting.purge_due = trash.purge_due(meeting)
    return render(
        request,
        "meetings/staff/trash.html",
        {"meetings": meetings, "trash_days": trash.trash_days()},
    )


@admin_required
@require_POST
def trash_restore(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk, deleted_at__isnull=False)
    try:
        trash.meeting_restore(meeting=meeting, user=request.user)
    except trash.TrashError as error:
        messages.error(request, str(error))
        return redirect("staff:trash")
    messages.success(request, f"「{meeting.title}」をごみ箱から元に戻しました。")
    return redirect("staff:edit", pk=meeting.pk)
