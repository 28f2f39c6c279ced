"""Writes with rules: creating meetings from data, and the publication workflow.

Every function is keyword-only, atomic, and leaves data as it was when it fails.
Workflow functions lock the meeting row, so a double click publishes once.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from meetings import layout, limits, permissions, search, uploads, wareki
from meetings.models import (
    AgendaItem,
    Attachment,
    Attendee,
    Item,
    Meeting,
    MeetingEvent,
    MeetingType,
    Organisation,
    Publication,
    Section,
    Venue,
)

Status = Meeting.Status


class WorkflowError(Exception):
    """A state change that is not allowed from the meeting's current state."""


class PdfPublishError(WorkflowError):
    """The official PDF could not be rendered, so nothing was published."""


# ---------------------------------------------------------------------------
# Master data lookups
# ---------------------------------------------------------------------------


def organisations_by_name(
    *, names: list[str], on: date | None = None
) -> dict[str, Organisation]:
    """The organisation each name (or alias) meant on a day, in one query.

    Names that match nothing are left out. Where a name matches several (a renamed
    department reused later), the one valid on ``on`` wins.
    """
    wanted = {n.strip() for n in names if n and n.strip()}
    if not wanted:
        return {}
    candidates = (
        Organisation.objects.filter(Q(name__in=wanted) | Q(aliases__name__in=wanted))
        .distinct()
        .prefetch_related("aliases")
        .order_by("pk")
    )
    by_name: dict[str, list[Organisation]] = {}
    for org in candidates:
        for name in {org.name, *(a.name for a in org.aliases.all())} & wanted:
            by_name.setdefault(name, []).append(org)
    found: dict[str, Organisation] = {}
    for name, orgs in by_name.items():
        dated = [o for o in orgs if on is None or o.is_valid_on(on)]
        found[name] = (dated or orgs)[0]
    return found


def organisation_resolve(*, name: str, on: date | None = None) -> Organisation | None:
    """Find the organisation a name (or alias) meant on a day; None when unknown."""
    return organisations_by_name(names=[name], on=on).get((name or "").strip())


def organisation_offer_unknown(
    *, name: str, on: date | None = None
) -> Organisation | None:
    """Keep an unknown speaker: add it as master data for an admin to review."""
    found = organisation_resolve(name=name, on=on)
    if found is not None or not name.strip():
        return found
    org, _ = Organisation.objects.get_or_create(
        name=name.strip(),
        valid_from=None,
        defaults={"kind": Organisation.Kind.DIVISION, "needs_review": True},
    )
    return org


def venue_resolve(*, location: str) -> Venue | None:
    """Match a written location to a venue by its name or an alias it starts with."""
    text = (location or "").replace(" ", "").replace("\u3000", "")
    if not text:
        return None
    for venue in Venue.objects.prefetch_related("aliases"):
        names = [venue.name, *(a.name for a in venue.aliases.all())]
        if any(text.startswith(n.replace(" ", "")) for n in names):
            return venue
    return None


def meeting_type_for_name(*, name: str | None) -> MeetingType:
    name = (name or "").strip() or "危機管理連絡会議"
    meeting_type = MeetingType.objects.filter(name=name).first()
    if meeting_type is None:
        meeting_type = MeetingType.objects.create(
            name=name, slug=f"type-{MeetingType.objects.count() + 1}", tier=1
        )
    return meeting_type


# ---------------------------------------------------------------------------
# Create / replace a meeting's parts from the layout dict
# ---------------------------------------------------------------------------

_HEADER_KEYS = {
    "session_number": "session_number",
    "cumulative_number": "cumulative_number",
    "end_next_day": "end_next_day",
    "is_drill": "is_drill",
    "attendee_total": "attendee_total",
    "attendee_remote": "attendee_remote",
}


def _time(value: str | None):
    return layout._parse_time(value)


def _date(value: str | None):
    return layout._parse_date(value)


def meeting_apply_header(*, meeting: Meeting, data: dict[str, Any]) -> None:
    """Copy the header fields of a layout dict onto an (unsaved) meeting."""
    for key, attr in _HEADER_KEYS.items():
        if key in data and data[key] is not None:
            setattr(meeting, attr, data[key])
    meeting.held_on = _date(data.get("held_on")) or meeting.held_on
    meeting.published_on = _date(data.get("published_on"))
    meeting.start_time = _time(data.get("start_time"))
    meeting.end_time = _time(data.get("end_time"))
    meeting.mode = data.get("mode") or Meeting.Mode.IN_PERSON
    meeting.location = data.get("location") or ""
    meeting.lead = data.get("lead") or ""
    meeting.separator = data.get("separator") or ","
    meeting.attendee_tail = data.get("attendee_tail") or ""
    meeting.attendee_unit = data.get("attendee_unit") or "名"
    contact = data.get("contact") or {}
    meeting.contact_section = contact.get("name") or ""
    meeting.contact_phone = contact.get("phone") or ""
    meeting.contact_fax = contact.get("fax") or ""
    meeting.contact_email = contact.get("email") or ""
    meeting.contact_note = contact.get("note") or ""
    meeting.unstructured_text = "\n\n".join(data.get("unparsed") or [])
    title = data.get("title") or ""
    meeting.title_override = "" if title == meeting.generated_title else title
    if meeting.venue_id is None:
        meeting.venue = venue_resolve(location=meeting.location)


def _create_items(section: Section, items: list[dict[str, Any]]) -> None:
    """Create an item tree level by level (one INSERT per depth)."""
    level: list[tuple[Item | None, list[dict[str, Any]]]] = [(None, items)]
    while level:
        rows: list[Item] = []
        next_level: list[tuple[Item | None, list[dict[str, Any]]]] = []
        for parent, children in level:
            for order, child in enumerate(children, start=1):
                row = Item(
                    section=section,
                    parent=parent,
                    order=order,
                    marker=child.get("marker") or "",
                    text=child.get("text") or "",
                )
                rows.append(row)
                next_level.append((row, child.get("children") or []))
        Item.objects.bulk_create(rows)
        level = [(row, kids) for row, kids in next_level if kids]


def _keeping_references(replace: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``settings.MEETING_PARTS_REPLACE_HOOKS`` around a parts replacement.

    Other apps point at sections and items (incidents: links, follow-ups, directive
    assignments). Each hook is a context manager taking ``meeting=``: it notes the
    references before the rows are recreated and restores them after. Named in
    settings, so that meetings imports no other app.
    """

    @functools.wraps(replace)
    def wrapper(*, meeting: Meeting, **kwargs: Any) -> Any:
        with contextlib.ExitStack() as stack:
            for dotted in getattr(settings, "MEETING_PARTS_REPLACE_HOOKS", ()):
                stack.enter_context(import_string(dotted)(meeting=meeting))
            return replace(meeting=meeting, **kwargs)

    return wrapper


@_keeping_references
def meeting_replace_parts(
    *, meeting: Meeting, data: dict[str, Any], offer_unknown_speakers: bool = False
) -> list[str]:
    """Replace attendees, agenda and sections (not attachments) with those of ``data``.

    Returns the speakers that matched no organisation (with ``offer_unknown_speakers``
    they are added as master data for an admin to review).
    """
    meeting.attendees.all().delete()
    meeting.sections.all().delete()
    meeting.agenda_items.all().delete()
    details = data.get("attendee_details") or [
        {"role": r, "remote": False, "outside": False}
        for r in data.get("attendees") or []
    ]
    sections = data.get("sections") or []
    known = organisations_by_name(
        names=[d["role"] for d in details] + [s.get("speaker") or "" for s in sections],
        on=meeting.held_on,
    )
    Attendee.objects.bulk_create(
        Attendee(
            meeting=meeting,
            order=n,
            role=d["role"],
            is_remote=bool(d.get("remote")),
            is_outside=bool(d.get("outside")),
            organisation=known.get(d["role"].strip()),
        )
        for n, d in enumerate(details, start=1)
    )
    markers = data.get("agenda_markers") or []
    agenda_rows = AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            order=n,
            marker=markers[n - 1] if n - 1 < len(markers) else "",
            text=text,
        )
        for n, text in enumerate(data.get("agenda") or [], start=1)
    )
    unknown: list[str] = []
    for n, s in enumerate(sections, start=1):
        speaker = (s.get("speaker") or "").strip()
        speaker_org = known.get(speaker)
        if speaker and speaker_org is None:
            unknown.append(speaker)
            if offer_unknown_speakers:
                speaker_org = organisation_offer_unknown(name=speaker)
        agenda_index = s.get("agenda_index")
        section = Section.objects.create(
            meeting=meeting,
            order=n,
            kind=s.get("kind") or Section.Kind.OTHER,
            speaker=speaker,
            speaker_org=speaker_org,
            recipients=s.get("recipients") or "",
            topic=s.get("topic") or "",
            topic_heading=bool(s.get("topic_heading")),
            heading=s.get("heading") or "",
            group=s.get("group") or Section.Group.MAIN,
            agenda_item=agenda_rows[agenda_index]
            if agenda_index is not None and agenda_index < len(agenda_rows)
            else None,
        )
        _create_items(section, s.get("items") or [])
    return list(dict.fromkeys(unknown))


def meeting_validate_parts(*, meeting: Meeting, data: dict[str, Any]) -> None:
    listed = len(data.get("attendee_details") or data.get("attendees") or [])
    message = meeting.check_attendee_total(listed)
    if message:
        raise ValidationError({"attendee_total": message})
    # The sane maximum lengths (meetings.limits), whoever writes: editor, importer.
    problems = limits.meeting_problems(
        {
            **{key: data.get(key) for key in ("attendees", "attendee_details")},
            "agenda": data.get("agenda") or [],
            "sections": data.get("sections") or [],
            **{name: getattr(meeting, name) for name in limits.HEADER_TEXT_FIELDS},
        }
    )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def meeting_create_from_data(
    *,
    data: dict[str, Any],
    user=None,
    status: str = Status.DRAFT,
    meeting_type: MeetingType | None = None,
) -> Meeting:
    """Create a meeting and all its parts from a layout dict (importer, demo data)."""
    meeting = Meeting(
        meeting_type=meeting_type
        or meeting_type_for_name(name=data.get("meeting_type")),
        status=Status.DRAFT,
        created_by=user,
        updated_by=user,
    )
    meeting_apply_header(meeting=meeting, data=data)
    meeting.full_clean()
    meeting_validate_parts(meeting=meeting, data=data)
    meeting.save()
    meeting_replace_parts(meeting=meeting, data=data)
    MeetingEvent.objects.create(
        meeting=meeting,
        action=MeetingEvent.Action.CREATE,
        to_status=Status.DRAFT,
        actor=user,
    )
    # The importer and the demo loader create meetings on the command line, as nobody.
    if status == Status.REVIEW:
        meeting_submit(meeting=meeting, user=user, check_permission=False)
    elif status == Status.PUBLISHED:
        meeting_submit(meeting=meeting, user=user, check_permission=False)
        meeting_publish(meeting=meeting, user=user, check_permission=False)
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def attachment_add(
    *,
    meeting: Meeting,
    label: str,
    content: bytes,
    kind: str = Attachment.Kind.MATERIAL,
    is_generated: bool = False,
) -> Attachment:
    """Add a PDF; one with active content (JavaScript, launch, embedded files) or
    that cannot be read is refused (``meetings.uploads``), whoever calls."""
    problem = uploads.pdf_problem(content)
    if problem:
        raise ValidationError({"file": problem})
    order = (
        meeting.attachments.order_by("-order").values_list("order", flat=True).first()
        or 0
    ) + 1
    attachment = Attachment(
        meeting=meeting, order=order, label=label, kind=kind, is_generated=is_generated
    )
    attachment.file.save("upload.pdf", ContentFile(content), save=False)
    attachment.size_bytes = len(content)
    attachment.sha256 = hashlib.sha256(content).hexdigest()
    attachment.full_clean()
    attachment.save()
    return attachment


# ---------------------------------------------------------------------------
# Workflow: draft -> review -> published (-> corrected) -> withdrawn
# ---------------------------------------------------------------------------


def _locked(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update()
        .select_related("meeting_type")
        .get(pk=meeting.pk)
    )


def _event(meeting: Meeting, action: str, before: str, user, comment: str = "") -> None:
    MeetingEvent.objects.create(
        meeting=meeting,
        action=action,
        from_status=before,
        to_status=meeting.status,
        actor=user if getattr(user, "is_authenticated", False) else None,
        comment=comment,
    )


@transaction.atomic
def meeting_submit(*, meeting: Meeting, user, check_permission: bool = True) -> Meeting:
    if check_permission and not permissions.is_editor(user):
        raise PermissionDenied("承認依頼は入力担当・承認者・管理者だけが行えます。")
    locked = _locked(meeting)
    if locked.status == Status.REVIEW:
        return locked  # idempotent
    if locked.status != Status.DRAFT:
        raise WorkflowError("下書きの会議だけを承認依頼できます。")
    locked.status = Status.REVIEW
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, MeetingEvent.Action.SUBMIT, Status.DRAFT, user)
    return locked


@transaction.atomic
def meeting_return(*, meeting: Meeting, user, comment: str) -> Meeting:
    if not permissions.is_approver(user):
        raise PermissionDenied("差戻しは承認者だけが行えます。")
    if not comment.strip():
        raise ValidationError({"comment": "差戻しの理由を入力してください。"})
    locked = _locked(meeting)
    if locked.status == Status.DRAFT:
        return locked
    if locked.status != Status.REVIEW:
        raise WorkflowError("承認待ちの会議だけを差し戻せます。")
    locked.status = Status.DRAFT
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, MeetingEvent.Action.RETURN, Status.REVIEW, user, comment)
    return locked


def _edited_by(meeting: Meeting, user) -> bool:
    """Whether ``user`` changed this meeting's content since its last publication.

    Content changes are the CREATE and SAVE events; workflow steps (submit, publish)
    also write history rows, so simple_history alone cannot tell an edit from them.
    """
    since = (
        meeting.current_publication.published_at
        if meeting.current_publication_id
        else None
    )
    edits = meeting.events.filter(
        actor=user, action__in=[MeetingEvent.Action.CREATE, MeetingEvent.Action.SAVE]
    )
    if since is not None:
        edits = edits.filter(created_at__gt=since)
    return edits.exists()


def render_public_html(
    data: dict[str, Any], *, attachment_url: Callable[[int], str] | None = None
) -> str:
    """The body of the public page, rendered once at publication.

    The staff preview renders the same body with links to the staff file URLs.
    """
    doc = layout.build_document(data)
    for attachment in doc.attachments:
        attachment["url"] = (
            attachment_url(attachment["id"])
            if attachment_url
            else reverse(
                "public:attachment", args=[data["public_id"], attachment["id"]]
            )
        )
    return render_to_string(
        "meetings/includes/_result.html", {"doc": doc, "data": data}
    )


@transaction.atomic
def meeting_publish(
    *, meeting: Meeting, user, correction_note: str = "", check_permission: bool = True
) -> Publication:
    """Publish (or republish a correction): snapshot, official PDF, then go public.

    Idempotent: publishing an unchanged published meeting returns its publication.
    If the PDF cannot be rendered, nothing is written (the transaction rolls back).
    """
    from meetings import pdf  # rendering is heavy; import lazily

    if check_permission and not permissions.is_approver(user):
        raise PermissionDenied("公開は承認者だけが行えます。")
    locked = _locked(meeting)
    before = locked.status
    if before == Status.PUBLISHED:
        current = locked.current_publication
        if current is not None and current.meeting_version == locked.version:
            return current  # a double click: already published as it is
        if not correction_note.strip():
            raise ValidationError(
                {
                    "correction_note": "訂正して再公開するには訂正内容を入力してください。"
                }
            )
    elif before != Status.REVIEW:
        raise WorkflowError("承認待ちの会議だけを公開できます。")
    if (
        check_permission
        and not settings.APPROVER_MAY_PUBLISH_OWN_EDITS
        and _edited_by(locked, user)
    ):
        raise PermissionDenied(
            "自分が編集した会議は公開できません(別の承認者が公開してください)。"
        )

    now = timezone.now()
    if locked.published_on is None:
        locked.published_on = timezone.localdate(now)
    locked.status = Status.PUBLISHED
    locked.save(update_fields=["status", "published_on", "updated_at"])
    number = locked.publications.count() + 1

    # Drop the previous generated 開催結果 attachment; its PDF stays in its Publication.
    locked.attachments.filter(is_generated=True).delete()
    fresh = Meeting.objects.with_parts().get(pk=locked.pk)
    data = layout.meeting_data(fresh)
    pdf_label = official_pdf_label(fresh)
    # The PDF cannot state its own size: it lists the other attachments only.
    try:
        # Dated with the publication time, so the PDF's metadata tells when.
        pdf_bytes = pdf.render_meeting_pdf(data, created=now)
    except pdf.PdfRenderError as exc:
        # Raised inside the atomic block: status, attachments stay as they were.
        raise PdfPublishError(f"公開できませんでした。{exc}") from exc
    attachment = Attachment(
        meeting=fresh,
        order=0,
        label=pdf_label,
        kind=Attachment.Kind.RESULT,
        is_generated=True,
    )
    attachment.file.save("result.pdf", ContentFile(pdf_bytes), save=False)
    attachment.size_bytes = len(pdf_bytes)
    attachment.sha256 = hashlib.sha256(pdf_bytes).hexdigest()
    attachment.save()

    fresh = Meeting.objects.with_parts().get(pk=locked.pk)
    data = layout.meeting_data(fresh)
    text = layout.render_text(data)
    publication = Publication(
        meeting=fresh,
        number=number,
        published_at=now,
        published_by=user if getattr(user, "is_authenticated", False) else None,
        correction_note=correction_note.strip(),
        meeting_version=locked.version,
        title=fresh.title,
        held_on=fresh.held_on,
        data=data,
        text=text,
        html=render_public_html(data),
        **search.index_fields(text),
        pdf_sha256=attachment.sha256,
        pdf_size=attachment.size_bytes,
    )
    publication.pdf.save("result.pdf", ContentFile(pdf_bytes), save=False)
    publication.save()
    Meeting.objects.filter(pk=locked.pk).update(current_publication=publication)
    action = (
        MeetingEvent.Action.CORRECT
        if before == Status.PUBLISHED
        else MeetingEvent.Action.PUBLISH
    )
    locked.status = Status.PUBLISHED
    _event(locked, action, before, user, correction_note)
    return publication


def official_pdf_label(meeting: Meeting) -> str:
    """File label as the prefecture writes it: 危機管理連絡会議 開催結果(R4.6.20)."""
    return (
        f"{meeting.meeting_type.name} 開催結果({wareki.format_short(meeting.held_on)})"
    )


@transaction.atomic
def meeting_withdraw(*, meeting: Meeting, user, comment: str = "") -> Meeting:
    if not permissions.is_approver(user):
        raise PermissionDenied("取下げは承認者だけが行えます。")
    locked = _locked(meeting)
    if locked.status == Status.WITHDRAWN:
        return locked
    if locked.status != Status.PUBLISHED:
        raise WorkflowError("公開中の会議だけを取り下げられます。")
    locked.status = Status.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, MeetingEvent.Action.WITHDRAW, Status.PUBLISHED, user, comment)
    return locked


# ---------------------------------------------------------------------------
# Staff editor: save with optimistic locking and a record of what changed
# ---------------------------------------------------------------------------


class EditConflict(Exception):
    """Someone saved the meeting after this editor's copy was loaded."""

    def __init__(self, current: Meeting) -> None:
        super().__init__("この会議は他の人が先に保存しています。")
        self.current = current


EDITABLE_STATUSES = (Status.DRAFT, Status.REVIEW, Status.PUBLISHED)


def _changes(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """What a save changed: header fields (old -> new) and the text, line by line."""
    import difflib

    skip = {"sections", "attachments", "attendees", "attendee_details", "warnings"}
    fields = [
        {"field": key, "old": (before or {}).get(key), "new": value}
        for key, value in after.items()
        if key not in skip and (before or {}).get(key) != value
    ]
    old_text = layout.render_text(before).splitlines() if before else []
    lines = list(
        difflib.unified_diff(
            old_text, layout.render_text(after).splitlines(), lineterm="", n=0
        )
    )[2:]
    return {"fields": fields if before else [], "lines": lines[:500]}


@transaction.atomic
def meeting_save(
    *,
    meeting: Meeting | None,
    header: dict[str, Any],
    parts: dict[str, Any],
    user,
    expected_version: int | None = None,
    attachment_changes: list[dict[str, Any]] | None = None,
    uploads: list[dict[str, Any]] | None = None,
) -> tuple[Meeting, list[str]]:
    """Create or update a meeting from the editor; returns it and the unknown speakers.

    ``header`` holds the model's header fields, ``parts`` the layout dict of attendees,
    agenda and sections. A save from an older version raises ``EditConflict`` and
    writes nothing. Unknown speakers are kept and offered to admins as new master data.
    """
    if not permissions.is_editor(user):
        raise PermissionDenied("会議の入力は入力担当・承認者・管理者が行えます。")
    before: dict[str, Any] | None = None
    if meeting is None:
        meeting = Meeting(created_by=user, status=Status.DRAFT, version=0)
    else:
        meeting = _locked(meeting)
        if meeting.status not in EDITABLE_STATUSES:
            raise WorkflowError("取下げた会議は編集できません。")
        if expected_version != meeting.version:
            raise EditConflict(Meeting.objects.with_parts().get(pk=meeting.pk))
        before = layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    for name, value in header.items():
        setattr(meeting, name, value)
    meeting.venue = venue_resolve(location=meeting.location)
    meeting.version += 1
    meeting.updated_by = user
    meeting._history_user = user  # simple_history records who saved
    meeting.full_clean()
    meeting_validate_parts(meeting=meeting, data=parts)
    meeting.save()

    unknown = meeting_replace_parts(
        meeting=meeting, data=parts, offer_unknown_speakers=True
    )
    for change in attachment_changes or []:
        attachment = meeting.attachments.filter(
            pk=change["id"], is_generated=False
        ).first()
        if attachment is None:
            continue
        if change.get("remove"):
            attachment.delete()
            continue
        attachment.label = change.get("label") or attachment.label
        attachment.kind = change.get("kind") or attachment.kind
        attachment.full_clean()
        attachment.save(update_fields=["label", "kind"])
    for upload in uploads or []:
        attachment_add(
            meeting=meeting,
            label=upload["label"],
            content=upload["content"],
            kind=upload.get("kind") or Attachment.Kind.MATERIAL,
        )

    after = layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    MeetingEvent.objects.create(
        meeting=meeting,
        action=MeetingEvent.Action.SAVE if before else MeetingEvent.Action.CREATE,
        from_status=meeting.status,
        to_status=meeting.status,
        actor=user,
        changes={**_changes(before, after), "version": meeting.version},
    )
    return meeting, unknown


@transaction.atomic
def meeting_publish_reviewed(
    *, meeting: Meeting, user, version: int, correction_note: str = ""
) -> Publication:
    """Publish the version the approver reviewed; a double click publishes once.

    A meeting saved again after the approver's preview is refused, so nobody
    publishes text they did not see.
    """
    if not permissions.is_approver(user):
        raise PermissionDenied("公開は承認者だけが行えます。")
    locked = _locked(meeting)
    current = locked.current_publication
    if (
        locked.status == Status.PUBLISHED
        and current is not None
        and current.meeting_version == locked.version == version
    ):
        return current  # the second click of a double click
    if locked.version != version:
        raise WorkflowError(
            "確認した後に内容が更新されています。プレビューをもう一度確認してから公開してください。"
        )
    return meeting_publish(meeting=locked, user=user, correction_note=correction_note)
