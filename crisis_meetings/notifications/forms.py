from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from crisis_meetings.notifications.models import Event
from meetings.form_messages import JapaneseMessagesMixin


class MailSettingsForm(JapaneseMessagesMixin, forms.Form):
    events = forms.MultipleChoiceField(
        label="メールで受け取る通知",
        choices=Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="選ばなかった通知も、画面上部の「通知」には届きます。",
    )


def _scope_choices() -> list[tuple[str, str]]:
    from django.db.models import Exists, OuterRef

    from incidents.models import Incident
    from meetings.models import Meeting, MeetingType

    # As the public archive's filter: only what has a published meeting (a type used
    # only by drafts is not public).
    choices = [("all", "すべての開催結果")]
    choices += [
        (f"type:{t.slug}", f"{t.name}の開催結果だけ")
        for t in MeetingType.objects.filter(
            Exists(Meeting.objects.published().filter(meeting_type=OuterRef("pk")))
        ).order_by("tier", "name")
    ]
    choices += [
        (
            f"incident:{i.public_id}",
            f"{'【訓練】' if i.is_drill else ''}事案「{i.title}」に関する開催結果だけ",
        )
        for i in Incident.objects.public().order_by("-started_at")
    ]
    return choices


class SubscribeForm(JapaneseMessagesMixin, forms.Form):
    email = forms.EmailField(
        label="メールアドレス",
        max_length=254,
        help_text="例:name@example.jp 確認のメールを送ります。",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    scope = forms.ChoiceField(
        label="受け取る開催結果",
        widget=forms.RadioSelect,
        initial="all",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = _scope_choices()

    @staticmethod
    def initial_from(query: QueryDict) -> dict[str, str]:
        if query.get("type"):
            return {"scope": f"type:{query['type']}"}
        if query.get("incident"):
            return {"scope": f"incident:{query['incident']}"}
        return {"scope": "all"}

    def chosen_scope(self) -> dict[str, Any]:
        from incidents.models import Incident
        from meetings.models import MeetingType

        kind, _, value = self.cleaned_data["scope"].partition(":")
        if kind == "type":
            return {"meeting_type": MeetingType.objects.get(slug=value)}
        if kind == "incident":
            return {"incident": Incident.objects.public().get(public_id=value)}
        return {}
