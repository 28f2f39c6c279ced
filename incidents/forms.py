"""Staff forms for incidents, alert changes and directive follow-up.

Forms only collect and check input; the writes go through ``incidents.services``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

from django import forms
from django.core import validators
from django.db.models import Model, Q, QuerySet
from django.forms.utils import from_current_timezone

from incidents.models import (
    AlertLevel,
    DirectiveAssignment,
    Incident,
)
from incidents.services import INCIDENT_FIELDS
from meetings import wareki
from meetings.form_messages import EMPTY_CHOICE, JapaneseMessagesMixin
from meetings.models import AgendaItem, Item, Meeting, Organisation, Section

M = TypeVar("M", bound=Model)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class JapaneseDateTimeField(forms.DateTimeField):
    """A date and time typed as in the meeting editor: the date as 2022-06-20, R4.6.20
    or 令和4年6月20日(月) and the time as 17:30 or 1730, separated by a space (the
    browser's mm/dd/yyyy picker is not used). One parser: ``meetings.wareki``."""

    _SPLIT = re.compile(
        r"^(?P<date>.+?)(?:[T\s\u3000]+|(?<=日)|(?<=[))]))(?P<time>[0-9\uff10-\uff19][^\s\u3000]*)$"
    )

    HELP = "例:R6.9.1 10:00、令和6年9月1日 1000、2024-09-01 10:00"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", JapaneseDateTimeInput())
        kwargs.setdefault("help_text", self.HELP)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            match = self._SPLIT.match(text)
            if not match:
                raise forms.ValidationError(
                    "日付と時刻を空白で区切って入力してください(例:R6.9.1 10:00)。",
                    code="invalid",
                )
            try:
                day = wareki.parse_date_input(match["date"])
                clock = wareki.parse_clock_input(match["time"])
            except wareki.DateInputError as error:
                raise forms.ValidationError(str(error), code="invalid") from None
            return from_current_timezone(datetime.combine(day, clock))
        return super().to_python(value)


class JapaneseDateTimeInput(forms.DateTimeInput):
    """A text input (not datetime-local), shown as 2024-09-01 10:00."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"autocomplete": "off", **(attrs or {})}, format="%Y-%m-%d %H:%M"
        )


def meeting_label(meeting: Meeting) -> str:
    drill = "【訓練】" if meeting.is_drill else ""
    status = (
        ""
        if meeting.status == Meeting.Status.PUBLISHED
        else f"[{meeting.get_status_display()}]"
    )
    return f"{drill}{wareki.format_short(meeting.held_on)} {meeting.meeting_type.name}{status}"


def section_label(section: Section) -> str:
    from incidents.timeline import section_heading

    return f"■{section_heading(section)}"


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Meeting) -> str:
        return meeting_label(obj)


class SectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Section) -> str:
        return section_label(obj)


class SectionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Section) -> str:
        return section_label(obj)


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


def organisation_label(obj: Organisation) -> str:
    """危機管理部(R4.4.1～) / 危機管理政策課(危機管理部): the same name twice (a renamed
    department, a division of another department) can be told apart."""
    details = []
    if obj.parent_id is not None and obj.parent is not None:
        details.append(obj.parent.name)
    if obj.valid_from or obj.valid_until:
        start = wareki.format_short(obj.valid_from) if obj.valid_from else ""
        end = wareki.format_short(obj.valid_until) if obj.valid_until else ""
        details.append(f"{start}～{end}")
    return f"{obj.name}({'、'.join(details)})" if details else obj.name


class DistinctOrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return organisation_label(obj)


def grouped_choices(
    objects: Iterable[M],
    group_of: Callable[[M], str],
    label_of: Callable[[M], str],
    empty_label: str | None = "(選択してください)",
) -> list[Any]:
    """Choices with <optgroup>s, keeping the objects' order."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for obj in objects:
        groups[group_of(obj)].append((obj.pk, label_of(obj)))
    choices: list[Any] = [("", empty_label)] if empty_label is not None else []
    choices += [(group, options) for group, options in groups.items()]
    return choices


# Sane maximum lengths of the free texts (they are printed in the timeline PDF).
PUBLIC_SUMMARY_MAX = 4_000
PROGRESS_NOTE_MAX = 2_000


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """``form.fields[name]``, a ModelChoiceField (or a multiple one)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def _cap(field: forms.Field, cap: int) -> None:
    assert isinstance(field, forms.CharField)
    field.max_length = cap
    field.validators.append(
        validators.MaxLengthValidator(
            cap, message=f"{cap:,}字までにしてください(%(show_value)s字)。"
        )
    )


class IncidentForm(JapaneseMessagesMixin, forms.ModelForm):
    class Meta:
        model = Incident
        fields = list(INCIDENT_FIELDS)
        field_classes = {
            "responsible_organisation": DistinctOrganisationChoiceField,
            "started_at": JapaneseDateTimeField,
            "ended_at": JapaneseDateTimeField,
        }
        widgets = {
            "started_at": JapaneseDateTimeInput(),
            "ended_at": JapaneseDateTimeInput(),
            "public_summary": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "is_drill": "訓練の事案は、一覧・年表・公開ページ・PDFに【訓練】と表示されます。",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice(self, "responsible_organisation")
        field.queryset = (
            Organisation.objects.filter(
                kind__in=[Organisation.Kind.DEPARTMENT, Organisation.Kind.DIVISION]
            )
            .select_related("parent")
            .order_by("kind", "name", "valid_from")
        )
        for name in ("started_at", "ended_at"):
            self.fields[name].help_text = JapaneseDateTimeField.HELP
        _cap(self.fields["public_summary"], PUBLIC_SUMMARY_MAX)


class MeetingLinkForm(JapaneseMessagesMixin, forms.Form):
    """Which incident a meeting concerns, and which of its agenda items and sections."""

    incident = forms.ModelChoiceField(
        label="事案",
        queryset=Incident.objects.none(),
        empty_label=EMPTY_CHOICE,
    )
    agenda_items: forms.ModelMultipleChoiceField[AgendaItem] = (
        forms.ModelMultipleChoiceField(
            label="関係する協議概要",
            queryset=None,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
    )
    sections = SectionMultipleChoiceField(
        label="関係する説明・報告・指示",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label="メモ", max_length=200, required=False)

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "incident").queryset = Incident.objects.order_by(
            "status", "-started_at"
        )
        model_choice(self, "agenda_items").queryset = meeting.agenda_items.order_by(
            "order"
        )
        model_choice(self, "sections").queryset = meeting.sections.order_by("order")


class AlertChangeForm(JapaneseMessagesMixin, forms.Form):
    level = forms.ModelChoiceField(
        label="新しい段階", queryset=AlertLevel.objects.none()
    )
    effective_at = JapaneseDateTimeField(label="発効日時")
    meeting = MeetingChoiceField(
        label="発表した会議", queryset=Meeting.objects.none(), empty_label=None
    )
    section = SectionChoiceField(
        label="発表した説明・報告",
        queryset=Section.objects.none(),
        required=False,
    )
    note = forms.CharField(label="備考", max_length=300, required=False)

    def __init__(
        self,
        *args: Any,
        incident: Incident,
        meeting: Meeting | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        levels = AlertLevel.objects.filter(scheme__is_active=True).select_related(
            "scheme"
        )
        level = model_choice(self, "level")
        level.queryset = levels
        level.choices = grouped_choices(
            levels, lambda lv: lv.scheme.name, lambda lv: lv.label
        )
        meetings = (
            Meeting.objects.filter(
                Q(incident_links__incident=incident)
                | Q(pk=meeting.pk if meeting else None)
            )
            .select_related("meeting_type")
            .distinct()
            .order_by("-held_on", "-start_time")
        )
        model_choice(self, "meeting").queryset = meetings
        sections = (
            Section.objects.filter(meeting__in=meetings.values("pk"))
            .select_related("meeting", "meeting__meeting_type")
            .order_by("-meeting__held_on", "meeting_id", "order")
        )
        section = model_choice(self, "section")
        section.queryset = sections
        section.choices = grouped_choices(
            sections, lambda s: meeting_label(s.meeting), section_label, "(指定しない)"
        )
        if meeting is not None:
            self.initial.setdefault("meeting", meeting.pk)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        meeting, section = data.get("meeting"), data.get("section")
        if meeting and section and section.meeting_id != meeting.pk:
            self.add_error(
                "section", "選んだ説明・報告は、発表した会議のものではありません。"
            )
        return data


class DirectiveAssignForm(JapaneseMessagesMixin, forms.Form):
    """Assign one directive item of a meeting to a department or to all departments."""

    item = forms.ModelChoiceField(
        queryset=Item.objects.none(), widget=forms.HiddenInput
    )
    all_departments = forms.BooleanField(label="全部局", required=False)
    organisation = OrganisationChoiceField(
        label="担当部局・課", queryset=Organisation.objects.none(), required=False
    )
    due_on = forms.DateField(label="期限", required=False, widget=DateInput())
    incident = forms.ModelChoiceField(
        label="事案", queryset=Incident.objects.none(), required=False
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "item").queryset = Item.objects.filter(
            section__meeting=meeting, section__kind=Section.Kind.DIRECTIVE
        )
        model_choice(self, "organisation").queryset = assignable_organisations(
            meeting.held_on
        )
        model_choice(self, "incident").queryset = Incident.objects.order_by(
            "-started_at"
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("all_departments") and data.get("organisation"):
            self.add_error(
                "organisation", "全部局を選んだときは担当部局・課を選べません。"
            )
        elif not data.get("all_departments") and not data.get("organisation"):
            self.add_error(
                "organisation", "担当部局・課を選ぶか、全部局を選んでください。"
            )
        return data


def assignable_organisations(on: date) -> QuerySet[Organisation]:
    """Departments and divisions that existed on ``on`` (renamed ones as then named)."""
    return (
        Organisation.objects.filter(
            kind__in=[Organisation.Kind.DEPARTMENT, Organisation.Kind.DIVISION]
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("kind", "name")
    )


class DirectiveUpdateForm(JapaneseMessagesMixin, forms.ModelForm):
    class Meta:
        model = DirectiveAssignment
        fields = ["due_on", "incident"]
        widgets = {"due_on": DateInput()}


class DirectiveProgressForm(JapaneseMessagesMixin, forms.Form):
    note = forms.CharField(
        label="取組状況", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_status = forms.ChoiceField(label="状態の変更", required=False)

    def __init__(
        self, *args: Any, allowed: frozenset[str], current: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _cap(self.fields["note"], PROGRESS_NOTE_MAX)
        new_status = self.fields["new_status"]
        assert isinstance(new_status, forms.ChoiceField)
        new_status.choices = [("", "変更しない")] + [
            (value, label)
            for value, label in DirectiveAssignment.Status.choices
            if value in allowed and value != current
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (data.get("note") or "").strip() and not data.get("new_status"):
            raise forms.ValidationError(
                "取組状況を入力するか、状況の変更を選んでください。"
            )
        return data


class FollowUpForm(JapaneseMessagesMixin, forms.Form):
    section = SectionChoiceField(
        label="取組状況を報告した説明・報告", queryset=Section.objects.none()
    )
    note = forms.CharField(label="メモ", max_length=200, required=False)

    LIMIT = 40  # later meetings offered; follow-ups come within weeks

    def __init__(
        self, *args: Any, assignment: DirectiveAssignment, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        directive_meeting = assignment.meeting
        later = (
            Meeting.objects.filter(held_on__gte=directive_meeting.held_on)
            .exclude(pk=directive_meeting.pk)
            .order_by("held_on", "start_time", "id")
            .values_list("pk", flat=True)[: self.LIMIT]
        )
        sections = (
            Section.objects.filter(meeting_id__in=list(later))
            .select_related("meeting", "meeting__meeting_type")
            .order_by("meeting__held_on", "meeting__start_time", "meeting_id", "order")
        )
        section = model_choice(self, "section")
        section.queryset = sections
        section.choices = grouped_choices(
            sections, lambda s: meeting_label(s.meeting), section_label
        )
