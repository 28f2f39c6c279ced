"""Parsed pages into meetings: checks that keep a draft saveable, and the lookup of
a meeting that already exists (same type, date and start time)."""

from __future__ import annotations

import copy
from datetime import date, time
from typing import Literal, overload

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone

from meetings import services
from meetings.importer.page import parse_page
from meetings.importer.types import ParsedMeeting
from meetings.layout import ContactData, ItemData
from meetings.models import (
    AgendaItem,
    Attendee,
    Item,
    Meeting,
    Section,
    attendee_total_problem,
)
from meetings.permissions import Actor


def _limit(model: type[models.Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None
    return field.max_length


@overload
def _fit(
    data: ParsedMeeting, value: str, limit: int, label: str, warnings: list[str]
) -> str: ...


@overload
def _fit(
    data: ParsedMeeting, value: str | None, limit: int, label: str, warnings: list[str]
) -> str | None: ...


def _fit(
    data: ParsedMeeting,
    value: str | None,
    limit: int,
    label: str,
    warnings: list[str],
) -> str | None:
    """A value too long for its column keeps its full text in ``unparsed``."""
    if value is None or len(value) <= limit:
        return value
    warnings.append(
        f"{label}が長すぎるため、全文を「項目に分けられなかった本文」に残しました"
    )
    data["unparsed"].append(value)
    return value[:limit]


# (key in the data, model field, label in warnings): text columns with a length limit
_MEETING_FIELDS: tuple[
    tuple[Literal["location", "attendee_tail", "title"], str, str], ...
] = (
    ("location", "location", "場所"),
    ("attendee_tail", "attendee_tail", "出席者の末尾"),
    ("title", "title_override", "タイトル"),
)
_CONTACT_FIELDS: tuple[
    tuple[Literal["name", "phone", "fax", "note"], str, str], ...
] = (
    ("name", "contact_section", "問合せ先"),
    ("phone", "contact_phone", "電話"),
    ("fax", "contact_fax", "FAX"),
    ("note", "contact_note", "問合せ先の担当者など"),
)


def prepare_for_create(
    data: ParsedMeeting, *, fallback_date: date | None = None
) -> tuple[ParsedMeeting, list[str]]:
    """A copy of parsed data that ``meeting_create_from_data`` accepts, and warnings.

    Nothing typed is lost: a value that cannot be stored as a field is kept in
    ``unparsed`` with a warning, so that the editor can show it next to the draft.
    """
    data = copy.deepcopy(data)
    warnings = list(data.get("warnings") or [])
    data["unparsed"] = list(data.get("unparsed") or [])
    if not data.get("held_on"):
        data["held_on"] = (
            data.get("published_on")
            or (fallback_date or timezone.localdate()).isoformat()
        )
        warnings.append(
            f"開催日が読み取れなかったため、仮に{data['held_on']}としました。確認してください"
        )
    if not data.get("meeting_type"):
        warnings.append("会議種別が読み取れなかったため、危機管理連絡会議としました")
    start, end = data.get("start_time"), data.get("end_time")
    if start and end and not data.get("end_next_day") and end <= start:
        data["end_next_day"] = True
    listed = len(data.get("attendee_details") or data.get("attendees") or [])
    total = data.get("attendee_total")
    if attendee_total_problem(total, listed):
        warnings.append(
            f"出席者数(計{total}{data.get('attendee_unit') or '名'})が列挙された"
            f"出席者の数({listed})より少ないため、出席者数を空欄にしました"
        )
        data["attendee_total"] = None
    remote, total = data.get("attendee_remote"), data.get("attendee_total")
    if remote is not None and total is not None:
        if remote > total:
            warnings.append("テレビ会議等の人数が出席者数を超えるため、空欄にしました")
            data["attendee_remote"] = None
    contact: ContactData = {**data["contact"]}
    if contact.get("email"):
        try:
            validate_email(contact["email"])
        except ValidationError:
            note = " ".join(filter(None, [contact.get("note"), contact["email"]]))
            contact["note"], contact["email"] = note, None
    for contact_key, field, label in _CONTACT_FIELDS:
        contact[contact_key] = _fit(
            data, contact.get(contact_key), _limit(Meeting, field), label, warnings
        )
    data["contact"] = contact
    for key, field, label in _MEETING_FIELDS:
        data[key] = _fit(data, data.get(key), _limit(Meeting, field), label, warnings)
    _fit_parts(data, warnings)
    return data, warnings


# A section's text columns with a length limit (key, label in warnings).
_SECTION_FIELDS: tuple[tuple[Literal["speaker", "recipients"], str], ...] = (
    ("speaker", "発言者"),
    ("recipients", "指示先"),
)


def _fit_parts(data: ParsedMeeting, warnings: list[str]) -> None:
    role_limit = _limit(Attendee, "role")
    for detail in data.get("attendee_details") or []:
        detail["role"] = _fit(data, detail["role"], role_limit, "出席者", warnings)
    data["attendees"] = [
        _fit(data, role, role_limit, "出席者", warnings)
        for role in data.get("attendees") or []
    ]
    agenda_limit = _limit(AgendaItem, "text")
    data["agenda"] = [
        _fit(data, text, agenda_limit, "協議概要", warnings)
        for text in data.get("agenda") or []
    ]
    for section in data.get("sections") or []:
        for key, label in _SECTION_FIELDS:
            section[key] = _fit(
                data, section.get(key), _limit(Section, key), label, warnings
            )
        section["topic"] = _fit(
            data,
            section.get("topic"),
            _limit(Section, "topic"),
            "話題",
            warnings,
        )
        section["heading"] = _fit(
            data,
            section.get("heading"),
            _limit(Section, "heading"),
            "見出し",
            warnings,
        )
        _fit_markers(section.get("items") or [], _limit(Item, "marker"))


def _fit_markers(items: list[ItemData], limit: int) -> None:
    for item in items:
        if len(item.get("marker") or "") > limit:
            item["text"] = item["marker"] + item["text"]
            item["marker"] = ""
        _fit_markers(item.get("children") or [], limit)


def existing_meeting(data: ParsedMeeting) -> Meeting | None:
    """The stored meeting of the same type, date and start time, if any."""
    held_on = data.get("held_on")
    if not held_on:
        return None
    start = data.get("start_time")
    meetings = Meeting.objects.filter(
        meeting_type__name=data.get("meeting_type") or "危機管理連絡会議",
        held_on=date.fromisoformat(held_on),
    )
    if start:
        hours, minutes = start.split(":")
        meetings = meetings.filter(start_time=time(int(hours), int(minutes)))
    else:
        meetings = meetings.filter(start_time__isnull=True)
    return meetings.first()


def create_meeting(
    data: ParsedMeeting, *, user: Actor = None, status: str = Meeting.Status.DRAFT
) -> tuple[Meeting, list[str]]:
    """Save parsed data through the services layer; returns the meeting and warnings."""
    prepared, warnings = prepare_for_create(data)
    meeting = services.meeting_create_from_data(data=prepared, user=user, status=status)
    return meeting, warnings


def parse_to_draft(text: str, *, user: Actor) -> tuple[Meeting, list[str]]:
    """Parse pasted page text (or HTML) and save its first meeting as a draft.

    For the editor's 「テキストから作成」: the draft always saves; what could not be
    read is listed in the returned warnings (with line numbers) and kept in the
    meeting's 「項目に分けられなかった本文」.
    """
    meetings = parse_page(text)
    meeting, warnings = create_meeting(meetings[0], user=user)
    if len(meetings) > 1:
        warnings.append(
            f"このページには{len(meetings)}件の会議があります。最初の1件だけを作成しました"
        )
    return meeting, warnings
