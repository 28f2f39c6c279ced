"""Writes with rules: creating meetings from data, and the publication workflow.

Every function is keyword-only, atomic, and leaves data as it was when it fails.
Workflow functions lock the meeting row, so a double click publishes once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from meetings import layout, limits, markers, permissions, search, site, uploads, wareki
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
    WithholdingReason,
)
from meetings.permissions import Actor

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


def organisations_offer_unknown(*, names: list[str]) -> dict[str, Organisation]:
    """Keep unknown speakers: add them as master data for an admin to review.

    Names that already name an organisation (or alias) are returned as they are;
    the others are created in one query.
    """
    wanted = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    found = organisations_by_name(names=wanted)
    missing = [
        Organisation(name=name, kind=Organisation.Kind.DIVISION, needs_review=True)
        for name in wanted
        if name not in found
    ]
    Organisation.objects.bulk_create(missing)
    return {**found, **{org.name: org for org in missing}}


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


def meeting_type_get_or_create(*, name: str | None) -> MeetingType:
    """The meeting type of that name, created (tier 1) when there is none."""
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

HEADER_NUMBERS = (
    "session_number",
    "cumulative_number",
    "end_next_day",
    "is_drill",
    "attendee_total",
    "attendee_remote",
)


def _time(value: str | None) -> time | None:
    return layout._parse_time(value)


def _date(value: str | None) -> date | None:
    return layout._parse_date(value)


def meeting_apply_header(*, meeting: Meeting, data: Mapping[str, Any]) -> None:
    """Copy the header fields of a layout dict onto an (unsaved) meeting."""
    for key in HEADER_NUMBERS:
        if data.get(key) is not None:
            setattr(meeting, key, data[key])
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


def withholding_reasons() -> dict[str, WithholdingReason]:
    """Every reason by code (one query), to resolve ``withheld`` keys of layout data."""
    return {r.code: r for r in WithholdingReason.objects.all()}


def _withheld_fields(
    entry: layout.ItemData | layout.SectionData, reasons: dict[str, WithholdingReason]
) -> dict[str, Any]:
    """Model fields for the ``withheld`` key of a section or item dict."""
    info = entry.get("withheld") or {}
    code = info.get("reason") or ""
    if not code:
        return {"withheld_reason": None, "withheld_note": ""}
    if code not in reasons:
        raise ValidationError(
            {"withheld_reason": f"非公開の理由「{code}」は登録されていません。"}
        )
    return {
        "withheld_reason": reasons[code],
        "withheld_note": (info.get("note") or "").strip(),
    }


def _any_withheld(items: list[layout.ItemData]) -> bool:
    return any(
        i.get("withheld") or _any_withheld(i.get("children") or []) for i in items
    )


# Rows are kept by id: an edit updates the rows it changed, creates the new ones and
# deletes the removed ones, so whatever other apps point at (incident links, follow-ups,
# directive assignments) stays attached; what happens to a reference whose row is
# removed is the referring field's ``on_delete``. Orders are unique per meeting (per
# section and parent for items) and the database checks that row by row, so rows that
# move or go are first shifted out of the way by ORDER_BUMP.
ORDER_BUMP = 1_000_000
FOREIGN_ROW_MESSAGE = (
    "この会議にない行が送られてきたため保存できませんでした。"
    "ページを開き直してから入力してください。"
)


def _posted_ids(
    model: type[models.Model], posted: list[int | None], existing: dict[int, Any]
) -> set[int]:
    """Check the ids a client sent for one kind of row; returns those that are gone.

    An id of another meeting's row (or the same id twice) is refused. An id that no
    row has any more (removed by someone else's save) makes a new row.
    """
    ids = [pk for pk in posted if pk is not None]
    if len(ids) != len(set(ids)):
        raise ValidationError(FOREIGN_ROW_MESSAGE)
    unknown = set(ids) - existing.keys()
    if unknown and model._default_manager.filter(pk__in=unknown).exists():
        raise ValidationError(FOREIGN_ROW_MESSAGE)
    return unknown


def _values(row: models.Model, fields: list[str]) -> list[Any]:
    return [getattr(row, name) for name in fields]


def _sync_rows(
    model: type[models.Model],
    existing: dict[int, Any],
    wanted: list[Any],
    *,
    fields: list[str],
    slot: list[str],
) -> list[int]:
    """Write ``wanted`` (rows with final values; ``pk`` None for new ones) over
    ``existing``; returns the ids of the rows to delete (the caller deletes them
    once nothing it keeps sits under them). ``slot`` names the fields of the
    unique (…, order) constraint. Each step is one query, whatever the size."""
    kept = {row.pk for row in wanted if row.pk is not None}
    dead = [pk for pk in existing if pk not in kept]
    old = [(row, existing[row.pk]) for row in wanted if row.pk is not None]
    moved = [row.pk for row, was in old if _values(row, slot) != _values(was, slot)]
    touched = [row for row, was in old if _values(row, fields) != _values(was, fields)]
    if moved or dead:
        model._default_manager.filter(pk__in=[*moved, *dead]).update(
            order=F("order") + ORDER_BUMP
        )
    new = [row for row in wanted if row.pk is None]
    if new:
        model._default_manager.bulk_create(new)
    if touched:
        model._default_manager.bulk_update(touched, fields)
    return dead


def _flatten_items(
    section: Section,
    nodes: list[layout.ItemData],
    parent: layout.ItemData | None,
    reasons: dict[str, WithholdingReason] | None = None,
) -> list[tuple[Item, layout.ItemData, layout.ItemData | None]]:
    """(row, node, parent node) for a section's item tree, parents first."""
    rows: list[tuple[Item, layout.ItemData, layout.ItemData | None]] = []
    for order, node in enumerate(nodes, start=1):
        row = Item(
            pk=node.get("id"),
            section=section,
            order=order,
            marker=node.get("marker") or "",
            text=node.get("text") or "",
            is_heading=bool(node.get("heading")),
            **_withheld_fields(node, reasons or {}),
        )
        rows.append((row, node, parent))
        rows.extend(_flatten_items(section, node.get("children") or [], node, reasons))
    return rows


def _heading_marker(section: layout.SectionData) -> str:
    """The section's heading mark as the layout dict has it (no key: ■)."""
    marker = section.get("marker", markers.DEFAULT_HEADING_MARKER)
    if marker is None:
        return markers.DEFAULT_HEADING_MARKER
    return marker if marker in markers.HEADING_MARKERS else marker[:4]


def _tree_ids(nodes: list[layout.ItemData]) -> list[int | None]:
    ids: list[int | None] = []
    for node in nodes:
        ids.append(node.get("id"))
        ids.extend(_tree_ids(node.get("children") or []))
    return ids


@transaction.atomic
def meeting_parts_sync(
    *, meeting: Meeting, data: layout.PartsData, offer_unknown_speakers: bool = False
) -> list[str]:
    """Make the meeting's attendees, agenda, sections and items those of ``data``.

    A row that carries an ``id`` (attendee details, sections and item nodes; the
    agenda in ``agenda_ids``) is that row, updated in place; a row without one is
    new; the meeting's rows that ``data`` leaves out are deleted, and what points at
    them follows its ``on_delete``. Order is that of ``data``. An id of another
    meeting's row is refused (``ValidationError``), and nothing is written.

    Returns the speakers that matched no organisation (with ``offer_unknown_speakers``
    they are added as master data for an admin to review).
    """
    details = data.get("attendee_details") or [
        {"role": r, "remote": False, "outside": False}
        for r in data.get("attendees") or []
    ]
    agenda_texts = data.get("agenda") or []
    markers = data.get("agenda_markers") or []
    agenda_ids = data.get("agenda_ids") or []
    sections = data.get("sections") or []

    attendees_before = {a.pk: a for a in meeting.attendees.all()}
    agenda_before = {a.pk: a for a in meeting.agenda_items.all()}
    sections_before = {s.pk: s for s in meeting.sections.all()}
    items_before = {i.pk: i for i in Item.objects.filter(section__meeting=meeting)}
    _posted_ids(Attendee, [d.get("id") for d in details], attendees_before)
    _posted_ids(
        AgendaItem,
        [
            agenda_ids[n] if n < len(agenda_ids) else None
            for n in range(len(agenda_texts))
        ],
        agenda_before,
    )
    _posted_ids(Section, [s.get("id") for s in sections], sections_before)
    _posted_ids(
        Item,
        [pk for s in sections for pk in _tree_ids(s.get("items") or [])],
        items_before,
    )

    def pk(value: int | None, before: dict[int, Any]) -> int | None:
        return value if value in before else None

    known = organisations_by_name(
        names=[d["role"] for d in details] + [s.get("speaker") or "" for s in sections],
        on=meeting.held_on,
    )
    dead_attendees = _sync_rows(
        Attendee,
        attendees_before,
        [
            Attendee(
                pk=pk(d.get("id"), attendees_before),
                meeting=meeting,
                order=n,
                role=d["role"],
                is_remote=bool(d.get("remote")),
                is_outside=bool(d.get("outside")),
                organisation=known.get(d["role"].strip()),
            )
            for n, d in enumerate(details, start=1)
        ],
        fields=["order", "role", "is_remote", "is_outside", "organisation_id"],
        slot=["order"],
    )
    agenda_rows = [
        AgendaItem(
            pk=pk(
                agenda_ids[n - 1] if n - 1 < len(agenda_ids) else None, agenda_before
            ),
            meeting=meeting,
            order=n,
            marker=markers[n - 1] if n - 1 < len(markers) else "",
            text=text,
        )
        for n, text in enumerate(agenda_texts, start=1)
    ]
    dead_agenda = _sync_rows(
        AgendaItem,
        agenda_before,
        agenda_rows,
        fields=["order", "marker", "text"],
        slot=["order"],
    )

    speakers = [(s.get("speaker") or "").strip() for s in sections]
    unknown = list(dict.fromkeys(n for n in speakers if n and n not in known))
    if unknown and offer_unknown_speakers:
        known = {**known, **organisations_offer_unknown(names=unknown)}
    withheld_anything = any(
        s.get("withheld") or _any_withheld(s.get("items") or []) for s in sections
    )
    reasons = withholding_reasons() if withheld_anything else {}
    section_rows: list[Section] = []
    for n, (s, speaker) in enumerate(zip(sections, speakers, strict=True), start=1):
        speaker_org = known.get(speaker)
        agenda_index = s.get("agenda_index")
        section_rows.append(
            Section(
                pk=pk(s.get("id"), sections_before),
                meeting=meeting,
                order=n,
                kind=s.get("kind") or Section.Kind.OTHER,
                speaker=speaker,
                speaker_org=speaker_org,
                recipients=s.get("recipients") or "",
                topic=s.get("topic") or "",
                topic_heading=bool(s.get("topic_heading")),
                heading=s.get("heading") or "",
                marker=_heading_marker(s),
                group=s.get("group") or Section.Group.MAIN,
                agenda_item=agenda_rows[agenda_index]
                if agenda_index is not None and agenda_index < len(agenda_rows)
                else None,
                withheld_keep_heading=bool(
                    (s.get("withheld") or {}).get("keep_heading", True)
                ),
                **_withheld_fields(s, reasons),
            )
        )
    dead_sections = _sync_rows(
        Section,
        sections_before,
        section_rows,
        fields=[
            "order",
            "kind",
            "speaker",
            "speaker_org_id",
            "recipients",
            "topic",
            "topic_heading",
            "heading",
            "marker",
            "group",
            "agenda_item_id",
            "withheld_reason_id",
            "withheld_note",
            "withheld_keep_heading",
        ],
        slot=["order"],
    )

    # Items: new ones are written first without a parent (at orders nobody holds), so
    # that an item under a new item can name its parent; then the rows that move are
    # shifted out of the way and every changed row is set to its place in one UPDATE.
    flat = [
        row
        for section, s in zip(section_rows, sections, strict=True)
        for row in _flatten_items(section, s.get("items") or [], None, reasons)
    ]
    by_node = {id(node): row for row, node, _ in flat}
    parents = [
        by_node[id(parent)] if parent is not None else None for _, _, parent in flat
    ]
    wanted = [row for row, _, _ in flat]
    for row in wanted:
        row.pk = pk(row.pk, items_before)
    new = [row for row in wanted if row.pk is None]
    if new:
        finals = [row.order for row in new]
        for n, row in enumerate(new, start=1):
            row.order = 2 * ORDER_BUMP + n
        Item.objects.bulk_create(new)
        for row, order in zip(new, finals, strict=True):
            row.order = order
    for row, parent in zip(wanted, parents, strict=True):
        row.parent_id = parent.pk if parent is not None else None
    fields = [
        "section_id",
        "parent_id",
        "order",
        "marker",
        "text",
        "is_heading",
        "withheld_reason_id",
        "withheld_note",
    ]
    slot = ["section_id", "parent_id", "order"]
    created = {id(row) for row in new}
    old = [(row, items_before[row.pk]) for row in wanted if id(row) not in created]
    kept = {row.pk for row, _ in old}
    dead_items = [item_id for item_id in items_before if item_id not in kept]
    moved = [row.pk for row, was in old if _values(row, slot) != _values(was, slot)]
    if moved or dead_items:
        Item.objects.filter(pk__in=[*moved, *dead_items]).update(
            order=F("order") + ORDER_BUMP
        )
    touched = new + [
        row for row, was in old if _values(row, fields) != _values(was, fields)
    ]
    if touched:
        Item.objects.bulk_update(touched, fields)

    # Deleted last, children with their parents, once no kept row sits under them.
    if dead_items:
        Item.objects.filter(pk__in=dead_items).delete()
    if dead_sections:
        Section.objects.filter(pk__in=dead_sections).delete()
    if dead_agenda:
        AgendaItem.objects.filter(pk__in=dead_agenda).delete()
    if dead_attendees:
        Attendee.objects.filter(pk__in=dead_attendees).delete()
    return unknown


def section_references(*, meeting: Meeting) -> dict[int, int]:
    """How many rows of other apps point at each section of the meeting or at its
    items (incident links, follow-ups, alert changes, directive assignments).

    Found through the models' reverse relations, so meetings names no other app;
    one query per referring field, whatever the meeting's size.
    """
    counts: dict[int, int] = {}
    for model, path in ((Section, ""), (Item, "section")):
        for relation in model._meta.related_objects:
            other = relation.related_model
            if isinstance(other, str) or (
                other._meta.app_label == Meeting._meta.app_label
            ):
                continue
            to_section = (
                f"{relation.field.name}__{path}" if path else relation.field.name
            )
            rows = (
                other._default_manager.filter(**{f"{to_section}__meeting": meeting})
                .values_list(to_section)
                .annotate(n=Count("pk"))
                .order_by()
            )
            for section_id, n in rows:
                counts[section_id] = counts.get(section_id, 0) + n
    return counts


def meeting_validate_parts(*, meeting: Meeting, data: layout.PartsData) -> None:
    listed = len(data.get("attendee_details") or data.get("attendees") or [])
    message = meeting.check_attendee_total(listed)
    if message:
        raise ValidationError({"attendee_total": message})
    # The sane maximum lengths (meetings.limits), whoever writes: editor, importer.
    problems = limits.meeting_problems(
        {
            "attendees": data.get("attendees"),
            "attendee_details": data.get("attendee_details"),
            "agenda": data.get("agenda") or [],
            "sections": data.get("sections") or [],
            # limits.HEADER_TEXT_FIELDS
            "title_override": meeting.title_override,
            "lead": meeting.lead,
            "location": meeting.location,
            "attendee_tail": meeting.attendee_tail,
            "unstructured_text": meeting.unstructured_text,
        }
    )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def meeting_create_from_data(
    *,
    data: Mapping[str, Any],
    user: Actor = None,
    status: str = Status.DRAFT,
    meeting_type: MeetingType | None = None,
) -> Meeting:
    """Create a meeting and all its parts from a layout dict (the importer's
    ``ParsedMeeting``, demo data)."""
    meeting = Meeting(
        meeting_type=meeting_type
        or meeting_type_get_or_create(name=data.get("meeting_type")),
        status=Status.DRAFT,
        created_by=permissions.person(user),
        updated_by=permissions.person(user),
    )
    meeting_apply_header(meeting=meeting, data=data)
    meeting.full_clean()
    # The importer's or the demo's JSON: its parts are a layout dict's.
    parts = cast(layout.PartsData, data)
    meeting_validate_parts(meeting=meeting, data=parts)
    meeting.save()
    meeting_parts_sync(meeting=meeting, data=parts)
    MeetingEvent.objects.create(
        meeting=meeting,
        action=MeetingEvent.Action.CREATE,
        to_status=Status.DRAFT,
        actor=permissions.person(user),
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
    attachment.store("upload.pdf", content)
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


def _event(
    meeting: Meeting, action: str, before: str, user: Actor, comment: str = ""
) -> None:
    MeetingEvent.objects.create(
        meeting=meeting,
        action=action,
        from_status=before,
        to_status=meeting.status,
        actor=permissions.person(user),
        comment=comment,
    )


@transaction.atomic
def meeting_submit(
    *, meeting: Meeting, user: Actor, check_permission: bool = True
) -> Meeting:
    if check_permission and not permissions.is_editor(user):
        raise PermissionDenied("承認依頼は入力担当・承認者・管理者だけが行えます。")
    locked = _locked(meeting)
    if locked.status == Status.REVIEW:
        return locked  # idempotent
    if locked.status != Status.DRAFT:
        raise WorkflowError("下書きの会議だけを承認依頼できます。")
    locked.status = Status.REVIEW
    locked.save_step(by=permissions.person(user), fields=["status"])
    _event(locked, MeetingEvent.Action.SUBMIT, Status.DRAFT, user)
    return locked


@transaction.atomic
def meeting_return(*, meeting: Meeting, user: Actor, comment: str) -> Meeting:
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
    locked.save_step(by=permissions.person(user), fields=["status"])
    _event(locked, MeetingEvent.Action.RETURN, Status.REVIEW, user, comment)
    return locked


def _edited_by(meeting: Meeting, user: Actor) -> bool:
    """Whether ``user`` changed this meeting's content since its last publication.

    Content changes are the CREATE and SAVE events; workflow steps (submit, publish)
    also write history rows, so simple_history alone cannot tell an edit from them.
    """
    current = meeting.current_publication
    since = current.published_at if current is not None else None
    edits = meeting.events.filter(
        actor=permissions.person(user),
        action__in=[MeetingEvent.Action.CREATE, MeetingEvent.Action.SAVE],
    )
    if since is not None:
        edits = edits.filter(created_at__gt=since)
    return edits.exists()


def render_public_html(
    data: layout.MeetingData, *, attachment_url: Callable[[int], str] | None = None
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
    *,
    meeting: Meeting,
    user: Actor,
    correction_note: str = "",
    check_permission: bool = True,
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
    locked.save_step(by=permissions.person(user), fields=["status", "published_on"])
    number = locked.publications.count() + 1

    # Drop the previous generated 開催結果 attachment; its PDF stays in its Publication.
    locked.attachments.filter(is_generated=True).delete()
    fresh = Meeting.objects.with_parts().get(pk=locked.pk)
    # Everything public (PDF, text, HTML, search, the snapshot the public surfaces
    # read) is built from the public data: withheld parts are placeholders.
    data = layout.public_data(layout.meeting_data(fresh))
    # A correction shows its date as 更新日 next to the first 掲載日.
    updated_on = (
        timezone.localdate(now).isoformat() if before == Status.PUBLISHED else None
    )
    if updated_on:
        data["updated_on"] = updated_on
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
    attachment.store("result.pdf", pdf_bytes)
    attachment.save()

    fresh = Meeting.objects.with_parts().get(pk=locked.pk)
    data = layout.public_data(layout.meeting_data(fresh))
    if updated_on:
        data["updated_on"] = updated_on
    text = layout.render_text(data)
    publication = Publication(
        meeting=fresh,
        number=number,
        published_at=now,
        published_by=permissions.person(user),
        correction_note=correction_note.strip(),
        meeting_version=locked.version,
        title=fresh.title,
        held_on=fresh.held_on,
        data=data,
        text=text,
        html=render_public_html(data),
        pdf_sha256=attachment.sha256,
        pdf_size=attachment.size_bytes,
    )
    publication.pdf.save("result.pdf", ContentFile(pdf_bytes), save=False)
    publication.save()
    Meeting.objects.filter(pk=locked.pk).update(current_publication=publication)
    # The search reads it from now on (PDF attachments' text extracted once).
    search.index_publication(publication)
    action = (
        MeetingEvent.Action.CORRECT
        if before == Status.PUBLISHED
        else MeetingEvent.Action.PUBLISH
    )
    locked.status = Status.PUBLISHED
    _event(locked, action, before, user, correction_note)
    # Last: the public files, before the approver gets the answer (fails closed).
    site.meeting_published(locked, correction=before == Status.PUBLISHED)
    return publication


def official_pdf_label(meeting: Meeting) -> str:
    """File label as the prefecture writes it: 危機管理連絡会議 開催結果(R4.6.20).

    Link text spells the date out (``layout``: 令和4年6月20日)."""
    return (
        f"{meeting.meeting_type.name} 開催結果({wareki.format_short(meeting.held_on)})"
    )


@transaction.atomic
def meeting_withdraw(*, meeting: Meeting, user: Actor, comment: str = "") -> Meeting:
    if not permissions.is_approver(user):
        raise PermissionDenied("取下げは承認者だけが行えます。")
    locked = _locked(meeting)
    if locked.status == Status.WITHDRAWN:
        return locked
    if locked.status != Status.PUBLISHED:
        raise WorkflowError("公開中の会議だけを取り下げられます。")
    locked.status = Status.WITHDRAWN
    locked.save_step(by=permissions.person(user), fields=["status"])
    _event(locked, MeetingEvent.Action.WITHDRAW, Status.PUBLISHED, user, comment)
    # Last: its files go and no list links to it before this returns (fails closed).
    site.meeting_withdrawn(locked)
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


def _changes(
    before: layout.MeetingData | None, after: layout.MeetingData
) -> dict[str, Any]:
    """What a save changed: header fields (old -> new) and the text, line by line."""
    import difflib

    skip = {"sections", "attachments", "attendees", "attendee_details", "warnings"}
    old: Mapping[str, object] = before or {}
    fields = [
        {"field": key, "old": old.get(key), "new": value}
        for key, value in after.items()
        if key not in skip and old.get(key) != value
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
    parts: layout.PartsData,
    user: Actor,
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
    before: layout.MeetingData | None = None
    if meeting is None:
        meeting = Meeting(
            created_by=permissions.person(user), status=Status.DRAFT, version=0
        )
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
    meeting.updated_by = permissions.person(user)
    # simple_history records who saved.
    meeting._history_user = user  # type: ignore[attr-defined]  # read by simple_history
    meeting.full_clean()
    meeting_validate_parts(meeting=meeting, data=parts)
    meeting.save()

    unknown = meeting_parts_sync(
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
        actor=permissions.person(user),
        changes={**_changes(before, after), "version": meeting.version},
    )
    return meeting, unknown


@transaction.atomic
def meeting_publish_reviewed(
    *, meeting: Meeting, user: Actor, version: int, correction_note: str = ""
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
