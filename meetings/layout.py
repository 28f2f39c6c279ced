"""The official 開催結果 layout: one source of truth for text, HTML and PDF.

A meeting is first turned into a plain ``dict`` (the importer's JSON schema plus a few
extra keys, see ``meeting_data``). ``build_document`` turns that dict into display
blocks that the HTML page, the PDF and ``render_text`` all walk in the same order:
title, posting date, lead, numbered 日時/場所/出席者/協議概要, ■ sections with their
item trees, the directive, (その他報告事項), attachments, お問い合わせ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from meetings import files, markers, wareki

if TYPE_CHECKING:
    from meetings.models import Item, Meeting, Section, WithholdingReason

# ---------------------------------------------------------------------------
# The layout dict's shape
#
# ``meeting_data`` writes every Required key. Publications keep the dict as JSON
# (``Publication.data``), and data from older releases or from the importer may lack
# keys added since, so readers use ``.get()``; a key added later is NotRequired here.
# ---------------------------------------------------------------------------


class WithheldInfo(TypedDict, total=False):
    """部分公開: why a section or item is withheld (``withheld_info``)."""

    reason: str  # WithholdingReason.code
    name: str
    article: str
    citation: str
    placeholder: str
    note: str  # staff only: never in public data
    keep_heading: bool  # sections only


class ItemData(TypedDict):
    marker: str
    text: str
    children: list[ItemData]
    # A sub-heading ((1)…, (概要)) heading its children; no key: an ordinary item.
    heading: NotRequired[bool]
    withheld: NotRequired[WithheldInfo]
    placeholder: NotRequired[bool]  # public data: the line standing for withheld text
    id: NotRequired[int | None]  # PartsData: the stored row (None or no key: a new one)


class HeadingData(TypedDict):
    """What ``section_heading`` reads: a section's own fields, enough for a model row."""

    kind: str  # "explanation" | "report" | "directive" | "other"
    speaker: str | None
    recipients: str | None
    topic: str | None
    topic_heading: bool
    heading: str | None  # an explicit heading; None: generated (section_heading)


class SectionData(HeadingData):
    group: str  # "main" | "other_reports"
    agenda_index: int | None
    items: list[ItemData]
    # The heading's own mark (meetings.markers.HEADING_MARKERS); no key: ■.
    marker: NotRequired[str]
    withheld: NotRequired[WithheldInfo]
    id: NotRequired[int | None]  # PartsData: the stored row (None or no key: a new one)


class AttendeeDetail(TypedDict):
    role: str
    remote: bool
    outside: bool
    id: NotRequired[int | None]  # PartsData: the stored row (None or no key: a new one)


class AttachmentData(TypedDict):
    label: str
    size: str  # formatted (files.format_file_size)
    size_bytes: int
    kind: str
    id: int
    is_generated: bool
    file: str  # storage name


class ContactData(TypedDict):
    name: str | None
    phone: str | None
    fax: str | None
    email: str | None
    note: str | None


class HeaderData(TypedDict):
    """The meeting's own fields (``header_data``)."""

    public_id: str
    meeting_type: str
    session_number: int | None
    cumulative_number: int | None
    title: str
    held_on: str | None  # ISO date
    published_on: str | None  # ISO date
    start_time: str | None  # "HH:MM"
    end_time: str | None
    end_next_day: bool
    mode: str
    location: str | None
    lead: str | None
    separator: str
    is_drill: bool
    attendee_tail: str | None
    attendee_total: int | None
    attendee_unit: str
    attendee_remote: int | None
    contact: ContactData
    unparsed: list[str]


class MeetingData(HeaderData):
    """The whole layout dict (``meeting_data``; ``public_data`` marks it public)."""

    attendees: list[str]
    attendee_details: list[AttendeeDetail]
    agenda: list[str]
    agenda_markers: list[str]
    sections: list[SectionData]
    attachments: list[AttachmentData]
    warnings: list[str]  # the importer's
    updated_on: NotRequired[str]  # ISO date of the last correction (publications)
    public: NotRequired[bool]  # built by public_data: placeholders, no staff notes


class PartsData(TypedDict, total=False):
    """What ``services.meeting_parts_sync`` writes: a layout dict's parts, whose rows
    may carry the id of the stored row they are (the editor's, ``stored_parts``)."""

    attendees: list[str]  # without attendee_details (the importer's)
    attendee_details: list[AttendeeDetail]
    agenda: list[str]
    agenda_markers: list[str]
    agenda_ids: list[int | None]
    sections: list[SectionData]


class WithheldRow(WithheldInfo, total=False):
    """One row of ``withheld_parts``."""

    where: str
    kind: str  # "section" | "item"
    text: str
    children: int


OTHER_REPORTS_HEADING = "(その他報告事項)"
SECTION_MARK = "■"
KIND_WORDS = {"explanation": "説明", "report": "報告", "directive": "指示", "other": ""}


# ---------------------------------------------------------------------------
# Model -> data
# ---------------------------------------------------------------------------


def _items_tree(items: list[Item]) -> list[ItemData]:
    """Nest a section's items (already fetched, any order) by parent."""
    by_parent: dict[int | None, list[Item]] = {}
    for item in items:
        by_parent.setdefault(item.parent_id, []).append(item)
    for siblings in by_parent.values():
        siblings.sort(key=lambda i: i.order)

    def build(parent_id: int | None) -> list[ItemData]:
        tree: list[ItemData] = []
        for i in by_parent.get(parent_id, []):
            item: ItemData = {
                "marker": i.marker,
                "text": i.text,
                "children": build(i.pk),
            }
            if i.is_heading:
                item["heading"] = True
            _add_withheld(item, i)
            tree.append(item)
        return tree

    return build(None)


def withheld_info(reason: WithholdingReason, note: str = "") -> WithheldInfo:
    """The layout's record of a withholding: the reason's data at this moment."""
    return {
        "reason": reason.code,
        "name": reason.name,
        "article": reason.article,
        "citation": reason.citation,
        "placeholder": reason.placeholder,
        "note": note or "",
    }


def _add_withheld(target: ItemData | SectionData, row: Section | Item) -> None:
    """Add ``"withheld"`` to the data of a withheld section or item, else nothing.

    Public rows add no key, so the data of meetings without withheld parts is
    unchanged (diffs, snapshots and the importer's JSON stay as they were).
    """
    reason = row.withheld_reason if row.withheld_reason_id is not None else None
    if reason is None:
        return
    info = withheld_info(reason, row.withheld_note)
    keep_heading = getattr(row, "withheld_keep_heading", None)  # sections only
    if keep_heading is not None:
        info["keep_heading"] = keep_heading
    target["withheld"] = info


def meeting_data(meeting: Meeting) -> MeetingData:
    """Serialise a meeting (fetched with ``Meeting.objects.with_parts()``) to a dict.

    Uses only prefetched relations (``.all()``), so it adds no queries.
    """
    attendees = list(meeting.attendees.all())
    agenda = list(meeting.agenda_items.all())
    agenda_index = {a.pk: n for n, a in enumerate(agenda)}
    sections: list[SectionData] = []
    for s in meeting.sections.all():
        section: SectionData = {
            "kind": s.kind,
            "speaker": s.speaker or None,
            "recipients": s.recipients or None,
            "topic": s.topic or None,
            "topic_heading": s.topic_heading,
            "heading": s.heading or None,
            "group": s.group,
            "agenda_index": agenda_index.get(s.agenda_item_id)
            if s.agenda_item_id is not None
            else None,
            "items": _items_tree(list(s.items.all())),
        }
        if s.marker != markers.DEFAULT_HEADING_MARKER:
            # Only a mark other than ■ adds a key: the data of ■ meetings is unchanged.
            section["marker"] = s.marker
        _add_withheld(section, s)
        sections.append(section)
    attachments: list[AttachmentData] = [
        {
            "label": a.label,
            "size": files.format_file_size(a.size_bytes),
            "size_bytes": a.size_bytes,
            "kind": a.kind,
            "id": a.pk,
            "is_generated": a.is_generated,
            # Storage name: stored files are never overwritten, so a publication can keep
            # serving what it listed even if staff remove the attachment while correcting.
            "file": a.file.name,
        }
        for a in meeting.attachments.all()
    ]
    return {
        **header_data(meeting),
        "attendees": [a.role for a in attendees],
        "attendee_details": [
            {"role": a.role, "remote": a.is_remote, "outside": a.is_outside}
            for a in attendees
        ],
        "agenda": [a.text for a in agenda],
        "agenda_markers": [a.marker for a in agenda],
        "sections": sections,
        "attachments": attachments,
        "warnings": [],
    }


def header_data(meeting: Meeting) -> HeaderData:
    """The meeting's own fields as layout data; works on an unsaved meeting too."""
    return {
        "public_id": str(meeting.public_id),
        "meeting_type": meeting.meeting_type.name,
        "session_number": meeting.session_number,
        "cumulative_number": meeting.cumulative_number,
        "title": meeting.title,
        "held_on": meeting.held_on.isoformat() if meeting.held_on else None,
        "published_on": meeting.published_on.isoformat()
        if meeting.published_on
        else None,
        "start_time": _hhmm(meeting.start_time),
        "end_time": _hhmm(meeting.end_time),
        "end_next_day": meeting.end_next_day,
        "mode": meeting.mode,
        "location": meeting.location or None,
        "lead": meeting.lead or None,
        "separator": meeting.separator,
        "is_drill": meeting.is_drill,
        "attendee_tail": meeting.attendee_tail or None,
        "attendee_total": meeting.attendee_total,
        "attendee_unit": meeting.attendee_unit,
        "attendee_remote": meeting.attendee_remote,
        "contact": {
            "name": meeting.contact_section or None,
            "phone": meeting.contact_phone or None,
            "fax": meeting.contact_fax or None,
            "email": meeting.contact_email or None,
            "note": meeting.contact_note or None,
        },
        "unparsed": [p for p in meeting.unstructured_text.split("\n\n") if p.strip()],
    }


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def _parse_time(value: str | None) -> time | None:
    if not value:
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# ---------------------------------------------------------------------------
# 部分公開: what the public sees (the one place that decides it)
# ---------------------------------------------------------------------------

# Keys of a withholding that the public may read (the staff note is not one).
_PUBLIC_WITHHELD_KEYS = ("reason", "name", "article", "citation", "placeholder")


def _public_withheld(info: WithheldInfo) -> WithheldInfo:
    return {
        "reason": info.get("reason") or "",
        "name": info.get("name") or "",
        "article": info.get("article") or "",
        "citation": info.get("citation") or "",
        "placeholder": info.get("placeholder") or "",
    }


def _placeholder_item(marker: str, info: WithheldInfo) -> ItemData:
    return {
        "marker": marker,
        "text": info.get("placeholder") or "(この部分は非公開)",
        "children": [],
        "withheld": _public_withheld(info),
        "placeholder": True,
    }


def _public_items(items: list[ItemData]) -> list[ItemData]:
    public: list[ItemData] = []
    for item in items:
        info = item.get("withheld")
        if info:
            # The item and all its children become one placeholder line.
            public.append(_placeholder_item(item.get("marker") or "", info))
        else:
            shown: ItemData = {
                "marker": item.get("marker") or "",
                "text": item.get("text") or "",
                "children": _public_items(item.get("children") or []),
            }
            if item.get("heading"):
                shown["heading"] = True
            public.append(shown)
    return public


def public_data(data: MeetingData) -> MeetingData:
    """The layout dict as the public may see it: withheld text replaced by placeholders.

    Every public surface (page, official PDF, plain text, search, feed, static tree,
    open data, the public incident timeline) is built from this, never from
    ``meeting_data`` directly: a withheld item (with its children) becomes one item
    whose text is the placeholder; a withheld section keeps its heading or not
    (``keep_heading``) and holds the placeholder as its only item. Staff notes go.
    A consumer that knows nothing of withholding still reads only placeholders.
    """
    sections: list[SectionData] = []
    for section in data.get("sections") or []:
        info = section.get("withheld")
        if not info:
            sections.append(
                {**section, "items": _public_items(section.get("items") or [])}
            )
            continue
        withheld = _public_withheld(info)
        withheld["keep_heading"] = bool(info.get("keep_heading", True))
        public: SectionData = {
            **section,
            "items": [_placeholder_item("", info)],
            "withheld": withheld,
        }
        if not withheld["keep_heading"]:
            public.update(
                {
                    "kind": "other",
                    "speaker": None,
                    "recipients": None,
                    "topic": None,
                    "topic_heading": False,
                    "heading": None,
                }
            )
        sections.append(public)
    return {**data, "sections": sections, "public": True}


def withheld_parts(data: MeetingData) -> list[WithheldRow]:
    """What is withheld and why, in page order (the approver's summary).

    One row per withheld section or item (children go with their item): where
    (the section heading), what (the text, for staff), the reason and the note.
    """
    rows: list[WithheldRow] = []
    sep = data.get("separator") or ","

    def walk(items: list[ItemData], heading: str) -> None:
        for item in items:
            info = item.get("withheld")
            if info and item.get("placeholder"):
                # Public data (a publication): the place and reason, no text.
                rows.append({"where": heading, "kind": "item", "text": "", **info})
                continue
            if info:
                rows.append(
                    {
                        "where": heading,
                        "kind": "item",
                        "text": f"{item.get('marker') or ''}{item.get('text') or ''}",
                        "children": len(_item_lines(item.get("children") or [])),
                        **info,
                    }
                )
                continue
            walk(item.get("children") or [], heading)

    for section in data.get("sections") or []:
        heading = section_heading(section, sep)
        info = section.get("withheld")
        if info:
            text = "\n".join(_item_lines(section.get("items") or []))
            rows.append(
                {
                    "where": heading,
                    "kind": "section",
                    "text": "" if data.get("public") else text,
                    "children": 0,
                    **info,
                }
            )
            continue
        walk(section.get("items") or [], heading)
    return rows


# ---------------------------------------------------------------------------
# Data -> display document
# ---------------------------------------------------------------------------


@dataclass
class HeaderField:
    number: int
    label: str
    value: str = ""
    lines: list[str] = field(default_factory=list)  # values printed on their own lines
    iso: str | None = None  # machine-readable value for <time datetime>


@dataclass
class Block:
    """One heading-level block of the body, in page order."""

    kind: str  # "group" | "topic" | "section"
    heading: str
    level: int = 2  # 2 = ■ heading, 3 = ○ sub-heading under a topic heading
    marker: str = markers.DEFAULT_HEADING_MARKER  # the heading's own mark (level 2)
    section_kind: str = ""
    items: list[ItemData] = field(default_factory=list)
    is_directive: bool = False
    # 部分公開: the section's withholding (staff data: text shown with a badge;
    # public data: items hold only the placeholder).
    withheld: WithheldInfo | None = None

    @property
    def mark_before(self) -> str:
        return markers.heading_marks(self.marker)[0] if self.level == 2 else "○"

    @property
    def mark_after(self) -> str:
        return markers.heading_marks(self.marker)[1] if self.level == 2 else ""

    @property
    def heading_line(self) -> str:
        """The heading as printed: ■医療政策課から説明, ●…, 【…】, or bare."""
        return f"{self.mark_before}{self.heading}{self.mark_after}"


@dataclass
class Document:
    title: str
    posted: str | None
    posted_iso: str | None
    updated: str | None
    updated_iso: str | None
    lead: str | None
    is_drill: bool
    fields: list[HeaderField]
    blocks: list[Block]
    attachments: list[dict[str, Any]]
    contact_lines: list[str]
    unparsed: list[str]
    public: bool = False  # built from ``public_data``: placeholders, no staff marks


def attendee_line(data: MeetingData) -> str:
    sep = data.get("separator") or ","
    details = data.get("attendee_details") or [
        {"role": r, "remote": False, "outside": False}
        for r in data.get("attendees") or []
    ]
    parts = [f"({d['role']})" if d.get("remote") else d["role"] for d in details]
    tail = data.get("attendee_tail") or ""
    if tail:
        parts.append(tail)
    text = sep.join(parts)
    count = attendee_count(data)
    if count:
        text = f"{text}{count}" if tail or not parts else f"{text} {count}"
    return text


def attendee_count(data: Mapping[str, Any]) -> str:
    """計N名(内テレビ会議M名) as the page prints it; "" without a stated total."""
    total = data.get("attendee_total")
    if total is None:
        return ""
    unit = data.get("attendee_unit") or "名"
    count = f"計{total}{unit}"
    remote = data.get("attendee_remote")
    if remote:
        count += f"(内テレビ会議{remote}{unit})"
    return count


def section_heading(section: HeadingData, sep: str = ",") -> str:
    """The ■ heading text (without ■) generated from speaker, kind and topic."""
    heading = section.get("heading")
    if heading:
        return heading
    kind = section.get("kind") or "other"
    speaker = section.get("speaker") or ""
    topic = section.get("topic") or ""
    if kind == "directive":
        recipients = section.get("recipients") or ""
        target = f"{recipients}に" if recipients else ""
        return f"{speaker}から{sep}次のとおり{target}指示"
    word = KIND_WORDS.get(kind, "")
    if not speaker:
        return topic or word
    if topic and not section.get("topic_heading"):
        return f"{speaker}から{sep}{topic}{word}"
    return f"{speaker}から{word}" if word else speaker


def _speaker_line(section: SectionData) -> str:
    """The ○ line under a topic heading: ○危機管理環境部からの報告."""
    word = KIND_WORDS.get(section.get("kind") or "", "")
    speaker = section.get("speaker") or ""
    if section.get("kind") == "directive":
        untopped: SectionData = {**section, "topic": None, "topic_heading": False}
        return section_heading(untopped)
    return f"{speaker}からの{word}" if word else speaker


def build_document(data: MeetingData) -> Document:
    held_on = _parse_date(data.get("held_on"))
    posted = _parse_date(data.get("published_on"))
    updated = _parse_date(data.get("updated_on"))
    sep = data.get("separator") or ","
    start, end = _parse_time(data.get("start_time")), _parse_time(data.get("end_time"))

    datetime_value = (
        wareki.format_datetime_line(
            held_on, start, end, end_next_day=bool(data.get("end_next_day"))
        )
        if held_on
        else ""
    )
    location = data.get("location") or ""
    if data.get("mode") == "written" and not location:
        location = "※書面開催"
    agenda = data.get("agenda") or []
    agenda_marks = data.get("agenda_markers") or [""] * len(agenda)
    agenda_texts = [f"{m}{t}" for m, t in zip(agenda_marks, agenda, strict=False)]
    fields = [
        HeaderField(
            1, "日時", datetime_value, iso=held_on.isoformat() if held_on else None
        ),
        HeaderField(2, "場所", location),
        HeaderField(3, "出席者", attendee_line(data)),
        HeaderField(
            4,
            "協議概要",
            agenda_texts[0] if len(agenda_texts) == 1 else "",
            lines=agenda_texts if len(agenda_texts) > 1 else [],
        ),
    ]

    blocks: list[Block] = []
    in_other = False
    last_topic: str | None = None
    for section in data.get("sections") or []:
        if section.get("group") == "other_reports" and not in_other:
            blocks.append(Block("group", OTHER_REPORTS_HEADING))
            in_other = True
            last_topic = None
        is_directive = section.get("kind") == "directive"
        heading_marker = section.get("marker", markers.DEFAULT_HEADING_MARKER)
        if heading_marker is None:
            heading_marker = markers.DEFAULT_HEADING_MARKER
        topic = section.get("topic")
        if section.get("topic_heading") and topic:
            if topic != last_topic:
                blocks.append(Block("topic", topic, marker=heading_marker))
                last_topic = topic
            blocks.append(
                Block(
                    "section",
                    _speaker_line(section),
                    level=3,
                    section_kind=section.get("kind") or "",
                    items=section.get("items") or [],
                    is_directive=is_directive,
                    withheld=section.get("withheld"),
                )
            )
            continue
        last_topic = None
        blocks.append(
            Block(
                "section",
                section_heading(section, sep),
                marker=heading_marker,
                section_kind=section.get("kind") or "",
                items=section.get("items") or [],
                is_directive=is_directive,
                withheld=section.get("withheld"),
            )
        )

    contact: ContactData | dict[str, str] = data.get("contact") or {}
    contact_lines = [line for line in [contact.get("name")] if line]
    if contact.get("phone"):
        contact_lines.append(f"電話:{contact['phone']}")
    if contact.get("fax"):
        contact_lines.append(f"FAX:{contact['fax']}")
    if contact.get("email"):
        contact_lines.append(f"メール:{contact['email']}")
    note = contact.get("note")
    if note:
        contact_lines.append(note)

    return Document(
        title=data.get("title") or "",
        posted=wareki.format_wareki(posted, weekday=True) if posted else None,
        posted_iso=posted.isoformat() if posted else None,
        updated=wareki.format_wareki(updated, weekday=True) if updated else None,
        updated_iso=updated.isoformat() if updated else None,
        lead=data.get("lead"),
        is_drill=bool(data.get("is_drill")),
        fields=fields,
        blocks=blocks,
        attachments=[
            {
                **a,
                "filename": f"{a['label']}.pdf",
                # Link text: no ".pdf" (read out as 「ドットピーディーエフ」), dates spelt out.
                "link_text": wareki.expand_short_dates(a["label"]),
                "line": f"{a['label']}.pdf({a.get('size') or ''})",
            }
            for a in data.get("attachments") or []
        ],
        contact_lines=contact_lines,
        unparsed=list(data.get("unparsed") or []),
        public=bool(data.get("public")),
    )


# ---------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------

DRILL_LABEL = "【訓練】"


def withheld_mark(info: WithheldInfo | None) -> str:
    """【非公開:公共安全情報(第10条第3号)】 before withheld text in staff output."""
    if not info:
        return ""
    return f"【非公開:{info.get('name') or ''}({info.get('article') or ''})】"


def _item_lines(items: list[ItemData], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for item in items:
        mark = "" if item.get("placeholder") else withheld_mark(item.get("withheld"))
        lines.append(f"{'  ' * depth}{item.get('marker') or ''}{mark}{item['text']}")
        lines.extend(_item_lines(item.get("children") or [], depth + 1))
    return lines


# What the page says above a drill's title (_result.html).
DRILL_NOTE = "この会議は訓練です(実際の災害・事案ではありません)。"


def render_text(data: MeetingData) -> str:
    """The meeting as plain text in the official layout (for pasting elsewhere)."""
    return _render_text(data, as_page=False)


def page_text(data: MeetingData) -> str:
    """The meeting's text as its web page reads (_result.html): what the search
    matches and its snippets quote. It differs from ``render_text`` only where the
    page does: the drill note and 【訓練】 before the title, the 掲載日/更新日 line
    labelled in 和暦 with the weekday, and each attachment by its link text (short
    dates spelt out, (PDF形式:size)) rather than its file name."""
    return _render_text(data, as_page=True)


def _render_text(data: MeetingData, *, as_page: bool) -> str:
    doc = build_document(data)
    posted = _parse_date(data.get("published_on"))
    lines: list[str] = []
    if as_page:
        if doc.is_drill:
            lines += [DRILL_NOTE, f"{DRILL_LABEL}{doc.title}"]
        else:
            lines.append(doc.title)
        dates = [
            f"{label}:{value}"
            for label, value in (("掲載日", doc.posted), ("更新日", doc.updated))
            if value
        ]
        if dates:
            lines += ["", " ".join(dates)]
    else:
        if doc.is_drill:
            lines.append(DRILL_LABEL)
        lines.append(doc.title)
    if posted and not as_page:
        # The official text keeps the page's own form (西暦, unlabelled): the importer
        # reads it back; the web page and PDF label it in 和暦 (_result.html).
        lines += ["", f"{posted.year}年{posted.month}月{posted.day}日"]
    if doc.lead:
        lines += ["", doc.lead]
    lines.append("")
    for f in doc.fields:
        lines.append(f"{f.number} {f.label}:{f.value}")
        lines.extend(f"  {v}" for v in f.lines)
    for block in doc.blocks:
        lines.append("")
        if block.kind == "group":
            lines.append(block.heading)
            continue
        if block.kind == "topic":
            lines.append(block.heading_line)
            continue
        if block.heading:
            staff_mark = "" if doc.public else withheld_mark(block.withheld)
            lines.append(f"{block.heading_line}{staff_mark}")
        lines.extend(_item_lines(block.items))
    if doc.unparsed:
        lines.append("")
        for paragraph in doc.unparsed:
            lines.append(paragraph)
    if doc.attachments:
        lines.append("")
        for a in doc.attachments:
            if as_page:
                lines.append(f"{a['link_text']}(PDF形式:{a.get('size') or ''})")
            else:
                lines.append(a["line"])
    if doc.contact_lines:
        lines += ["", "お問い合わせ", *doc.contact_lines]
    return "\n".join(lines) + "\n"
