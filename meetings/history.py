"""The staff history page in plain Japanese (issue 19): statuses, field names and
values as staff know them, and the text changes as added and removed lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from meetings import wareki
from meetings.models import Meeting, MeetingEvent

STATUS_LABELS = dict(Meeting.Status.choices)

# Keys of ``layout.header_data`` that a save records, with the editor's labels.
FIELD_LABELS = {
    "meeting_type": "会議種別",
    "session_number": "回次",
    "cumulative_number": "通算回次",
    "title": "タイトル",
    "held_on": "開催日",
    "published_on": "掲載日",
    "start_time": "開始時刻",
    "end_time": "終了時刻",
    "end_next_day": "終了が翌日",
    "mode": "開催方法",
    "location": "場所",
    "lead": "リード文",
    "separator": "区切り文字",
    "is_drill": "訓練",
    "attendee_tail": "出席者の末尾",
    "attendee_total": "出席者数(計)",
    "attendee_unit": "出席者数の単位",
    "attendee_remote": "うちテレビ会議等",
    "contact": "お問い合わせ先",
    "unparsed": "項目に分けられなかった本文",
    "agenda": "協議概要",
    "agenda_markers": "協議概要の番号",
    "public_id": "公開ID",
}
CONTACT_LABELS = {
    "name": "課",
    "phone": "電話",
    "fax": "FAX",
    "email": "メール",
    "note": "備考",
}
MODE_LABELS = dict(Meeting.Mode.choices)
EMPTY = "(なし)"
# django-simple-history's record types.
RECORD_TYPES = {"+": "作成", "~": "変更", "-": "削除"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class DiffLine:
    kind: str  # "added" | "removed"
    label: str  # 追加 | 削除
    text: str


@dataclass
class EventView:
    event: Any
    status_change: str
    fields: list[FieldChange] = field(default_factory=list)
    lines: list[DiffLine] = field(default_factory=list)
    # The text lines changed but are not shown (a department's editor: they may hold
    # other departments' sections before the coordinator puts them in).
    hidden_lines: int = 0

    def without_lines(self) -> EventView:
        return EventView(
            event=self.event,
            status_change=self.status_change,
            fields=self.fields,
            hidden_lines=len(self.lines),
        )


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status or EMPTY)


def value_text(key: str, value: Any) -> str:
    """A recorded value as staff would write it: no None, no {'fax': None}."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if key == "contact" and isinstance(value, dict):
        parts = [
            f"{label}:{value[name]}"
            for name, label in CONTACT_LABELS.items()
            if value.get(name)
        ]
        return "、".join(parts) or EMPTY
    if key == "mode":
        return MODE_LABELS.get(value, str(value))
    if key in ("held_on", "published_on") and isinstance(value, str):
        try:
            return wareki.format_wareki(date.fromisoformat(value), weekday=True)
        except ValueError:
            return value
    if key in ("start_time", "end_time") and isinstance(value, str):
        try:
            return wareki.format_time(time.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        return "、".join(value_text(key, v) for v in value) or EMPTY
    if isinstance(value, dict):
        return (
            "、".join(
                f"{k}:{value_text(k, v)}"
                for k, v in value.items()
                if v not in (None, "")
            )
            or EMPTY
        )
    return str(value)


def diff_lines(lines: list[str]) -> list[DiffLine]:
    """Unified-diff lines as 追加/削除 lines; the @@ position headers dropped."""
    result = []
    for line in lines:
        if line.startswith("@@") or line.startswith(("+++", "---")):
            continue
        if line.startswith("+"):
            result.append(DiffLine("added", "追加", line[1:]))
        elif line.startswith("-"):
            result.append(DiffLine("removed", "削除", line[1:]))
    return result


def event_view(event: MeetingEvent) -> EventView:
    changes = event.changes or {}
    status_change = ""
    if event.from_status and event.from_status != event.to_status:
        status_change = (
            f"{status_label(event.from_status)}から{status_label(event.to_status)}へ"
        )
    return EventView(
        event=event,
        status_change=status_change,
        fields=[
            FieldChange(
                FIELD_LABELS.get(c.get("field"), c.get("field") or ""),
                value_text(c.get("field"), c.get("old")),
                value_text(c.get("field"), c.get("new")),
            )
            for c in changes.get("fields") or []
        ],
        lines=diff_lines(changes.get("lines") or []),
    )


def record_type(history_type: str) -> str:
    return RECORD_TYPES.get(history_type, history_type)
