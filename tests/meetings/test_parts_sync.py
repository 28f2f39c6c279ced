"""Rows keep their identity through the editor: a save updates, creates and deletes
rows by id, so what incidents point at stays attached; a removed row's references
follow their declared ``on_delete``."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services as incident_services
from incidents.models import (
    AlertChange,
    DirectiveAssignment,
    DirectiveFollowUp,
    IncidentLink,
)
from meetings import permissions, services
from meetings.forms import Editor, stored_key
from meetings.models import Item, Meeting, Section
from tests.factories import editor_post, make_meeting
from tests.incidents.conftest import (
    at,
    directive_items,
    level,
    make_directive_meeting,
    make_incident,
    report_section,
    scheme,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(editor, scheme):  # noqa: F811 - the fixture imported above
    """A meeting whose sections, agenda item and directive items are referenced."""
    incident = make_incident()
    earlier = make_directive_meeting(
        "点検を行うこと。", held_on="2024-04-01", sections=[]
    )
    meeting = make_directive_meeting(
        "病院を支援すること。",
        "周知を行うこと。",
        held_on="2024-05-10",
        agenda=["停電への対応について"],
        sections=[
            report_section("医療政策課", "病院の状況。"),
            report_section("畜産振興課", "アラートを引き下げる。"),
        ],
    )
    medical, livestock, directive = meeting.sections.order_by("order")
    incident_services.incident_link_meeting(
        incident=incident,
        meeting=meeting,
        user=editor,
        sections=[medical, livestock],
        agenda_items=list(meeting.agenda_items.all()),
    )
    support, notice = directive_items(meeting)
    [earlier_item] = directive_items(earlier)
    a_earlier = incident_services.directive_assign(
        item=earlier_item, all_departments=True, user=editor
    )
    return {
        "incident": incident,
        "meeting": meeting,
        "medical": medical,
        "livestock": livestock,
        "directive": directive,
        "support": incident_services.directive_assign(
            item=support, all_departments=True, user=editor
        ),
        "notice": incident_services.directive_assign(
            item=notice, all_departments=True, user=editor
        ),
        "follow_up": incident_services.directive_follow_up_link(
            assignment=a_earlier, section=medical, user=editor
        ),
        "change": incident_services.alert_change_record(
            incident=incident,
            level=level(scheme, "平常時"),
            effective_at=at(2024, 5, 10, 18),
            meeting=meeting,
            section=livestock,
            user=editor,
        ),
    }


def _references(section: Section) -> dict:
    """Everything incidents hold on a section, as ids and dates that must not move."""
    return {
        "links": sorted(
            IncidentLink.objects.filter(section=section).values_list("pk", flat=True)
        ),
        "follow_ups": sorted(
            DirectiveFollowUp.objects.filter(section=section).values_list(
                "pk", "created_at"
            )
        ),
        "changes": sorted(
            AlertChange.objects.filter(section=section).values_list("pk", flat=True)
        ),
        "assignments": sorted(
            DirectiveAssignment.objects.filter(item__section=section).values_list(
                "pk", "item_id"
            )
        ),
    }


def _editor_post(meeting: Meeting) -> tuple[Editor, dict]:
    editor = Editor.for_meeting(Meeting.objects.with_parts().get(pk=meeting.pk))
    return editor, editor_post(editor)


def _save(client, user, meeting: Meeting, data: dict):
    client.force_login(user)
    return client.post(reverse("staff:edit", args=[meeting.pk]), data)


def _saved(response) -> None:
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]


def _speakers(meeting: Meeting) -> list[str]:
    return list(meeting.sections.order_by("order").values_list("speaker", flat=True))


def test_stored_rows_are_keyed_by_their_id(linked):
    editor, _ = _editor_post(linked["meeting"])
    assert [s.key for s in editor.sections] == [
        stored_key(linked[name].pk) for name in ("medical", "livestock", "directive")
    ]
    assert editor.sections[2].items[0].key == stored_key(linked["support"].item_id)


def test_editing_a_section_keeps_its_id_and_everything_pointing_at_it(
    client, editor, linked
):
    medical, directive = linked["medical"], linked["directive"]
    before = {s: _references(s) for s in (medical, directive)}
    assert before[medical]["links"] and before[medical]["follow_ups"]
    assert len(before[directive]["assignments"]) == 2
    _, data = _editor_post(linked["meeting"])
    data[f"s-{stored_key(medical.pk)}-speaker"] = "医療政策課(地域医療担当)"
    data[f"i-{stored_key(linked['support'].item_id)}-text"] = (
        "病院をしっかり支援すること。"
    )

    _saved(_save(client, editor, linked["meeting"], data))

    medical.refresh_from_db()
    assert medical.speaker == "医療政策課(地域医療担当)"
    assert Item.objects.get(pk=linked["support"].item_id).text == (
        "病院をしっかり支援すること。"
    )
    for section in (medical, directive):
        assert _references(section) == before[section]
    assert IncidentLink.objects.filter(
        agenda_item__text="停電への対応について"
    ).exists()


def test_reordering_inserting_before_and_deleting_a_neighbour_keep_a_section(
    client, editor, linked
):
    medical, livestock, directive = (
        linked["medical"],
        linked["livestock"],
        linked["directive"],
    )
    before = {s: _references(s) for s in (medical, directive)}
    editor_, data = _editor_post(linked["meeting"])
    # The directive moves first, a new section goes before 医療政策課, and the
    # neighbour 畜産振興課 is removed.
    new = Editor.for_new(linked["meeting"].meeting_type, today=None).sections[0]
    data[f"s-{new.key}-kind"] = "report"
    data[f"s-{new.key}-speaker"] = "危機管理政策課"
    data[f"s-{new.key}-group"] = "main"
    data[f"s-{new.key}-items"] = [new.items[0].key]
    data[f"i-{new.items[0].key}-text"] = "新しい報告。"
    data[f"i-{new.items[0].key}-marker"] = "・"
    data["sections"] = [
        stored_key(directive.pk),
        new.key,
        stored_key(medical.pk),
    ]

    _saved(_save(client, editor, linked["meeting"], data))

    meeting = linked["meeting"]
    assert _speakers(meeting) == ["危機管理部副部長", "危機管理政策課", "医療政策課"]
    assert list(meeting.sections.order_by("order").values_list("pk", flat=True))[
        ::2
    ] == [directive.pk, medical.pk]
    for section in (medical, directive):
        assert _references(section) == before[section]
    assert not Section.objects.filter(pk=livestock.pk).exists()


def test_a_deleted_section_takes_what_it_declared_on_delete(client, editor, linked):
    medical, livestock = linked["medical"], linked["livestock"]
    _, data = _editor_post(linked["meeting"])
    data["sections"].remove(stored_key(medical.pk))
    data["sections"].remove(stored_key(livestock.pk))

    _saved(_save(client, editor, linked["meeting"], data))

    # IncidentLink.section and DirectiveFollowUp.section: CASCADE.
    assert not IncidentLink.objects.filter(section__isnull=False).exists()
    assert not DirectiveFollowUp.objects.filter(pk=linked["follow_up"].pk).exists()
    # The link to the meeting as a whole and its agenda item stay.
    assert IncidentLink.objects.filter(meeting=linked["meeting"]).exists()
    # AlertChange.section: SET_NULL (the alert history stays).
    change = AlertChange.objects.get(pk=linked["change"].pk)
    assert change.section is None and change.meeting == linked["meeting"]


def test_a_deleted_directive_item_detaches_its_assignment_only(client, editor, linked):
    directive = linked["directive"]
    _, data = _editor_post(linked["meeting"])
    data[f"s-{stored_key(directive.pk)}-items"].remove(
        stored_key(linked["support"].item_id)
    )

    _saved(_save(client, editor, linked["meeting"], data))

    support = DirectiveAssignment.objects.get(pk=linked["support"].pk)
    notice = DirectiveAssignment.objects.get(pk=linked["notice"].pk)
    # DirectiveAssignment.item: SET_NULL, the directive's text is kept.
    assert support.item is None
    assert support.directive_text == "・病院を支援すること。"
    assert notice.item_id == linked["notice"].item_id
    assert notice.item.text == "周知を行うこと。"


def test_a_row_of_another_meeting_is_refused_and_nothing_changes(
    client, editor, linked
):
    other = make_meeting(sections=[report_section("別の課", "別の会議の項目。")])
    [foreign] = other.sections.all()
    meeting = linked["meeting"]
    _, data = _editor_post(meeting)
    medical_key = stored_key(linked["medical"].pk)
    # A client that rewrites a row's key to another meeting's section id.
    foreign_key = stored_key(foreign.pk)
    data = {
        (k.replace(f"s-{medical_key}-", f"s-{foreign_key}-") if k else k): v
        for k, v in data.items()
    }
    data["sections"] = [
        foreign_key if k == medical_key else k for k in data["sections"]
    ]
    data[f"s-{foreign_key}-speaker"] = "書き換え"
    version = Meeting.objects.get(pk=meeting.pk).version

    response = _save(client, editor, meeting, data)

    assert response.status_code == HTTPStatus.OK
    assert "この会議にない行が送られてきたため保存できませんでした" in (
        response.content.decode()
    )
    foreign.refresh_from_db()
    assert foreign.meeting == other and foreign.speaker == "別の課"
    assert Meeting.objects.get(pk=meeting.pk).version == version
    assert _speakers(meeting) == ["医療政策課", "畜産振興課", "危機管理部副部長"]


def test_the_service_refuses_another_meetings_item_too():
    meeting = make_meeting()
    other = make_meeting()
    [foreign] = Item.objects.filter(section__meeting=other)
    data = {
        "sections": [
            {
                "kind": "report",
                "speaker": "課",
                "items": [{"id": foreign.pk, "marker": "・", "text": "乗っ取り"}],
            }
        ]
    }
    with pytest.raises(services.ValidationError):
        services.meeting_parts_sync(meeting=meeting, data=data)
    foreign.refresh_from_db()
    assert foreign.text == "テストの説明。" and foreign.section.meeting == other


def _sized_meeting(tag: str, sections: int, items: int) -> Meeting:
    return make_meeting(
        attendees=[f"{tag}出席者{n}" for n in range(sections)],
        attendee_total=None,
        agenda=[f"議題{n}" for n in range(3)],
        sections=[
            {
                **report_section(
                    f"{tag}課{s}", *(f"項目{s}-{i}" for i in range(items))
                ),
                "agenda_index": s % 3,
            }
            for s in range(sections)
        ],
    )


def _edit(meeting: Meeting, user, tag: str) -> None:
    """One save that edits, moves, inserts and deletes rows of every kind: a new
    attendee, agenda item and section (with a nested item) go first, the first of
    each goes, a speaker is renamed, two sections' items are reversed, and every
    section loses its last item."""
    meeting = Meeting.objects.with_parts().get(pk=meeting.pk)
    agenda = list(meeting.agenda_items.all())
    sections = list(meeting.sections.all())

    def items(n: int, section: Section) -> list[dict]:
        rows = [
            {"id": i.pk, "marker": i.marker, "text": i.text, "children": []}
            for i in section.items.all()
        ][:-1]
        return rows[::-1] if n < 2 else rows

    parts = {
        "attendee_details": [
            {"role": f"{tag}新しい出席者", "remote": True, "outside": False},
            *(
                {"id": a.pk, "role": a.role, "remote": False, "outside": False}
                for a in meeting.attendees.all()
            ),
        ][:-1],
        "agenda": ["新しい議題", *(a.text for a in agenda[:-1])],
        "agenda_markers": ["○", *(a.marker for a in agenda[:-1])],
        "agenda_ids": [None, *(a.pk for a in agenda[:-1])],
        "sections": [
            {
                "kind": "report",
                "speaker": f"{tag}新しい課",
                "items": [
                    {
                        "marker": "・",
                        "text": "新",
                        "children": [{"marker": "○", "text": "新の子", "children": []}],
                    }
                ],
            },
            *(
                {
                    "id": s.pk,
                    "kind": s.kind,
                    "speaker": s.speaker + ("改" if n == 0 else ""),
                    "agenda_index": 1,
                    "items": items(n, s),
                }
                for n, s in enumerate(sections[1:])
            ),
        ],
    }
    services.meeting_save(
        meeting=meeting,
        header={"location": "県庁"},
        parts=parts,
        user=user,
        expected_version=meeting.version,
    )


def test_a_save_costs_the_same_queries_whatever_the_meetings_size(
    editor, django_assert_num_queries
):
    """On SQLite Django splits a bulk UPDATE past 999 parameters (about 80 changed
    rows of one kind); this edit stays below that, PostgreSQL has no such limit."""
    small = _sized_meeting("小", sections=3, items=3)
    large = _sized_meeting("大", sections=40, items=6)
    assert permissions.is_editor(editor)  # the user's groups, read once
    with CaptureQueriesContext(connection) as captured:
        _edit(small, editor, "小")
    with django_assert_num_queries(len(captured.captured_queries)):
        _edit(large, editor, "大")
    # The edit did what it said, and kept the rows it kept.
    renamed = large.sections.get(order=2)
    assert renamed.speaker == "大課1改"
    assert list(renamed.items.values_list("text", flat=True)) == [
        f"項目1-{i}" for i in (4, 3, 2, 1, 0)
    ]
    assert list(large.sections.get(order=4).items.values_list("text", flat=True)) == [
        f"項目3-{i}" for i in range(5)
    ]
    new = large.sections.get(order=1)
    assert new.items.get(parent=None).children.get().text == "新の子"
    assert large.sections.count() == 40
    assert large.attendees.count() == 40
    assert large.attendees.get(order=1).role == "大新しい出席者"
