"""Forms of contribution requests.

The department writes in the meeting editor's own rows: ``SectionsEditor`` is the
editor (``meetings.forms.Editor``) with its sections only, so the section and item
forms, pasting, nesting, the no-JavaScript operations and ``static/js/editor.js``
are the editor's.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Self, cast

from django import forms
from django.http import QueryDict
from django.utils import timezone

from meetings import forms as editor_forms
from meetings import markers
from meetings.form_messages import JapaneseMessagesMixin
from meetings.models import Meeting, Organisation, Section


class RequestForm(JapaneseMessagesMixin, forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label="依頼先の部署",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    due_date = editor_forms.JapaneseDateField(
        label="提出期限(日付)",
        widget=editor_forms._date_widget(),
        help_text="例:令和4年6月20日、R4.6.20、2022-06-20",
    )
    due_time = editor_forms.ClockField(
        label="提出期限(時刻)",
        widget=editor_forms._clock_widget(),
        help_text="例:15:00",
    )
    kind = forms.ChoiceField(
        label="種別",
        choices=[
            (k, label)
            for k, label in Section.Kind.choices
            if k != Section.Kind.DIRECTIVE
        ],
        initial=Section.Kind.EXPLANATION,
    )
    topic = forms.CharField(
        label="話題(ひな形)",
        max_length=300,
        required=False,
        help_text="各部署の原稿の話題にあらかじめ入ります。発言者には部署名が入ります。",
    )
    note = forms.CharField(
        label="依頼の内容",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        asked = meeting.contribution_requests.values_list("organisation_id", flat=True)
        organisations = cast(
            forms.ModelMultipleChoiceField, self.fields["organisations"]
        )
        organisations.queryset = (
            Organisation.objects.filter(
                kind__in=[
                    Organisation.Kind.DIVISION,
                    Organisation.Kind.DEPARTMENT,
                    Organisation.Kind.OUTSIDE,
                ],
                members__isnull=False,
            )
            .exclude(pk__in=asked)
            .distinct()
            .order_by("name")
        )
        for name, field in self.fields.items():
            if name != "organisations":
                css = "form-select" if name == "kind" else "form-control"
                field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("due_date") and cleaned.get("due_time"):
            if self.due_at() <= timezone.now():
                self.add_error(
                    "due_date",
                    "提出期限が過ぎた日時になっています。これから先の日時を入力してください。",
                )
        return cleaned

    def due_at(self) -> datetime:
        day, clock = self.cleaned_data["due_date"], self.cleaned_data["due_time"]
        return timezone.make_aware(datetime.combine(day, clock))


class AcceptForm(JapaneseMessagesMixin, forms.Form):
    """Where the contribution goes among the meeting's sections."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    position = forms.TypedChoiceField(
        label="入れる位置", coerce=int, choices=(), widget=forms.Select
    )

    def __init__(
        self, *args: Any, meeting: Meeting, default: int, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("position", default)
        kwargs["initial"].setdefault("version", meeting.version)
        super().__init__(*args, **kwargs)
        from meetings import layout

        sections = list(meeting.sections.all())
        separator = meeting.separator
        choices: list[tuple[int, str]] = []
        for n, section in enumerate(sections, start=1):
            heading = layout.section_heading(
                {
                    "kind": section.kind,
                    "speaker": section.speaker,
                    "recipients": section.recipients,
                    "topic": section.topic,
                    "topic_heading": section.topic_heading,
                    "heading": section.heading,
                },
                separator,
            )
            if n == 1:
                choices.append((0, f"いちばん前(「■{heading}」の前)"))
            choices.append((n, f"「■{heading}」の後"))
        if not choices:
            choices.append((0, "いちばん前"))
        cast(forms.ChoiceField, self.fields["position"]).choices = choices
        self.fields["position"].widget.attrs["class"] = "form-select form-select-sm"


class ReturnForm(JapaneseMessagesMixin, forms.Form):
    comment = forms.CharField(
        label="差戻しの理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": "差戻しの理由を入力してください。"},
    )


# ---------------------------------------------------------------------------
# The department's sections in the editor's rows
# ---------------------------------------------------------------------------


class _NoHeader(editor_forms.MeetingHeaderForm):
    """The editor's header, not shown and never bound: the page has sections only.

    Problems the editor's checks report on the header (the limits' totals) are
    kept as its errors (``SectionsEditor.error_list`` lists them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cleaned_data: dict[str, Any] = {}


@dataclasses.dataclass
class SectionsEditor(editor_forms.Editor):
    @classmethod
    def for_sections(cls, meeting: Meeting, sections: list[dict[str, Any]]) -> Self:
        """Unbound rows from layout sections (a draft, a version, the template)."""
        rows = []
        for section in sections:
            # The section row's own fields, as ``Editor.for_meeting`` fills them.
            values = {
                key: section.get(key) or ""
                for key in editor_forms.SectionRowForm.base_fields
                if key not in ("agenda", *editor_forms.WITHHELD_ROW_FIELDS)
            }
            rows.append(
                {
                    **values,
                    **editor_forms.withheld_to_row(section),
                    "key": editor_forms.new_key(),
                    "topic_heading": bool(section.get("topic_heading")),
                    # No key means the default mark (layout keeps ■ implicit);
                    # "" is a heading written without a mark.
                    "marker": section.get("marker", markers.DEFAULT_HEADING_MARKER),
                    "group": values["group"] or Section.Group.MAIN,
                    "items": editor_forms.tree_to_items(section.get("items") or [])
                    or [{"key": editor_forms.new_key(), "marker": "・", "depth": 0}],
                }
            )
        return cls.from_rows(meeting, rows)

    @classmethod
    def from_rows(cls, meeting: Meeting, sections: list[dict[str, Any]]) -> Self:
        editor = editor_forms.Editor.from_values(
            header={},
            instance=meeting,
            attendees=[],
            agenda=[],
            sections=sections,
            files=[],
            uploads=[],
            version=None,
            attachments={},
            pending={},
        )
        return cls(**{**_fields(editor), "header": _NoHeader(instance=meeting)})

    @classmethod
    def from_sections_post(cls, post: QueryDict, meeting: Meeting) -> Self:
        editor = editor_forms.Editor.from_post(
            post, {}, instance=meeting, attachments={}, pending={}
        )
        # Only the sections: whatever else a request carries is not read.
        return cls(
            **{
                **_fields(editor),
                "header": _NoHeader(instance=meeting),
                "attendees": [],
                "agenda": [],
                "files": [],
                "uploads": [],
                "version": None,
            }
        )

    def has_errors(self) -> bool:
        return super().has_errors() or bool(self.header.errors)

    def error_list(self) -> list[tuple[str, str]]:
        return [
            *(("", str(m)) for m in self.header.non_field_errors()),
            *super().error_list(),
        ]

    def sections_data(self) -> list[dict[str, Any]]:
        """The typed sections as layout data (after ``is_valid``)."""
        # As a version stores them (JSON): plain dicts.
        return cast(list[dict[str, Any]], self.layout_data()["sections"])


def _fields(editor: editor_forms.Editor) -> dict[str, Any]:
    return {f.name: getattr(editor, f.name) for f in dataclasses.fields(editor)}
