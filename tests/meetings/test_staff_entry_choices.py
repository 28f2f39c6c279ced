"""Issue 14, without JavaScript: a new meeting's attendees are an explicit choice,
a pasted list can replace the rows, and × sends the focus to a neighbour."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.forms import Editor
from meetings.models import Meeting, MeetingType
from tests.factories import editor_post, make_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting_type() -> MeetingType:
    return MeetingType.objects.create(name="危機管理連絡会議", slug="renraku-kaigi")


def _roles(page) -> list[str]:
    return [r.form.initial.get("role") for r in page.context["editor"].attendees]


def test_previous_attendees_come_only_when_asked_for(client, editor, meeting_type):
    make_meeting(user=editor, attendees=["前回A", "前回B", "前回C"])
    client.force_login(editor)
    url = reverse("staff:new", args=[meeting_type.slug])
    new = Editor.for_new(meeting_type, today=timezone.localdate())
    assert [r.form.initial.get("role") for r in new.attendees] == [None]

    page = client.post(url, {**editor_post(new), "op": "previous:attendees"})

    assert _roles(page) == ["前回A", "前回B", "前回C"]
    assert page.context["editor"].focus.endswith("-role")
    assert Meeting.objects.count() == 1  # an operation never saves


def test_pasting_replaces_or_appends_as_chosen(client, editor):
    meeting = Meeting.objects.with_parts().get(
        pk=make_meeting(user=editor, attendees=["知事", "政策監"]).pk
    )
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    data["paste_attendees"] = "知事、政策監、副知事ほか 計21名"
    url = reverse("staff:edit", args=[meeting.pk])

    replaced = client.post(url, {**data, "op": "paste:attendees:replace"})
    appended = client.post(url, {**data, "op": "paste:attendees"})

    assert _roles(replaced) == ["知事", "政策監"]
    tail = replaced.context["editor"].header.initial["attendee_tail"]
    assert tail == "副知事ほか "  # the space before 計 is kept
    assert _roles(appended) == ["知事", "政策監", "知事", "政策監"]


def test_removing_a_row_focuses_its_neighbour_or_the_add_button(client, editor):
    meeting = Meeting.objects.with_parts().get(
        pk=make_meeting(user=editor, attendees=["知事", "政策監"]).pk
    )
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    first, second = data["attendees"]
    url = reverse("staff:edit", args=[meeting.pk])

    page = client.post(url, {**data, "op": f"remove:a:{first}"})
    assert page.context["editor"].focus == f"id_a-{second}-role"

    data["attendees"] = [second]
    page = client.post(url, {**data, "op": f"remove:a:{second}"})
    assert page.context["editor"].focus == "add-a"
    assert 'id="add-a"' in page.content.decode()
