"""How much text one meeting may hold (the staff editor refuses more, in Japanese).

Real 開催結果 pages hold a few thousand characters; an item is rarely above 300.
The limits leave ample room and keep the largest accepted meeting's official PDF
well inside the web worker's 30 s timeout: ``bench/bench_limits.py`` builds that
meeting and times its draft PDF and its publication against the seed meeting.
Each can be changed in settings (``MEETING_LIMITS = {"item_text": ...}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TypedDict

from django.conf import settings

if TYPE_CHECKING:
    from typing_extensions import ReadOnly

    from meetings.layout import AttendeeDetail

DEFAULTS = {
    "item_text": 2_000,  # characters in one item (bullet or paragraph)
    "section_text": 20_000,  # characters in one section's items together
    "meeting_text": 40_000,  # characters in the whole meeting
    "sections": 80,  # sections in a meeting
    "items": 600,  # items in a meeting
    "attendees": 200,  # listed attendees
    "agenda": 50,  # agenda items
    "lead": 1_000,  # the lead sentence
    "unstructured_text": 20_000,  # text the importer could not structure
    "attachment_label": 200,
}


def limit(name: str) -> int:
    return {**DEFAULTS, **getattr(settings, "MEETING_LIMITS", {})}[name]


# What the checks read: every key may be missing, and every value is only read
# (ReadOnly, so a ``layout.SectionData`` or ``ItemData`` is one of these). The
# callers name the meeting's fields they check (the saved meeting's header, the
# editor's typed values, a department's sections).


class LimitedItem(TypedDict, total=False):
    text: ReadOnly[str | None]
    children: ReadOnly[Sequence[LimitedItem]]


class LimitedSection(TypedDict, total=False):
    speaker: ReadOnly[str | None]
    recipients: ReadOnly[str | None]
    topic: ReadOnly[str | None]
    heading: ReadOnly[str | None]
    items: ReadOnly[Sequence[LimitedItem]]


class LimitedMeeting(TypedDict, total=False):
    # HEADER_TEXT_FIELDS: the meeting's own free-text fields (model field names).
    title_override: ReadOnly[str | None]
    lead: ReadOnly[str | None]
    location: ReadOnly[str | None]
    attendee_tail: ReadOnly[str | None]
    unstructured_text: ReadOnly[str | None]
    unparsed: ReadOnly[Sequence[str]]  # the importer's and the layout's paragraphs
    attendees: ReadOnly[Sequence[str] | None]
    attendee_details: ReadOnly[Sequence[AttendeeDetail] | None]
    agenda: ReadOnly[Sequence[str]]
    sections: ReadOnly[Sequence[LimitedSection]]


def _items(items: Sequence[LimitedItem]) -> list[LimitedItem]:
    flat: list[LimitedItem] = []
    stack = list(items or [])
    while stack:
        item = stack.pop()
        flat.append(item)
        stack.extend(item.get("children") or [])
    return flat


def section_text_length(section: LimitedSection) -> int:
    return sum(len(i.get("text") or "") for i in _items(section.get("items") or []))


# The meeting's own free-text fields counted in its total.
HEADER_TEXT_FIELDS: tuple[
    Literal["title_override", "lead", "location", "attendee_tail", "unstructured_text"],
    ...,
] = (
    "title_override",
    "lead",
    "location",
    "attendee_tail",
    "unstructured_text",
)


# A section's heading fields counted in the total.
SECTION_HEAD_FIELDS: tuple[
    Literal["speaker", "recipients", "topic", "heading"], ...
] = (
    "speaker",
    "recipients",
    "topic",
    "heading",
)


def meeting_text_length(data: LimitedMeeting) -> int:
    """Characters of everything the official layout prints from typed text."""
    header = sum(len(data.get(key) or "") for key in HEADER_TEXT_FIELDS)
    header += sum(len(p) for p in data.get("unparsed") or [])
    roles = [d.get("role") or "" for d in data.get("attendee_details") or []] or list(
        data.get("attendees") or []
    )
    sections = data.get("sections") or []
    heads = sum(len(s.get(key) or "") for s in sections for key in SECTION_HEAD_FIELDS)
    return (
        header
        + sum(map(len, roles))
        + sum(len(a or "") for a in data.get("agenda") or [])
        + heads
        + sum(section_text_length(s) for s in sections)
    )


def count_problems(data: LimitedMeeting) -> list[str]:
    """Rows over their per-meeting caps, as Japanese messages."""
    sections = data.get("sections") or []
    counts = [
        ("sections", len(sections), "説明・報告・指示", "件"),
        (
            "items",
            sum(len(_items(s.get("items") or [])) for s in sections),
            "項目",
            "件",
        ),
        (
            "attendees",
            len(data.get("attendee_details") or data.get("attendees") or []),
            "出席者",
            "人",
        ),
        ("agenda", len(data.get("agenda") or []), "協議概要(議題)", "件"),
    ]
    return [
        f"{label}は1つの会議で{limit(name):,}{unit}までです"
        f"(現在{count:,}{unit})。会議を分けるか、まとめてください。"
        for name, count, label, unit in counts
        if count > limit(name)
    ]


def total_problem(data: LimitedMeeting) -> str | None:
    total = meeting_text_length(data)
    if total > limit("meeting_text"):
        return (
            f"1つの会議の本文は合計{limit('meeting_text'):,}字までです"
            f"(現在{total:,}字)。長い資料は添付ファイル(PDF)にしてください。"
        )
    return None


def meeting_problems(data: LimitedMeeting) -> list[str]:
    """Everything in a meeting's layout dict that is over the limits (Japanese).

    The staff editor shows the same checks next to the fields concerned; the
    benchmark uses this to prove the meeting it builds is accepted.
    """
    problems = count_problems(data)
    total = total_problem(data)
    if total:
        problems.append(total)
    for n, section in enumerate(data.get("sections") or [], start=1):
        length = section_text_length(section)
        if length > limit("section_text"):
            problems.append(section_message(length, number=n))
        for item in _items(section.get("items") or []):
            length = len(item.get("text") or "")
            if length > limit("item_text"):
                problems.append(item_message(length))
    return problems


def section_message(length: int, number: int | None = None) -> str:
    which = f"{number}番目の" if number else ""
    return (
        f"{which}説明・報告・指示の項目は合計{limit('section_text'):,}字までです"
        f"(現在{length:,}字)。説明・報告を分けるか、資料は添付ファイルにしてください。"
    )


def item_message(length: int) -> str:
    return (
        f"1つの項目は{limit('item_text'):,}字までです(現在{length:,}字)。"
        "項目を分けてください(Enterで次の項目)。"
    )
