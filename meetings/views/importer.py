"""「テキストから作成」: paste a published page, check what was read, save a draft.

GET shows the form. POST ``action=parse`` parses without saving and shows the result
as it would be published (marked 案), the warnings and a summary. POST ``action=save``
parses the submitted text again on the server (nothing from the previous response is
trusted) and creates the draft through ``parse_to_draft``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, time
from functools import partial
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from meetings import layout, services, wareki
from meetings.access import coordinator_required
from meetings.forms import ImportForm
from meetings.importer import parse_page, parse_to_draft
from meetings.importer import types as parsed
from meetings.importer.draft import (
    create_meeting,
    existing_meeting,
    prepare_for_create,
)
from meetings.importer.text import html_to_text, looks_like_html, normalize_text
from meetings.models import Meeting, MeetingType
from meetings.permissions import Actor

# meeting_create_from_data files a page without a type under this one.
DEFAULT_MEETING_TYPE = "危機管理連絡会議"
# Warnings shown as messages on the editor after saving; the rest are counted.
MAX_WARNING_MESSAGES = 30
SAVED_MESSAGE = "テキストから下書きを作成しました。内容を確認して修正してください。"


# ---------------------------------------------------------------------------
# Warnings: the parser words them in English for logs and the import command; staff
# read them in Japanese. Unknown wordings are shown as they are.
# ---------------------------------------------------------------------------

_LINE_PREFIX = re.compile(r"^line (?P<line>\d+): (?P<rest>.*)$", re.DOTALL)
_WARNING_WORDINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^no title found$"), "タイトルが見つかりませんでした"),
    (
        re.compile(r"^could not read the date (?P<v>「.*」)$", re.DOTALL),
        "日付を読み取れませんでした:{v}",
    ),
    (
        re.compile(r"^could not read the time (?P<v>「.*」)$", re.DOTALL),
        "時刻を読み取れませんでした:{v}",
    ),
    (re.compile(r"^no date in (?P<v>「.*」)$", re.DOTALL), "日付がありません:{v}"),
    (
        re.compile(r"^could not place (?P<v>「.*」)$", re.DOTALL),
        "どの欄にも当てはまらないため、本文のまま残しました:{v}",
    ),
    (
        re.compile(r"^a second (?P<v>.+) field; kept as text$"),
        "「{v}」の欄が2回目のため、本文のまま残しました",
    ),
    (
        re.compile(r"^the page could not be parsed \((?P<v>.*)\)$"),
        # The exception's name is for the logs, not for staff.
        "ページを項目に分けられなかったため、全文を本文のまま残しました。"
        "下書きの「項目に分けられなかった本文」から各欄へ移してください",
    ),
)


@dataclass(frozen=True)
class ImportWarning:
    message: str
    line: int | None = None  # in the text as parsed (HTML: its extracted text)


def japanese_warning(text: str) -> ImportWarning:
    """A parser or draft warning as staff read it, with its line number apart."""
    line = None
    match = _LINE_PREFIX.match(text)
    if match:
        line, text = int(match["line"]), match["rest"]
    for pattern, wording in _WARNING_WORDINGS:
        found = pattern.match(text)
        if found:
            text = wording.format(**found.groupdict())
            break
    return ImportWarning(text, line)


# ---------------------------------------------------------------------------
# What was read
# ---------------------------------------------------------------------------


@dataclass
class ParsedMeeting:
    """One meeting read from the page, with what the result page shows about it."""

    number: int  # 1-based, as shown
    data: parsed.ParsedMeeting  # as parsed
    prepared: parsed.ParsedMeeting  # as it will be saved (see prepare_for_create)
    warnings: list[ImportWarning]
    summary: list[dict[str, Any]] = field(default_factory=list)
    doc: layout.Document | None = None
    # Model rules the draft would break: saving it would fail with these.
    problems: list[str] = field(default_factory=list)
    existing: Meeting | None = None  # same type, date and start time

    @property
    def index(self) -> int:
        return self.number - 1

    @property
    def listed_files(self) -> list[parsed.ParsedAttachment]:
        """Attachments the page lists, which the draft does not get."""
        return self.data.get("attachments") or []

    @property
    def files_to_upload(self) -> list[parsed.ParsedAttachment]:
        """The official 開催結果 PDF is made at publication; the others are not."""
        return [a for a in self.listed_files if a.get("kind") != "result"]


@dataclass
class ParseResult:
    text: str
    is_html: bool
    source_lines: list[str]  # the text the line numbers of the warnings count
    meetings: list[ParsedMeeting]

    @property
    def digest(self) -> str:
        return text_digest(self.text)

    @property
    def warning_lines(self) -> dict[int, list[ImportWarning]]:
        lines: dict[int, list[ImportWarning]] = {}
        for meeting in self.meetings:
            for warning in meeting.warnings:
                if warning.line:
                    lines.setdefault(warning.line, []).append(warning)
        return lines

    @property
    def numbered_lines(self) -> list[dict[str, Any]]:
        warned = self.warning_lines
        return [
            {"number": n, "text": text, "warnings": warned.get(n, [])}
            for n, text in enumerate(self.source_lines, start=1)
        ]

    @property
    def can_save(self) -> bool:
        return any(not m.problems for m in self.meetings)

    def default_choice(self, asked: int | None) -> int:
        """The meeting preselected for saving: the one asked for, else the first
        that can be saved."""
        if asked is not None and 0 <= asked < len(self.meetings):
            return asked
        return next((m.index for m in self.meetings if not m.problems), 0)

    @property
    def has_several(self) -> bool:
        return len(self.meetings) > 1

    @property
    def summary_rows(self) -> list[dict[str, Any]]:
        """The summaries side by side: one row per field, one cell per meeting."""
        rows = []
        for n, row in enumerate(self.meetings[0].summary):
            cells = [meeting.summary[n] for meeting in self.meetings]
            rows.append({"label": row["label"], "cells": cells})
        return rows

    @property
    def warning_count(self) -> int:
        return sum(len(m.warnings) for m in self.meetings)

    @property
    def has_content(self) -> bool:
        return any(_has_content(m.data) for m in self.meetings)


def text_digest(text: str) -> str:
    """Ties a save to the text whose result the user saw."""
    return hashlib.sha256(text.encode()).hexdigest()


def _has_content(data: parsed.ParsedMeeting) -> bool:
    """Something of a meeting was read, beyond a title and prose."""
    return any(
        data.get(key)
        for key in (
            "held_on",
            "start_time",
            "location",
            "attendees",
            "attendee_tail",
            "attendee_total",
            "agenda",
            "sections",
        )
    )


def parse_text(text: str) -> ParseResult:
    """Parse without writing anything: what the page reads as, and as it would save."""
    is_html = looks_like_html(text)
    source = normalize_text(html_to_text(text) if is_html else text)
    meetings = []
    for number, data in enumerate(parse_page(text), start=1):
        prepared, warnings = prepare_for_create(data)
        unsaved, problems = _check_unsaved(prepared)
        prepared["title"] = unsaved.title
        meeting = ParsedMeeting(
            number=number,
            data=data,
            prepared=prepared,
            warnings=[japanese_warning(w) for w in warnings],
            problems=problems,
            existing=existing_meeting(data),
        )
        meeting.summary = _summary(data)
        # Files are not in the text: the draft has none until they are uploaded.
        # The importer's dict is the layout dict without the keys only a saved
        # meeting has (public_id...); build_document reads those with .get().
        meeting.doc = layout.build_document(
            cast("layout.MeetingData", {**prepared, "attachments": []})
        )
        meetings.append(meeting)
    return ParseResult(
        text=text, is_html=is_html, source_lines=source.split("\n"), meetings=meetings
    )


def _check_unsaved(prepared: parsed.ParsedMeeting) -> tuple[Meeting, list[str]]:
    """The draft as ``meeting_create_from_data`` would build it, unsaved, and the
    model rules it breaks (its type is not looked up, so that nothing is created)."""
    unsaved = Meeting(
        meeting_type=MeetingType(
            name=prepared.get("meeting_type") or DEFAULT_MEETING_TYPE
        )
    )
    services.meeting_apply_header(meeting=unsaved, data=prepared)
    try:
        # clean() holds the rules behind the check constraints, in Japanese.
        unsaved.full_clean(
            exclude=["meeting_type"], validate_unique=False, validate_constraints=False
        )
        services.meeting_validate_parts(
            meeting=unsaved, data=cast(layout.PartsData, prepared)
        )
    except ValidationError as error:
        return unsaved, validation_messages(error)
    return unsaved, []


def validation_messages(error: ValidationError) -> list[str]:
    """Model errors with the label of their field: the user sees no form fields."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    found = []
    for name, texts in error.message_dict.items():
        try:
            model_field = Meeting._meta.get_field(name)
        except FieldDoesNotExist:  # NON_FIELD_ERRORS
            model_field = None
        # Errors are keyed by concrete fields; a relation has no label of its own.
        label = (
            str(model_field.verbose_name)
            if isinstance(model_field, models.Field)
            else ""
        )
        found += [f"{label}: {text}" if label else text for text in texts]
    return found


def _clock(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def _summary(data: parsed.ParsedMeeting) -> list[dict[str, Any]]:
    """The key fields as read (before defaults), for the table beside the preview."""
    missing = "読み取れませんでした"
    held_on = date.fromisoformat(data["held_on"]) if data["held_on"] else None
    times = wareki.format_time_range(
        _clock(data.get("start_time")),
        _clock(data.get("end_time")),
        end_next_day=bool(data.get("end_next_day")),
    )
    location = data.get("location") or (
        "書面開催" if data.get("mode") == "written" else ""
    )
    listed = len(data.get("attendees") or [])
    count = layout.attendee_count(data)
    if count:
        attendees = f"{count}(役職名の列挙{listed})"
    else:
        attendees = f"人数の記載なし(役職名の列挙{listed})" if listed else ""
    sections = data.get("sections") or []
    kinds = [s.get("kind") or "other" for s in sections]
    counts = "、".join(
        f"{word}{kinds.count(kind)}"
        for kind, word in (
            ("explanation", "説明"),
            ("report", "報告"),
            ("directive", "指示"),
            ("other", "その他"),
        )
        if kinds.count(kind)
    )
    other_reports = sum(1 for s in sections if s.get("group") == "other_reports")
    section_value = f"{len(sections)}({counts})" if sections else ""
    if other_reports:
        section_value += f"、うち(その他報告事項)の下に{other_reports}"
    rows = [
        ("会議種別", data.get("meeting_type") or ""),
        ("開催日", wareki.format_wareki(held_on, weekday=True) if held_on else ""),
        ("時刻", times),
        ("場所", location),
        ("出席者数", attendees),
        ("議題数", str(len(data.get("agenda") or []))),
        ("説明・報告・指示の数", section_value or "0"),
    ]
    return [
        {"label": label, "value": value or missing, "missing": not value}
        for label, value in rows
    ]


# ---------------------------------------------------------------------------
# The view
# ---------------------------------------------------------------------------


def _render(
    request: HttpRequest,
    form: ImportForm,
    *,
    result: ParseResult | None = None,
    chosen: int = 0,
    notice: str = "",
) -> HttpResponse:
    return render(
        request,
        "meetings/staff/import_text.html",
        {
            "form": form,
            "result": result,
            "chosen": chosen,
            "notice": notice,
        },
    )


def _chosen_index(request: HttpRequest) -> int | None:
    """The meeting picked on a page of several; None when none was picked."""
    try:
        return int(request.POST["meeting"])
    except (KeyError, ValueError):
        return None


@coordinator_required
def import_text(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, ImportForm())
    form = ImportForm(request.POST)
    if not form.is_valid():
        return _render(request, form)
    text = form.cleaned_data["text"]
    result = parse_text(text)
    if not result.has_content:
        form.add_error(
            "text",
            "会議の開催結果として読み取れる項目(日時・場所・出席者・協議概要・"
            "■の見出し)が見つかりませんでした。公開ページの本文全体を貼り付けて"
            "ください。",
        )
        return _render(request, form)
    asked = _chosen_index(request)
    shown = partial(_render, request, form, result=result)
    if request.POST.get("action") != "save":
        return shown(chosen=result.default_choice(asked))
    # A page of one meeting needs no choice; a page of several does.
    index = 0 if asked is None and not result.has_several else asked
    if index is None or not 0 <= index < len(result.meetings):
        form.add_error(None, "保存する会議を選んでください。")
        return shown(chosen=result.default_choice(None))
    seen = request.POST.get("parsed_digest")
    if seen and seen != result.digest:
        # The text was changed after the result shown was made: show the new one.
        return shown(
            chosen=index,
            notice="解析した後に本文が変更されていたため、保存していません。"
            "新しい解析結果を確認して、もう一度「下書きとして保存」を押してください。",
        )
    try:
        meeting, warnings = _save_draft(text, result, index, user=request.user)
    except ValidationError as error:
        form.add_error(
            None,
            "下書きを保存できませんでした(何も作成していません):"
            + "".join(validation_messages(error))
            + "本文を直して、もう一度解析してください。",
        )
        return shown(chosen=index)
    _report_saved(request, meeting, warnings, result.meetings[index])
    return redirect("staff:edit", pk=meeting.pk)


def _save_draft(
    text: str, result: ParseResult, index: int, *, user: Actor
) -> tuple[Meeting, list[str]]:
    """The first meeting through ``parse_to_draft``; another one the same way."""
    if index == 0:
        return parse_to_draft(text, user=user)
    # parse_to_draft saves the first meeting of a page; a later one is saved by the
    # same function that it calls, from the same parse of the submitted text.
    meeting, warnings = create_meeting(result.meetings[index].data, user=user)
    warnings.append(
        f"このページには{len(result.meetings)}件の会議があります。"
        f"{index + 1}件目を作成しました"
    )
    return meeting, warnings


def _report_saved(
    request: HttpRequest, meeting: Meeting, warnings: list[str], parsed: ParsedMeeting
) -> None:
    """What the editor shows once, above the new draft."""
    shown = [japanese_warning(w) for w in warnings]
    count = f"(警告{len(shown)}件)" if shown else "(警告はありません)"
    messages.success(request, SAVED_MESSAGE + count)
    for warning in shown[:MAX_WARNING_MESSAGES]:
        where = f"(貼り付けた本文の{warning.line}行目)" if warning.line else ""
        messages.warning(request, f"警告{where}:{warning.message}")
    if len(shown) > MAX_WARNING_MESSAGES:
        messages.warning(
            request,
            f"ほかに警告が{len(shown) - MAX_WARNING_MESSAGES}件あります"
            "(「テキストから作成」で同じ本文を解析すると、すべて確認できます)。",
        )
    if parsed.files_to_upload:
        messages.info(
            request,
            "ページに記載の添付ファイルは取り込んでいません。次のPDFを添付してください:"
            + "、".join(
                f"{a['label']}.pdf({a['size']})" if a.get("size") else a["label"]
                for a in parsed.files_to_upload
            ),
        )
    if meeting.unstructured_text:
        messages.info(
            request,
            "どの欄にも当てはまらなかった本文は、下書きにそのまま残しています"
            "(プレビューの本文の最後に表示されます)。",
        )
