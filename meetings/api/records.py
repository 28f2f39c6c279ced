"""Published meetings as open-data records (the API's detail, the JSON Lines files).

A record is built from the meeting's current ``Publication`` only (the snapshot the
public page renders from), through the same ``layout`` code as the page: the display
strings (日時, ■ headings, attendee line) come from ``layout.build_document``.
``record_layout_data`` turns a record back into layout data, so that
``layout.render_text(record_layout_data(record))`` is the page's plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypedDict

from django.urls import reverse
from django.utils import timezone

from meetings import layout, markers, wareki
from meetings.extensions import RelatedRef, related
from meetings.models import Attachment, Meeting, MeetingQuerySet, Publication


class ItemRecord(TypedDict):
    marker: str
    text: str
    is_heading: bool
    children: list[ItemRecord]


class IncidentRef(TypedDict):
    id: str
    title: str
    is_drill: bool
    url: str
    api_url: str


class MeetingRecord(TypedDict, total=False):
    """One published meeting; see ``serializers.MeetingDetailSerializer``."""

    id: str
    version: int
    published_at: str
    title: str
    is_drill: bool
    meeting_type: dict[str, str]
    held_on: str
    sections: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    incidents: list[IncidentRef]


# Fields of the snapshot's data a record needs (everything else stays out: the
# storage names of files, importer warnings).
PUBLICATION_FIELDS = ("number", "published_at", "data", "held_on", "title")


def published_meetings() -> MeetingQuerySet:
    """Published meetings with what a record reads, newest first."""
    return (
        Meeting.objects.published()
        .select_related("current_publication", "meeting_type")
        .only(
            "public_id",
            "meeting_type__slug",
            "meeting_type__name",
            *(f"current_publication__{name}" for name in PUBLICATION_FIELDS),
        )
        .order_by("-current_publication__held_on", "-current_publication_id")
    )


def _iso_datetime(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _date_text(value: date | None) -> str | None:
    return f"{value.year}年{value.month}月{value.day}日" if value else None


def _items(items: list[layout.ItemData]) -> list[ItemRecord]:
    return [
        {
            "marker": item.get("marker") or "",
            "text": item.get("text") or "",
            "is_heading": bool(item.get("heading")),
            "children": _items(item.get("children") or []),
        }
        for item in items
    ]


def _links(base: str, public_id: str) -> dict[str, str]:
    return {
        "url": base + reverse("api:meeting", args=[public_id]),
        "html_url": base + reverse("public:meeting", args=[public_id]),
        "text_url": base + reverse("api:meeting_text", args=[public_id]),
    }


def summary_record(meeting: Meeting, *, base: str = "") -> dict[str, Any]:
    """The list form: identity, type, dates, agenda."""
    publication = meeting.live_publication
    data = publication.data
    public_id = str(meeting.public_id)
    held_on = publication.held_on
    agenda = data.get("agenda") or []
    markers = data.get("agenda_markers") or [""] * len(agenda)
    return {
        "id": public_id,
        **_links(base, public_id),
        "version": publication.number,
        "published_at": _iso_datetime(publication.published_at),
        "title": publication.title,
        "is_drill": bool(data.get("is_drill")),
        "meeting_type": {
            "slug": meeting.meeting_type.slug,
            "name": data.get("meeting_type") or meeting.meeting_type.name,
        },
        "held_on": held_on.isoformat(),
        "held_on_wareki": wareki.format_wareki(held_on, weekday=True),
        "fiscal_year": wareki.fiscal_year(held_on),
        "fiscal_year_label": wareki.format_fiscal_year(wareki.fiscal_year(held_on)),
        "agenda": [
            {"marker": marker or "", "text": text}
            for marker, text in zip(markers, agenda, strict=False)
        ],
    }


def meeting_record(
    meeting: Meeting,
    *,
    base: str = "",
    corrections: Iterable[Publication] = (),
    incidents: Iterable[RelatedRef] = (),
    hashes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The full record of a published meeting (``published_meetings()`` row).

    ``corrections``: the meeting's publications with a correction note, up to the
    current one; ``incidents``: its public incidents; ``hashes``: SHA-256 by storage
    name of the attachments (``attachment_hashes``).
    """
    publication = meeting.live_publication
    data = publication.data
    doc = layout.build_document(data)
    record = summary_record(meeting, base=base)
    public_id = record["id"]
    posted_on = layout._parse_date(data.get("published_on"))
    hashes = hashes or {}
    sep = data.get("separator") or ","
    sections = []
    for index, section in enumerate(data.get("sections") or []):
        sections.append(
            {
                "index": index,
                "group": section.get("group") or "main",
                "kind": section.get("kind") or "other",
                "speaker": section.get("speaker"),
                "recipients": section.get("recipients"),
                "topic": section.get("topic"),
                "topic_heading": bool(section.get("topic_heading")),
                "heading": section.get("heading"),
                "heading_marker": section.get("marker", markers.DEFAULT_HEADING_MARKER)
                or "",
                "heading_text": layout.section_heading(section, sep),
                "agenda_index": section.get("agenda_index"),
                "items": _items(section.get("items") or []),
            }
        )
    attachments = []
    for attachment, shown in zip(
        data.get("attachments") or [], doc.attachments, strict=True
    ):
        attachments.append(
            {
                "id": attachment.get("id"),
                "label": attachment.get("label") or "",
                "filename": shown["filename"],
                "kind": attachment.get("kind") or Attachment.Kind.OTHER,
                "is_official_result": bool(attachment.get("is_generated")),
                "size_bytes": attachment.get("size_bytes") or 0,
                "size_text": attachment.get("size") or "",
                "sha256": hashes.get(attachment.get("file") or "") or None,
                "url": base
                + reverse("public:attachment", args=[public_id, attachment["id"]])
                if attachment.get("id") is not None
                else None,
            }
        )
    contact = data.get("contact") or {}
    record.update(
        {
            "session_number": data.get("session_number"),
            "cumulative_number": data.get("cumulative_number"),
            "posted_on": posted_on.isoformat() if posted_on else None,
            "posted_on_text": _date_text(posted_on),
            "start_time": data.get("start_time"),
            "end_time": data.get("end_time"),
            "end_next_day": bool(data.get("end_next_day")),
            "datetime_text": doc.fields[0].value,
            "mode": data.get("mode") or Meeting.Mode.IN_PERSON,
            "venue": data.get("location"),
            "venue_text": doc.fields[1].value,
            "lead": data.get("lead"),
            "separator": sep,
            "attendees": {
                "members": [
                    {
                        "role": detail.get("role") or "",
                        "remote": bool(detail.get("remote")),
                        "outside": bool(detail.get("outside")),
                    }
                    for detail in data.get("attendee_details")
                    or [{"role": role} for role in data.get("attendees") or []]
                ],
                "tail": data.get("attendee_tail"),
                "total": data.get("attendee_total"),
                "unit": data.get("attendee_unit") or "名",
                "remote_total": data.get("attendee_remote"),
                "text": doc.fields[2].value,
            },
            "sections": sections,
            "unstructured": list(data.get("unparsed") or []),
            "attachments": attachments,
            "contact": {
                key: contact.get(key)
                for key in ("name", "phone", "fax", "email", "note")
            },
            "corrections": [
                {
                    "version": correction.number,
                    "published_at": _iso_datetime(correction.published_at),
                    "published_on_wareki": wareki.format_wareki(
                        timezone.localdate(correction.published_at)
                    ),
                    "note": correction.correction_note,
                }
                for correction in corrections
            ],
            "incidents": [incident_ref(incident, base=base) for incident in incidents],
        }
    )
    return record


def incident_ref(ref: RelatedRef, *, base: str = "") -> IncidentRef:
    return {
        "id": str(ref.public_id),
        "title": ref.title,
        "is_drill": ref.is_drill,
        "url": base + ref.url,
        "api_url": base + ref.api_url,
    }


def record_layout_data(record: dict[str, Any]) -> dict[str, Any]:
    """Layout data rebuilt from a record (the inverse of ``meeting_record``)."""

    def items(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "marker": node["marker"],
                "text": node["text"],
                "children": items(node["children"]),
                **({"heading": True} if node.get("is_heading") else {}),
            }
            for node in nodes
        ]

    attendees = record["attendees"]
    return {
        "public_id": record["id"],
        "meeting_type": record["meeting_type"]["name"],
        "session_number": record["session_number"],
        "cumulative_number": record["cumulative_number"],
        "title": record["title"],
        "held_on": record["held_on"],
        "published_on": record["posted_on"],
        "start_time": record["start_time"],
        "end_time": record["end_time"],
        "end_next_day": record["end_next_day"],
        "mode": record["mode"],
        "location": record["venue"],
        "lead": record["lead"],
        "separator": record["separator"],
        "is_drill": record["is_drill"],
        "attendees": [m["role"] for m in attendees["members"]],
        "attendee_details": [
            {"role": m["role"], "remote": m["remote"], "outside": m["outside"]}
            for m in attendees["members"]
        ],
        "attendee_tail": attendees["tail"],
        "attendee_total": attendees["total"],
        "attendee_unit": attendees["unit"],
        "attendee_remote": attendees["remote_total"],
        "agenda": [a["text"] for a in record["agenda"]],
        "agenda_markers": [a["marker"] for a in record["agenda"]],
        "sections": [
            {
                "kind": s["kind"],
                "speaker": s["speaker"],
                "recipients": s["recipients"],
                "topic": s["topic"],
                "topic_heading": s["topic_heading"],
                "heading": s["heading"],
                "group": s["group"],
                "agenda_index": s["agenda_index"],
                "items": items(s["items"]),
                **(
                    {"marker": s["heading_marker"]}
                    if s.get("heading_marker", markers.DEFAULT_HEADING_MARKER)
                    != markers.DEFAULT_HEADING_MARKER
                    else {}
                ),
            }
            for s in record["sections"]
        ],
        "attachments": [
            {
                "label": a["label"],
                "size": a["size_text"],
                "size_bytes": a["size_bytes"],
                "kind": a["kind"],
                "id": a["id"],
                "is_generated": a["is_official_result"],
            }
            for a in record["attachments"]
        ],
        "contact": dict(record["contact"]),
        "unparsed": list(record["unstructured"]),
    }


# ---------------------------------------------------------------------------
# Related rows, fetched once for many meetings
# ---------------------------------------------------------------------------


def attachment_hashes(meetings: list[Meeting]) -> dict[int, dict[str, str]]:
    """SHA-256 of each listed file, by meeting pk and storage name (one query).

    Stored files are never overwritten, so a row with the listed storage name holds
    the listed file's hash; a file whose row was removed since (a correction in
    progress) takes its publication's hash if it is the official PDF, else none.
    """
    wanted = {
        meeting.pk: {
            a.get("file")
            for a in meeting.live_publication.data.get("attachments") or []
            if a.get("file")
        }
        for meeting in meetings
    }
    found: dict[int, dict[str, str]] = {pk: {} for pk in wanted}
    rows = Attachment.objects.filter(meeting_id__in=list(wanted)).values_list(
        "meeting_id", "file", "sha256"
    )
    for meeting_id, name, sha256 in rows:
        if name in wanted[meeting_id] and sha256:
            found[meeting_id][name] = sha256
    return found


def corrections_by_meeting(meetings: list[Meeting]) -> dict[int, list[Publication]]:
    """Each meeting's correction notes up to its current publication (one query)."""
    current = {m.pk: m.live_publication.number for m in meetings}
    found: dict[int, list[Publication]] = {pk: [] for pk in current}
    candidates = [pk for pk, number in current.items() if number > 1]
    if not candidates:
        return found
    rows = (
        Publication.objects.filter(meeting_id__in=candidates)
        .exclude(correction_note="")
        .only("meeting_id", "number", "published_at", "correction_note")
        .order_by("meeting_id", "number")
    )
    for publication in rows:
        if publication.number <= current[publication.meeting_id]:
            found[publication.meeting_id].append(publication)
    return found


def full_records(meetings: list[Meeting], *, base: str = "") -> list[dict[str, Any]]:
    """Full records of ``meetings`` (published rows) in a fixed number of queries."""
    hashes = attachment_hashes(meetings)
    corrections = corrections_by_meeting(meetings)
    # The API's "incidents": the records of the app built on meetings.
    incidents = related().refs_by_meeting([m.pk for m in meetings])
    return [
        meeting_record(
            meeting,
            base=base,
            corrections=corrections[meeting.pk],
            incidents=incidents[meeting.pk],
            hashes=hashes[meeting.pk],
        )
        for meeting in meetings
    ]
