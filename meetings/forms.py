"""Staff forms: the one-page meeting editor and the workflow forms.

The editor is a header ``ModelForm`` plus rows (attendees, agenda items, sections with
their items, attachments). Every row is a small ``Form`` whose prefix carries a stable
row key (``a-k3f9-role``); the order and membership of rows come from repeated hidden
inputs (``attendees=k3f9``) in document order. So JavaScript reorders rows by moving
them, and without JavaScript the same buttons post an ``op`` that the server applies
before rendering the page again. Nothing typed is dropped on either path.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core import validators
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict

from meetings import files, layout, limits, markers, uploads, wareki
from meetings.form_messages import JapaneseMessagesMixin
from meetings.models import (
    Attachment,
    Item,
    Meeting,
    MeetingType,
    Section,
    WithholdingReason,
    attendee_total_problem,
)

KEY_RE = re.compile(r"^[a-z0-9]{1,16}$")
MAX_DEPTH = 5
# Rows read from a POST per list. Above every row cap of meetings.limits (600 items a
# meeting), so that too many rows get the limits' message instead of being cut off.
MAX_ROWS = 1_000

# A typed or pasted marker at the start of a bullet: ・ ○ ● • ① (1) ⑴ 1. -
MARKER_RE = re.compile(markers.EDITOR_PATTERN)
ATTENDEE_SPLIT_RE = re.compile(r"[,,、\n]+")
ATTENDEE_TAIL_RE = re.compile(
    r"^(?P<tail>.*?(?:など|ほか|等))?(?P<gap>\s*)計\s*(?P<total>[0-90-9]+)\s*(?P<unit>名|人)"
    r"(?:[((]内テレビ会議\s*(?P<remote>[0-90-9]+)\s*(?:名|人)[))])?$"
)


def new_key() -> str:
    """A new row's key (hex, so never taken for a stored row's ``p<id>``)."""
    return secrets.token_hex(4)


# A stored row's key is ``p`` and its id: the save updates that row. Any other key is
# a row typed on this page, which the save creates.
STORED_KEY_RE = re.compile(r"^p([0-9]{1,15})$")


def stored_key(pk: int) -> str:
    return f"p{pk}"


def stored_pk(key: str) -> int | None:
    """The id of the stored row a key names, or None for a new row."""
    match = STORED_KEY_RE.match(key or "")
    return int(match.group(1)) if match else None


def split_marker(text: str) -> tuple[str | None, str]:
    """Separate a typed marker from a bullet's text: '・昨日…' -> ('・', '昨日…')."""
    match = MARKER_RE.match(text)
    if not match:
        return None, text.strip()
    return match.group(1), text[match.end() :].strip()


_HEADING_MARK_RE = re.compile(
    "^(?:(?P<mark>[" + "".join(m for m in markers.HEADING_MARKERS if len(m) == 1) + "])"
    r"\s*(?P<rest>.*)|【(?P<inner>[^【】]*)】)$"
)


def split_heading_marker(heading: str, marker: str | None) -> tuple[str, str]:
    """(marker, heading) with a mark typed at the start of a verbatim heading taken as
    the heading's marker: 「●放射性物質…」 is ● and 放射性物質…, never ■●放射性物質…."""
    chosen = markers.DEFAULT_HEADING_MARKER if marker is None else marker
    match = _HEADING_MARK_RE.match(heading)
    if not match:
        return chosen, heading
    if match["inner"] is not None:
        return "【】", match["inner"].strip()
    return match["mark"], match["rest"].strip()


def split_pasted_items(text: str, *, depth: int, marker: str) -> list[dict[str, Any]]:
    """Turn pasted lines into items: a line with a marker starts an item, an indented
    line without one continues the previous item (the official pages hard-wrap)."""
    items: list[dict[str, Any]] = []
    indent_of_first: int | None = None
    for raw in text.replace("\r\n", "\n").split("\n"):
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" \u3000\t"))
        found, body = split_marker(raw)
        if indent_of_first is None:
            indent_of_first = indent
        if found is None and items and indent > indent_of_first:
            items[-1]["text"] += body
            continue
        level = depth + (1 if indent > indent_of_first and found else 0)
        items.append(
            {
                "key": new_key(),
                "marker": found if found is not None else ("" if items else marker),
                "text": body,
                "depth": level,
            }
        )
    return items


def split_attendees(text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A pasted ,/、 list of positions -> rows, and the tail with its total if present.

    ``(南部総合県民局長)`` is a remote attendee; ``各部局主管課副課長など計22名`` is the tail.
    """
    rows: list[dict[str, Any]] = []
    tail: dict[str, Any] = {}
    for part in ATTENDEE_SPLIT_RE.split(text):
        part = part.strip().strip("\u3000")
        if not part:
            continue
        match = ATTENDEE_TAIL_RE.match(wareki.normalize_digits(part))
        if match:
            tail = {
                # 「…ほか 計21名」 keeps its space: the tail ends with it.
                "attendee_tail": (match.group("tail") or "").strip()
                + (" " if match.group("tail") and match.group("gap") else ""),
                "attendee_total": int(match.group("total")),
                "attendee_unit": match.group("unit"),
            }
            if match.group("remote"):
                tail["attendee_remote"] = int(match.group("remote"))
            continue
        remote = part.startswith(("(", "(")) and part.endswith((")", ")"))
        role = part[1:-1].strip() if remote else part
        rows.append({"key": new_key(), "role": role, "is_remote": remote})
    return rows, tail


def items_to_tree(flat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat items with a depth -> the nested tree the layout uses."""
    root: list[dict[str, Any]] = []
    stack = [root]
    for item in flat:
        depth = max(0, min(int(item.get("depth") or 0), len(stack) - 1))
        del stack[depth + 1 :]
        node = {
            "marker": item.get("marker") or "",
            "text": item["text"],
            "children": [],
            **({"heading": True} if item.get("is_heading") else {}),
            **withheld_from_row(item),
        }
        if item.get("id") is not None:
            node["id"] = item["id"]
        stack[depth].append(node)
        stack.append(node["children"])
    return root


def _stored_items(items: list[Item]) -> list[dict[str, Any]]:
    """A section's stored items (any order) as editor rows, parents first, with depth."""
    children: dict[int | None, list[Item]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for item in sorted(children.get(parent, []), key=lambda i: i.order):
            rows.append(
                {
                    "key": stored_key(item.pk),
                    "marker": item.marker,
                    "text": item.text,
                    "depth": depth,
                    "is_heading": item.is_heading,
                    **withheld_row_values(item),
                }
            )
            walk(item.pk, depth + 1)

    walk(None, 0)
    return rows


def tree_to_items(tree: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for node in tree:
        flat.append(
            {
                "key": new_key(),
                "marker": node.get("marker") or "",
                "text": node.get("text") or "",
                "depth": depth,
                "is_heading": bool(node.get("heading")),
                **withheld_to_row(node),
            }
        )
        flat.extend(tree_to_items(node.get("children") or [], depth + 1))
    return flat


# ---------------------------------------------------------------------------
# 部分公開: the reason select and note of a section or item row
# ---------------------------------------------------------------------------

_reason_choices_cache: list[tuple[str, str]] | None = None


def reason_choices() -> list[tuple[str, str]]:
    """(code, label) of the active reasons, first 「公開する」; read once per process
    and again after an admin changes a reason (signals in meetings.apps)."""
    global _reason_choices_cache
    if _reason_choices_cache is None:
        _reason_choices_cache = [
            (r.code, f"非公開:{r.name}({r.article})")
            for r in WithholdingReason.objects.filter(is_active=True)
        ]
    return [("", "公開する"), *_reason_choices_cache]


def forget_reason_choices(**kwargs: Any) -> None:
    global _reason_choices_cache
    _reason_choices_cache = None


def withheld_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row's typed reason and note as the layout's ``withheld`` key (or nothing)."""
    code = (row.get("withheld_reason") or "").strip()
    if not code:
        return {}
    info: dict[str, Any] = {
        "reason": code,
        "note": (row.get("withheld_note") or "").strip(),
    }
    if "withheld_hide_heading" in row:
        info["keep_heading"] = not row.get("withheld_hide_heading")
    return {"withheld": info}


def withheld_to_row(node: dict[str, Any]) -> dict[str, Any]:
    """The layout's ``withheld`` key as a row's initial values."""
    info = node.get("withheld") or {}
    values = {
        "withheld_reason": info.get("reason") or "",
        "withheld_note": info.get("note") or "",
    }
    if "keep_heading" in info:
        values["withheld_hide_heading"] = not info["keep_heading"]
    return values


WITHHELD_ROW_FIELDS = ("withheld_reason", "withheld_note", "withheld_hide_heading")


def withheld_row_values(row: Section | Item) -> dict[str, Any]:
    """A stored section's or item's withholding as the editor row's initial values."""
    values: dict[str, Any] = {
        "withheld_reason": row.withheld_reason.code if row.withheld_reason else "",
        "withheld_note": row.withheld_note,
    }
    if isinstance(row, Section):
        values["withheld_hide_heading"] = not row.withheld_keep_heading
    return values


def _withheld_values(data: dict[str, Any]) -> dict[str, Any]:
    """The withholding fields of a row's values (copied onto pasted pieces)."""
    return {k: data.get(k) for k in ("withheld_reason", "withheld_note") if k in data}


# ---------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------


class JapaneseDateField(forms.DateField):
    """A date typed as 2022-06-20, 2022/6/20, R4.6.20 or 令和4年6月20日 (any width)."""

    def to_python(self, value: Any) -> date | None:
        # One parser (meetings.wareki.parse_date_input) for the form and the hint.
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return wareki.parse_date_input(value)
            except wareki.DateInputError as error:
                raise forms.ValidationError(str(error), code="invalid") from None
        return super().to_python(value)


class ClockField(forms.TimeField):
    """A time typed as 17:30, 1730, 17時30分 or with full-width digits."""

    def to_python(self, value: Any) -> time | None:
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return wareki.parse_clock_input(value)
            except wareki.DateInputError as error:
                raise forms.ValidationError(str(error), code="invalid") from None
        return super().to_python(value)


def _date_widget(**attrs: str) -> forms.DateInput:
    # Text, not type=date: typing R4.6.20 or 20220620 is faster than a date picker.
    return forms.DateInput(
        format="%Y-%m-%d",
        # No placeholder: a grey example looks like a typed value (the hint says it).
        attrs={"autocomplete": "off", **attrs},
    )


def _clock_widget() -> forms.TimeInput:
    return forms.TimeInput(
        format="%H:%M",
        attrs={"autocomplete": "off", "inputmode": "numeric"},
    )


HEADER_FIELDS = [
    "meeting_type",
    "held_on",
    "start_time",
    "end_time",
    "end_next_day",
    "session_number",
    "cumulative_number",
    "mode",
    "location",
    "published_on",
    "title_override",
    "lead",
    "separator",
    "is_drill",
    "attendee_tail",
    "attendee_total",
    "attendee_unit",
    "attendee_remote",
    "contact_section",
    "contact_phone",
    "contact_fax",
    "contact_email",
    "contact_note",
    "unstructured_text",
]


class MeetingHeaderForm(JapaneseMessagesMixin, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = HEADER_FIELDS
        field_classes = {
            "held_on": JapaneseDateField,
            "published_on": JapaneseDateField,
            "start_time": ClockField,
            "end_time": ClockField,
        }
        widgets = {
            "held_on": _date_widget(**{"aria-describedby": "held_on_wareki"}),
            "published_on": _date_widget(),
            "start_time": _clock_widget(),
            "end_time": _clock_widget(),
            "lead": forms.Textarea(attrs={"rows": 2}),
            "unstructured_text": forms.Textarea(attrs={"rows": 3}),
            "location": forms.TextInput(attrs={"list": "venue-list"}),
        }
        error_messages = {
            "held_on": {"required": "開催日を入力してください。"},
            "meeting_type": {"required": "会議種別を選んでください。"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        meeting_type = self.fields["meeting_type"]
        assert isinstance(meeting_type, forms.ModelChoiceField)  # a ForeignKey's
        meeting_type.queryset = MeetingType.objects.order_by("tier", "name")
        meeting_type.empty_label = None
        self.fields["start_time"].required = True
        self.fields["start_time"].error_messages["required"] = (
            "開始時刻を入力してください。"
        )
        self.fields["location"].help_text = "書面開催なら空欄にできます。"
        attendee_tail = self.fields["attendee_tail"]
        assert isinstance(attendee_tail, forms.CharField)
        attendee_tail.strip = False  # see clean_attendee_tail
        # Hints under the fields instead of placeholders (docs/glossary.md).
        for name in ("held_on", "published_on"):
            self.fields[name].help_text = "例:令和4年6月20日、R4.6.20、2022-06-20"
        for name in ("start_time", "end_time"):
            self.fields[name].help_text = "例:17:30"
        for name in ("lead", "unstructured_text"):
            cap = limits.limit(name)
            text_field = self.fields[name]
            assert isinstance(text_field, forms.CharField)
            text_field.max_length = cap
            text_field.validators.append(
                validators.MaxLengthValidator(
                    cap, message=f"{cap:,}字までにしてください(%(show_value)s字)。"
                )
            )

    def clean_attendee_tail(self) -> str:
        """「ほか 計21名」: a space typed before 計 is kept (one, at the end)."""
        value = self.cleaned_data.get("attendee_tail") or ""
        tail = value.strip()
        return f"{tail} " if tail and value != value.rstrip() else tail

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("mode") != Meeting.Mode.WRITTEN and not cleaned.get("location"):
            self.add_error("location", "場所を入力してください(書面開催なら不要)。")
        return cleaned


_ROW_CSS: dict[type[forms.Widget], str] = {
    forms.CheckboxInput: "form-check-input",
    forms.Select: "form-select form-select-sm",
    forms.HiddenInput: "",
}


class RowForm(JapaneseMessagesMixin, forms.Form):
    """A compact row: Bootstrap classes on widgets, errors tied to their input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field_ in self.fields.values():
            widget = field_.widget
            css = _ROW_CSS.get(type(widget), "form-control form-control-sm")
            if css:
                widget.attrs["class"] = css
        for name, field_ in self.fields.items():
            if field_.help_text:  # _field.html shows it under the input
                field_.widget.attrs["aria-describedby"] = (
                    f"{self[name].auto_id}_helptext"
                )

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"
                described = f"{self[name].auto_id}_error"
                if self.fields[name].help_text:
                    described += f" {self[name].auto_id}_helptext"
                attrs["aria-describedby"] = described


class AttendeeRowForm(RowForm):
    role = forms.CharField(label="職名", max_length=200, required=False)
    is_remote = forms.BooleanField(label="テレビ会議等", required=False)
    is_outside = forms.BooleanField(label="外部機関", required=False)


MARKER_WIDGET = forms.TextInput(attrs={"list": "marker-list", "size": 3})


class AgendaRowForm(RowForm):
    marker = forms.CharField(
        label="記号", max_length=10, required=False, widget=MARKER_WIDGET
    )
    text = forms.CharField(label="議題", max_length=500, required=False)


class SectionRowForm(RowForm):
    kind = forms.ChoiceField(
        label="種別", choices=Section.Kind.choices, initial=Section.Kind.EXPLANATION
    )
    speaker = forms.CharField(
        label="発言者",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "org-list", "autocomplete": "off"}),
    )
    recipients = forms.CharField(label="指示先", max_length=200, required=False)
    topic = forms.CharField(label="話題", max_length=300, required=False)
    topic_heading = forms.BooleanField(label="話題を見出しにする", required=False)
    marker = forms.ChoiceField(
        label="見出しの記号",
        choices=markers.HEADING_MARKER_CHOICES,
        initial=markers.DEFAULT_HEADING_MARKER,
        required=False,
    )
    heading = forms.CharField(
        label="見出し(そのまま)",
        max_length=300,
        required=False,
        help_text="書いた文をそのまま見出しにします(発言者・話題からは作りません)。"
        "記号は「見出しの記号」で選びます。ふだんは空欄のままにします。",
    )
    agenda = forms.CharField(label="議題", required=False)
    group = forms.ChoiceField(
        label="区分",
        choices=Section.Group.choices,
        initial=Section.Group.MAIN,
        help_text="本体:協議の本文。その他報告事項:末尾の「(その他報告事項)」の下に載せます。",
    )
    withheld_reason = forms.ChoiceField(
        label="公開・非公開", choices=reason_choices, required=False
    )
    withheld_note = forms.CharField(
        label="非公開のメモ(職員のみ)", max_length=1000, required=False
    )
    withheld_hide_heading = forms.BooleanField(
        label="見出しも非公開にする", required=False
    )


class ItemRowForm(RowForm):
    marker = forms.CharField(
        label="記号", max_length=10, required=False, widget=MARKER_WIDGET
    )
    text = forms.CharField(
        label="本文", required=False, widget=forms.Textarea(attrs={"rows": 1})
    )
    depth = forms.IntegerField(
        min_value=0, max_value=MAX_DEPTH, required=False, widget=forms.HiddenInput
    )
    is_heading = forms.BooleanField(label="小見出し", required=False)
    withheld_reason = forms.ChoiceField(
        label="公開・非公開(下位の項目も含む)", choices=reason_choices, required=False
    )
    withheld_note = forms.CharField(
        label="非公開のメモ(職員のみ)", max_length=1000, required=False
    )


class AttachmentRowForm(RowForm):
    label = forms.CharField(label="表示名", max_length=200, required=False)
    kind = forms.ChoiceField(label="種別", choices=Attachment.Kind.choices)
    remove = forms.BooleanField(label="削除", required=False)


class UploadRowForm(RowForm):
    file = forms.FileField(
        label="PDFファイル",
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    label = forms.CharField(label="表示名", max_length=200, required=False)
    kind = forms.ChoiceField(
        label="種別", choices=Attachment.Kind.choices, initial=Attachment.Kind.MATERIAL
    )
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, pending: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pending = pending or {}  # token -> original file name, from the session

    def clean_file(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("file")
        if upload:
            check_pdf_upload(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        token = cleaned.get("token") or ""
        if token and token not in self.pending:
            cleaned["token"] = ""  # not ours, or already used: ignore it
        elif token and not default_storage.exists(f"pending/{token}.pdf"):
            # Removed by clean_pending_uploads after a day: ask for the file again.
            cleaned["token"] = ""
            self.add_error(
                "file",
                f"一時保存していた「{self.pending[token]}」は保存期限が過ぎたため"
                "削除されました。もう一度ファイルを選んでください。",
            )
        if (cleaned.get("file") or cleaned.get("token")) and not cleaned.get("label"):
            name = (
                cleaned["file"].name
                if cleaned.get("file")
                else self.pending.get(cleaned["token"], "")
            )
            cleaned["label"] = re.sub(r"\.pdf$", "", name, flags=re.IGNORECASE)
        return cleaned


def check_pdf_upload(upload: UploadedFile) -> None:
    """Raise ``ValidationError`` unless the upload is a PDF (by content) within the limit."""
    limit = settings.ATTACHMENT_MAX_BYTES
    size = upload.size or 0  # None only for a file object Django did not receive
    if size > limit:
        raise forms.ValidationError(
            f"ファイルが大きすぎます({files.format_file_size(size)})。"
            f"{files.format_file_size(limit)}以下のPDFにしてください。"
        )
    content = _read(upload)
    if not is_pdf(content):
        raise forms.ValidationError(
            "PDFファイルではありません。ファイル名ではなく中身で確認しています。"
            "PDFとして保存したファイルを選んでください。"
        )
    problem = uploads.pdf_problem(content)
    if problem:
        raise forms.ValidationError(problem)


def _read(upload: UploadedFile) -> bytes:
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    return content


def is_pdf(content: bytes) -> bool:
    """A PDF starts with %PDF- (within the first KB) and parses as one."""
    if b"%PDF-" not in content[:1024]:
        return False
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(io.BytesIO(content)).pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return False


# The importer: one pasted public page.
MAX_TEXT_CHARS = 300_000


class ImportForm(forms.Form):
    text = forms.CharField(
        label="公開ページの本文(テキストまたはHTML)",
        max_length=MAX_TEXT_CHARS,
        strip=False,
        widget=forms.Textarea,
        error_messages={
            "required": "公開ページの本文を貼り付けてください。",
            "max_length": "本文が長すぎます(%(limit_value)s文字まで)。"
            "1ページ分ずつ貼り付けてください。",
        },
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise forms.ValidationError("公開ページの本文を貼り付けてください。")
        return text


class FiscalYearExportForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int, choices=())
    include_unpublished = forms.BooleanField(
        label="未公開(下書き・承認待ち)の会議も「案」として含める", required=False
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fiscal_year = self.fields["fiscal_year"]
        assert isinstance(fiscal_year, forms.TypedChoiceField)
        fiscal_year.choices = [
            (year, f"{wareki.format_fiscal_year(year)}({year}年度)") for year in years
        ]


class ReturnForm(JapaneseMessagesMixin, forms.Form):
    comment = forms.CharField(
        label="差戻しの理由",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": "差戻しの理由を入力してください。"},
    )


class WithdrawForm(JapaneseMessagesMixin, forms.Form):
    """Withdrawing takes the page off the public site: a reason and a confirmation."""

    comment = forms.CharField(
        label="取下げの理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text="履歴に残ります(公開ページには表示されません)。",
        error_messages={"required": "取下げの理由を入力してください(履歴に残ります)。"},
    )
    confirm = forms.BooleanField(
        label="取り下げると、公開ページとPDFが県民から見えなくなることを確認しました",
        error_messages={
            "required": "取り下げる前に、確認の欄にチェックを入れてください。"
        },
    )


class PublishForm(JapaneseMessagesMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    correction_note = forms.CharField(
        label="訂正内容(訂正して再公開する場合)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


# ---------------------------------------------------------------------------
# The editor's state
# ---------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    form: forms.Form
    # Uploads only: a valid file kept on the server while the page is shown again.
    token: str = ""
    pending_name: str = ""


@dataclass
class SectionRow(Row):
    items: list[Row] = field(default_factory=list)
    # Rows of other apps that point at this stored section or its items: the page
    # asks before removing it.
    references: int = 0


@dataclass
class FileRow(Row):
    attachment: Attachment | None = None


@dataclass
class Editor:
    """Everything the editor page shows; built from a meeting or from a POST."""

    header: MeetingHeaderForm
    attendees: list[Row]
    agenda: list[Row]
    sections: list[SectionRow]
    files: list[FileRow]
    uploads: list[Row]
    version: int | None
    paste_attendees: str = ""
    focus: str = ""  # id of the field to focus after a no-JS operation

    # -- building ----------------------------------------------------------

    @classmethod
    def from_values(
        cls,
        *,
        header: dict[str, Any],
        instance: Meeting | None,
        attendees: list[dict[str, Any]],
        agenda: list[dict[str, Any]],
        sections: list[dict[str, Any]],
        files: list[dict[str, Any]],
        uploads: list[dict[str, Any]],
        version: int | None,
        attachments: dict[int, Attachment],
        pending: dict[str, str],
        paste_attendees: str = "",
    ) -> Editor:
        """Unbound forms whose initial values are what was typed (no errors shown)."""
        return cls(
            header=MeetingHeaderForm(instance=instance, initial=header),
            attendees=[_row(AttendeeRowForm, "a", r) for r in attendees],
            agenda=[_row(AgendaRowForm, "g", r) for r in agenda],
            sections=[
                SectionRow(
                    key=s["key"],
                    form=SectionRowForm(prefix=f"s-{s['key']}", initial=s),
                    items=[_row(ItemRowForm, "i", i) for i in s.get("items") or []],
                )
                for s in sections
            ],
            files=[
                FileRow(
                    key=str(f["key"]),
                    form=AttachmentRowForm(prefix=f"f-{f['key']}", initial=f),
                    attachment=attachments.get(int(f["key"])),
                )
                for f in files
                if int(f["key"]) in attachments
            ],
            uploads=[
                Row(
                    key=u["key"],
                    form=UploadRowForm(
                        prefix=f"n-{u['key']}", initial=u, pending=pending
                    ),
                    token=u.get("token") or "",
                    pending_name=pending.get(u.get("token") or "", ""),
                )
                for u in uploads
            ],
            version=version,
            paste_attendees=paste_attendees,
        )

    @classmethod
    def for_meeting(cls, meeting: Meeting) -> Editor:
        """The meeting's rows (fetched with ``with_parts()``), each keyed by its id."""
        attachments = {a.pk: a for a in meeting.attachments.all() if not a.is_generated}
        agenda_keys = {a.pk: stored_key(a.pk) for a in meeting.agenda_items.all()}
        return cls.from_values(
            header={},
            instance=meeting,
            attendees=[
                {
                    "key": stored_key(a.pk),
                    "role": a.role,
                    "is_remote": a.is_remote,
                    "is_outside": a.is_outside,
                }
                for a in meeting.attendees.all()
            ],
            agenda=[
                {"key": stored_key(a.pk), "marker": a.marker, "text": a.text}
                for a in meeting.agenda_items.all()
            ],
            sections=[
                {
                    "key": stored_key(s.pk),
                    **{
                        k: getattr(s, k) or ""
                        for k in SectionRowForm.base_fields
                        if k not in ("agenda", *WITHHELD_ROW_FIELDS)
                    },
                    **withheld_row_values(s),
                    "topic_heading": s.topic_heading,
                    "agenda": agenda_keys.get(s.agenda_item_id, "")
                    if s.agenda_item_id
                    else "",
                    "items": _stored_items(list(s.items.all())),
                }
                for s in meeting.sections.all()
            ],
            files=[
                {"key": a.pk, "label": a.label, "kind": a.kind}
                for a in attachments.values()
            ],
            uploads=[],
            version=meeting.version,
            attachments=attachments,
            pending={},
        )

    @classmethod
    def for_new(cls, meeting_type: MeetingType, *, today: date) -> Editor:
        """A new meeting, prefilled from its type and the previous meeting of that type."""
        previous = (
            Meeting.objects.filter(meeting_type=meeting_type)
            .prefetch_related("attendees")
            .order_by("-held_on", "-id")
            .first()
        )
        header: dict[str, Any] = {
            "meeting_type": meeting_type.pk,
            "held_on": today,
            "published_on": today,
            "lead": meeting_type.lead_for(),
            "location": meeting_type.default_venue.name
            if meeting_type.default_venue
            else "",
            "contact_section": meeting_type.default_contact_section,
            "contact_phone": meeting_type.default_contact_phone,
            "contact_fax": meeting_type.default_contact_fax,
            "contact_email": meeting_type.default_contact_email,
            # Generated text (headings, attendee list) joins with 「、」.
            "separator": "、",
        }
        # Attendees start empty: the previous meeting's list is offered as a button
        # (``previous_attendees``), never copied unasked (issue 14).
        attendees: list[dict[str, Any]] = [{"key": new_key()}]
        if previous is not None:
            header.update(
                location=previous.location or header["location"],
                mode=previous.mode,
                separator=previous.separator,
                attendee_tail=previous.attendee_tail,
                attendee_unit=previous.attendee_unit,
                contact_section=previous.contact_section,
                contact_phone=previous.contact_phone,
                contact_fax=previous.contact_fax,
                contact_email=previous.contact_email,
                contact_note=previous.contact_note,
            )
        return cls.from_values(
            header=header,
            instance=None,
            attendees=attendees,
            agenda=[{"key": new_key()}],
            sections=[blank_section()],
            files=[],
            uploads=[{"key": new_key()}],
            version=None,
            attachments={},
            pending={},
        )

    @classmethod
    def from_post(
        cls,
        post: QueryDict,
        files: Any,
        *,
        instance: Meeting | None,
        attachments: dict[int, Attachment],
        pending: dict[str, str],
    ) -> Editor:
        """Bound forms, for validation and saving."""

        def keys(name: str) -> list[str]:
            return [k for k in post.getlist(name) if KEY_RE.match(k)][:MAX_ROWS]

        sections = []
        for key in keys("sections"):
            sections.append(
                SectionRow(
                    key=key,
                    form=SectionRowForm(post, prefix=f"s-{key}"),
                    items=[
                        Row(k, ItemRowForm(post, prefix=f"i-{k}"))
                        for k in keys(f"s-{key}-items")
                    ],
                )
            )
        return cls(
            header=MeetingHeaderForm(post, instance=instance),
            attendees=[
                Row(k, AttendeeRowForm(post, prefix=f"a-{k}"))
                for k in keys("attendees")
            ],
            agenda=[
                Row(k, AgendaRowForm(post, prefix=f"g-{k}")) for k in keys("agenda")
            ],
            sections=sections,
            files=[
                FileRow(
                    k,
                    AttachmentRowForm(post, prefix=f"f-{k}"),
                    attachment=attachments[int(k)],
                )
                for k in keys("files")
                if k.isdigit() and int(k) in attachments
            ],
            uploads=[
                Row(k, UploadRowForm(post, files, prefix=f"n-{k}", pending=pending))
                for k in keys("uploads")
            ],
            version=_int(post.get("version")),
            paste_attendees=post.get("paste_attendees", ""),
        )

    # -- typed values ------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What was typed, as plain values (bound or not), with pasted text split."""
        header = {name: self.header[name].value() for name in HEADER_FIELDS}
        attendees = [_raw(r) for r in self.attendees]
        sections = []
        for s in self.sections:
            raw = _raw(s)
            items: list[dict[str, Any]] = []
            for item in s.items:
                values = _raw(item)
                values["depth"] = _int(values.get("depth")) or 0
                text = str(values.get("text") or "")
                if "\n" in text.strip():
                    pieces = [
                        {**piece, **_withheld_values(values)}
                        for piece in split_pasted_items(
                            text,
                            depth=values["depth"],
                            marker=values.get("marker") or "",
                        )
                    ]
                    if (
                        pieces
                    ):  # the first line stays this row (a stored one keeps its id)
                        pieces[0]["key"] = item.key
                    items.extend(pieces)
                else:
                    found, body = split_marker(text)
                    if found is not None:
                        values["marker"], values["text"] = found, body
                    items.append(values)
            raw["items"] = items
            sections.append(raw)
        return {
            "header": header,
            "attendees": attendees,
            "agenda": [_raw(r) for r in self.agenda],
            "sections": sections,
            "files": [_raw(r) for r in self.files],
            "uploads": [_raw(r) for r in self.uploads],
            "version": self.version,
            "paste_attendees": self.paste_attendees,
        }

    # -- validation --------------------------------------------------------

    def is_valid(self) -> bool:
        """Validate every form, then the rules across rows (all errors at once)."""
        for form in self._forms():
            form.is_valid()
        listed = sum(
            1 for r in self.attendees if (r.form.cleaned_data.get("role") or "").strip()
        )
        header = getattr(self.header, "cleaned_data", {})
        problem = attendee_total_problem(
            header.get("attendee_total"), listed, header.get("attendee_unit") or ""
        )
        if problem:
            self.header.add_error("attendee_total", problem)
        for s in self.sections:
            data = s.form.cleaned_data
            has_items = any(
                (i.form.cleaned_data.get("text") or "").strip() for i in s.items
            )
            named = (data.get("speaker") or "").strip() or (
                data.get("heading") or ""
            ).strip()
            if has_items and not named and not (data.get("topic") or "").strip():
                s.form.add_error("speaker", "発言者(または見出し)を入力してください。")
            if data.get("kind") == Section.Kind.DIRECTIVE and not named:
                s.form.add_error("speaker", "指示した人(職名)を入力してください。")
        self._check_limits()
        return not self.has_errors()

    def _check_limits(self) -> None:
        """Sane maximum lengths (meetings.limits), each message next to its field."""
        sections: list[limits.LimitedSection] = []
        for s in self.sections:
            data = getattr(s.form, "cleaned_data", {})
            items: list[limits.LimitedItem] = []
            last = None
            for row in s.items:
                pieces = _row_pieces(row.form)
                longest = max((len(p["text"]) for p in pieces), default=0)
                if longest > limits.limit("item_text"):
                    row.form.add_error("text", limits.item_message(longest))
                if pieces:
                    last = row
                items.extend({"text": p["text"]} for p in pieces)
            section: limits.LimitedSection = {
                "speaker": data.get("speaker") or "",
                "recipients": data.get("recipients") or "",
                "topic": data.get("topic") or "",
                "heading": data.get("heading") or "",
                "items": items,
            }
            length = limits.section_text_length(section)
            if length > limits.limit("section_text") and last is not None:
                last.form.add_error("text", limits.section_message(length))
            sections.append(section)
        header = getattr(self.header, "cleaned_data", {})
        typed: limits.LimitedMeeting = {
            "title_override": header.get("title_override") or "",
            "lead": header.get("lead") or "",
            "location": header.get("location") or "",
            "attendee_tail": header.get("attendee_tail") or "",
            "unstructured_text": header.get("unstructured_text") or "",
            "attendees": _typed(self.attendees, "role"),
            "agenda": _typed(self.agenda, "text"),
            "sections": sections,
        }
        for problem in limits.count_problems(typed):
            self.header.add_error(None, problem)
        total = limits.total_problem(typed)
        if total:
            self.header.add_error(None, total)

    def _forms(self) -> list[forms.BaseForm]:
        return [
            self.header,
            *(r.form for r in self.attendees),
            *(r.form for r in self.agenda),
            *(r.form for r in self.sections),
            *(i.form for s in self.sections for i in s.items),
            *(r.form for r in self.files),
            *(r.form for r in self.uploads),
        ]

    def has_errors(self) -> bool:
        return any(f.is_bound and f.errors for f in self._forms())

    def _places(self) -> list[tuple[str, forms.BaseForm]]:
        """Each form with where it sits on the page, as the error summary names it."""
        places: list[tuple[str, forms.BaseForm]] = [("", self.header)]
        places += [
            (f"出席者の{n}行目", r.form) for n, r in enumerate(self.attendees, 1)
        ]
        places += [(f"協議概要の{n}行目", r.form) for n, r in enumerate(self.agenda, 1)]
        for n, s in enumerate(self.sections, 1):
            places.append((f"{n}番目の説明・報告・指示", s.form))
            places += [
                (f"{n}番目の説明・報告・指示の{m}行目", i.form)
                for m, i in enumerate(s.items, 1)
            ]
        places += [(f"会議資料の{n}行目", r.form) for n, r in enumerate(self.files, 1)]
        places += [
            (f"追加する会議資料の{n}行目", r.form)
            for n, r in enumerate(self.uploads, 1)
        ]
        return places

    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) for the summary at the top of the page: where, which
        field (once: not when the message already names it), what to do."""
        found: list[tuple[str, str]] = []
        for place, form in self._places():
            if not form.is_bound:
                continue
            for name, errors in form.errors.items():
                target = form[name].auto_id if name in form.fields else ""
                label = (
                    str(form.fields[name].label or "") if name in form.fields else ""
                )
                for error in errors:
                    message = str(error)  # ErrorList yields the messages' text
                    where = "・".join(
                        part for part in (place, label) if part and part not in message
                    )
                    found.append((target, f"{where}:{message}" if where else message))
        return found

    def layout_data(self) -> layout.PartsData:
        """The parts as the layout dict that ``services.meeting_parts_sync`` takes:
        a stored row carries its ``id`` (the agenda's in ``agenda_ids``)."""
        agenda_rows = [r for r in self.agenda if r.form.cleaned_data["text"].strip()]
        agenda_index = {r.key: n for n, r in enumerate(agenda_rows)}
        sections = []
        for s in self.sections:
            data = s.form.cleaned_data
            flat = []
            for item in s.items:
                text = item.form.cleaned_data["text"]
                if not text.strip():
                    continue
                marker = item.form.cleaned_data["marker"]
                pieces = (
                    split_pasted_items(
                        text, depth=item.form.cleaned_data["depth"] or 0, marker=marker
                    )
                    if "\n" in text.strip()
                    else [_with_marker(text, marker, item.form.cleaned_data["depth"])]
                )
                pieces = [
                    {**piece, **_withheld_values(item.form.cleaned_data)}
                    for piece in pieces
                ]
                if pieces:  # the first line stays this row (a stored one keeps its id)
                    pieces[0]["id"] = stored_pk(item.key)
                    pieces[0]["is_heading"] = item.form.cleaned_data.get("is_heading")
                flat.extend(pieces)
            if not (flat or data["speaker"].strip() or data["heading"].strip()):
                continue  # an untouched empty section
            marker, heading = split_heading_marker(
                data["heading"].strip(), data.get("marker")
            )
            sections.append(
                {
                    "id": stored_pk(s.key),
                    "kind": data["kind"],
                    "speaker": data["speaker"].strip(),
                    "recipients": data["recipients"].strip(),
                    "topic": data["topic"].strip(),
                    "topic_heading": data["topic_heading"],
                    "heading": heading,
                    "marker": marker,
                    "group": data["group"],
                    "agenda_index": agenda_index.get(data["agenda"]),
                    "items": items_to_tree(flat),
                    **withheld_from_row(data),
                }
            )
        parts = {
            "attendee_details": [
                {
                    "id": stored_pk(r.key),
                    "role": r.form.cleaned_data["role"].strip(),
                    "remote": r.form.cleaned_data["is_remote"],
                    "outside": r.form.cleaned_data["is_outside"],
                }
                for r in self.attendees
                if r.form.cleaned_data["role"].strip()
            ],
            "agenda": [r.form.cleaned_data["text"].strip() for r in agenda_rows],
            "agenda_markers": [
                r.form.cleaned_data["marker"].strip() for r in agenda_rows
            ],
            "agenda_ids": [stored_pk(r.key) for r in agenda_rows],
            "sections": sections,
        }
        return cast(layout.PartsData, parts)  # rows from cleaned_data (Any values)

    def typed_data(self) -> layout.MeetingData:
        """The typed meeting as layout data (after ``is_valid``), for showing it."""
        # The editor's parts (with row ids, without the importer's warnings): the
        # layout reads what may be missing with .get().
        return cast(
            layout.MeetingData,
            {
                **layout.header_data(self.header.instance),
                **self.layout_data(),
                "attachments": [],
            },
        )


def _typed(rows: list[Row], name: str) -> list[str]:
    """The non-blank values typed in one field of each row (after validation)."""
    values = (getattr(r.form, "cleaned_data", {}).get(name) or "" for r in rows)
    return [v for v in values if v.strip()]


def _row_pieces(form: forms.Form) -> list[dict[str, Any]]:
    """The items an item row becomes (pasted lines make several), as layout_data."""
    data = getattr(form, "cleaned_data", {})
    text = data.get("text") or ""
    if not text.strip():
        return []
    marker = data.get("marker") or ""
    if "\n" in text.strip():
        return split_pasted_items(text, depth=data.get("depth") or 0, marker=marker)
    return [_with_marker(text, marker, data.get("depth"))]


def _with_marker(text: str, marker: str, depth: int | None) -> dict[str, Any]:
    found, body = split_marker(text)
    return {
        "marker": found if found is not None else marker.strip(),
        "text": body,
        "depth": depth or 0,
    }


def blank_rows(*, chair: str) -> dict[str, Row]:
    """Empty rows for the page's <template> elements (JavaScript clones them)."""
    item = Row("__IKEY__", ItemRowForm(prefix="i-__IKEY__", initial={"marker": "・"}))
    return {
        "a": Row("__KEY__", AttendeeRowForm(prefix="a-__KEY__")),
        "g": Row("__KEY__", AgendaRowForm(prefix="g-__KEY__")),
        "i": Row("__KEY__", ItemRowForm(prefix="i-__KEY__", initial={"marker": "・"})),
        "n": Row("__KEY__", UploadRowForm(prefix="n-__KEY__")),
        "s": SectionRow("__KEY__", SectionRowForm(prefix="s-__KEY__"), items=[item]),
        "directive": SectionRow(
            "__KEY__",
            SectionRowForm(
                prefix="s-__KEY__",
                initial={"kind": "directive", "speaker": chair, "recipients": "各部局"},
            ),
            items=[item],
        ),
    }


def blank_section(kind: str = Section.Kind.EXPLANATION, **values: Any) -> dict:
    return {
        "key": new_key(),
        "kind": kind,
        "marker": markers.DEFAULT_HEADING_MARKER,
        "group": Section.Group.MAIN,
        **values,
        "items": [{"key": new_key(), "marker": "・", "depth": 0}],
    }


def _row(form_class: type[forms.Form], letter: str, values: dict[str, Any]) -> Row:
    return Row(
        key=values["key"],
        form=form_class(prefix=f"{letter}-{values['key']}", initial=values),
    )


def _raw(row: Row) -> dict[str, Any]:
    values = {name: row.form[name].value() for name in row.form.fields}
    values["key"] = row.key
    return values


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------
# No-JavaScript operations: applied to the typed values, then the page is shown again
# ---------------------------------------------------------------------------

LISTS = {"a": "attendees", "g": "agenda", "s": "sections", "n": "uploads"}


def apply_op(values: dict[str, Any], op: str, *, chair: str = "") -> str:
    """Apply one editor operation to typed values; returns the id to focus next."""
    parts = op.split(":")
    action, kind, key = (parts + ["", "", ""])[:3]
    if kind == "i":
        return _item_op(values, action, key)
    if kind not in LISTS:
        return ""
    rows = values[LISTS[kind]]
    index = next((n for n, r in enumerate(rows) if r["key"] == key), None)
    if action == "add":
        row: dict[str, Any] = {"key": new_key()}
        if kind == "s":
            row = (
                blank_section(
                    Section.Kind.DIRECTIVE, speaker=chair, recipients="各部局"
                )
                if key == "directive"
                else blank_section()
            )
        at = len(rows) if index is None else index + 1
        rows.insert(at, row)
        return _focus_id(kind, row["key"])
    if index is None:
        return ""
    if action == "remove":
        rows.pop(index)
        # The focus goes to the row that took its place, else the one before it,
        # else the list's add button (never nowhere).
        if rows:
            return _focus_id(kind, rows[min(index, len(rows) - 1)]["key"])
        return f"add-{kind}"
    if action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
        return _focus_id(kind, key)
    return ""


def _item_op(values: dict[str, Any], action: str, key: str) -> str:
    # append:i:<section>: a new last item of the section. A section's and an item's
    # stored keys can be equal (p1 and p1): "add" names an item when one has the key,
    # else a section (as before "append" existed).
    is_item = any(r["key"] == key for s in values["sections"] for r in s["items"])
    if action == "append" or (action == "add" and not is_item):
        for section in values["sections"]:
            if section["key"] == key:
                row: dict[str, Any] = {"key": new_key(), "marker": "・", "depth": 0}
                section["items"].append(row)
                return _focus_id("i", row["key"])
        return ""
    for section in values["sections"]:
        items = section["items"]
        index = next((n for n, r in enumerate(items) if r["key"] == key), None)
        if index is None:
            continue
        item = items[index]
        if action == "add":  # a new item after this one
            row = {"key": new_key(), **following_item(item)}
            items.insert(index + 1, row)
            return _focus_id("i", row["key"])
        if action == "remove":
            items.pop(index)
            if not items:
                return f"add-i-{section['key']}"
            return _focus_id("i", items[min(index, len(items) - 1)]["key"])
        elif action == "indent":
            previous = items[index - 1]["depth"] if index else -1
            item["depth"] = min((item.get("depth") or 0) + 1, previous + 1, MAX_DEPTH)
        elif action == "outdent":
            item["depth"] = max((item.get("depth") or 0) - 1, 0)
        elif action in ("up", "down"):
            other = index - 1 if action == "up" else index + 1
            if 0 <= other < len(items):
                items[index], items[other] = items[other], items[index]
        return _focus_id("i", key)
    return ""


def previous_meeting(meeting_type: MeetingType) -> Meeting | None:
    """The previous meeting of a type (its attendees are offered to a new one)."""
    return (
        Meeting.objects.filter(meeting_type=meeting_type)
        .prefetch_related("attendees")
        .order_by("-held_on", "-id")
        .first()
    )


def previous_attendees(meeting_type: MeetingType) -> list[dict[str, Any]]:
    previous = previous_meeting(meeting_type)
    if previous is None:
        return []
    return [
        {"role": a.role, "is_remote": a.is_remote, "is_outside": a.is_outside}
        for a in previous.attendees.all()
    ]


def copy_previous_attendees(values: dict[str, Any], meeting_type: MeetingType) -> str:
    """The explicit choice 「前回の出席者を入力」: they replace the typed rows."""
    rows = [{"key": new_key(), **row} for row in previous_attendees(meeting_type)]
    if not rows:
        return ""
    values["attendees"] = rows
    return _focus_id("a", rows[-1]["key"])


def following_item(item: dict[str, Any]) -> dict[str, Any]:
    """Marker and depth of the row Enter adds after ``item``: under a sub-heading its
    first item (・, one level in); after (1) the next number (2); else the same mark."""
    depth = _int(item.get("depth")) or 0
    if item.get("is_heading") in (True, "on", "true", "1"):
        return {"marker": "・", "depth": min(depth + 1, MAX_DEPTH)}
    marker = str(item.get("marker") or "").strip() or "・"
    return {"marker": markers.next_marker(marker), "depth": depth}


def paste_attendees(values: dict[str, Any], *, replace: bool = False) -> str:
    """Pasted positions become rows: appended, or (``replace``) instead of the list."""
    rows, tail = split_attendees(values.get("paste_attendees") or "")
    kept = (
        []
        if replace and rows
        else [r for r in values["attendees"] if str(r.get("role") or "").strip()]
    )
    values["attendees"] = kept + rows
    values["header"].update(tail)
    values["paste_attendees"] = ""
    return _focus_id("a", rows[-1]["key"]) if rows else ""


def _focus_id(kind: str, key: str) -> str:
    field_name = {"a": "role", "g": "text", "s": "speaker", "i": "text", "n": "file"}
    return f"id_{kind}-{key}-{field_name[kind]}"
