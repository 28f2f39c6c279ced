"""What the importer reads from a page: the parsed meeting dict and its parts.

``parse_page`` returns ``ParsedMeeting`` dicts: a layout dict's shape
(``meetings.layout``) where the page may leave a field unread (``None``), with the
importer's own keys (``warnings``, ``source_file``) and attachments as the page lists
them (label and printed size, no stored file yet). ``draft.prepare_for_create``
keeps the shape; ``services.meeting_create_from_data`` stores it.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from meetings.layout import AttendeeDetail, ContactData, SectionData


class SpeakerInfo(TypedDict):
    """Who a ■ heading names and how (``body.parse_speaker_header``)."""

    kind: str  # "explanation" | "report" | "directive"
    speaker: str | None
    recipients: str | None
    topic: str | None


class ParsedAttachment(TypedDict):
    """危機管理連絡会議 開催結果(R4.6.20).pdf(141KB) (``footer.parse_attachment``)."""

    label: str
    size: str | None  # as printed (141KB); None when the page gives none
    kind: str  # "result" | "material" | "other"


class ParsedAttendees(TypedDict):
    """The 出席者 value (``header.parse_attendees``)."""

    attendees: list[str]
    attendee_details: list[AttendeeDetail]
    attendee_tail: str | None
    attendee_total: int | None
    attendee_unit: str
    attendee_remote: int | None


class ParsedMeeting(ParsedAttendees):
    """One meeting of a page (``page.parse_page``)."""

    meeting_type: str | None  # None: not recognised (the draft takes the default)
    session_number: int | None
    cumulative_number: int | None
    title: str | None
    held_on: str | None  # ISO date
    published_on: str | None  # ISO date
    start_time: str | None  # "HH:MM"
    end_time: str | None
    end_next_day: bool
    mode: str  # "in_person" | "written"
    location: str | None
    lead: str | None
    separator: str
    is_drill: bool
    agenda: list[str]
    agenda_markers: list[str]
    sections: list[SectionData]
    attachments: list[ParsedAttachment]
    contact: ContactData
    warnings: list[str]  # what could not be read, with line numbers
    unparsed: list[str]  # text kept as written, not structured
    source_file: NotRequired[str]  # the archive file it came from
