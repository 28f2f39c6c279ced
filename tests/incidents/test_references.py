"""Re-saving a meeting recreates its sections and items: incident references survive."""

from __future__ import annotations

import copy

import pytest

from incidents import services
from incidents.models import AlertChange, DirectiveAssignment, IncidentLink
from meetings import layout
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.factories import make_meeting
from tests.incidents.conftest import (
    at,
    directive_items,
    level,
    make_directive_meeting,
    make_incident,
    report_section,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(editor, scheme):
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
    medical, livestock, _directive = meeting.sections.order_by("order")
    services.incident_link_meeting(
        incident=incident,
        meeting=meeting,
        user=editor,
        sections=[medical, livestock],
        agenda_items=list(meeting.agenda_items.all()),
    )
    support, notice = directive_items(meeting)
    a_support = services.directive_assign(
        item=support, all_departments=True, user=editor
    )
    a_notice = services.directive_assign(item=notice, all_departments=True, user=editor)
    [earlier_item] = directive_items(earlier)
    a_earlier = services.directive_assign(
        item=earlier_item, all_departments=True, user=editor
    )
    follow_up = services.directive_follow_up_link(
        assignment=a_earlier, section=medical, user=editor
    )
    change = services.alert_change_record(
        incident=incident,
        level=level(scheme, "平常時"),
        effective_at=at(2024, 5, 10, 18),
        meeting=meeting,
        section=livestock,
        user=editor,
    )
    return {
        "incident": incident,
        "meeting": meeting,
        "support": a_support,
        "notice": a_notice,
        "follow_up": follow_up,
        "change": change,
    }


def _data(meeting: Meeting) -> dict:
    return copy.deepcopy(
        layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    )


def _replace(meeting: Meeting, data: dict) -> None:
    meeting_services.meeting_replace_parts(meeting=meeting, data=data)


def _speakers_linked(incident, meeting) -> list[str]:
    return sorted(
        IncidentLink.objects.filter(incident=incident, meeting=meeting)
        .exclude(section=None)
        .values_list("section__speaker", flat=True)
    )


def test_an_unchanged_re_save_keeps_every_reference(linked):
    meeting, incident = linked["meeting"], linked["incident"]
    old_sections = set(meeting.sections.values_list("pk", flat=True))
    _replace(meeting, _data(meeting))
    assert not old_sections & set(meeting.sections.values_list("pk", flat=True))

    assert _speakers_linked(incident, meeting) == ["医療政策課", "畜産振興課"]
    assert IncidentLink.objects.filter(
        incident=incident, meeting=meeting, agenda_item__text="停電への対応について"
    ).exists()
    follow_up = linked["follow_up"].assignment.follow_ups.get()
    assert follow_up.section.speaker == "医療政策課"
    assert follow_up.section.meeting == meeting
    change = AlertChange.objects.get(pk=linked["change"].pk)
    assert change.section.speaker == "畜産振興課"
    for key, text in (
        ("support", "病院を支援すること。"),
        ("notice", "周知を行うこと。"),
    ):
        assignment = DirectiveAssignment.objects.get(pk=linked[key].pk)
        assert assignment.item is not None and assignment.item.text == text


def test_an_edited_directive_keeps_its_assignment_with_the_new_text(linked):
    meeting = linked["meeting"]
    data = _data(meeting)
    data["sections"][2]["items"][0]["text"] = "病院をしっかりと支援すること。"
    _replace(meeting, data)
    assignment = DirectiveAssignment.objects.get(pk=linked["support"].pk)
    assert assignment.item.text == "病院をしっかりと支援すること。"
    assert assignment.directive_text == "・病院をしっかりと支援すること。"


def test_a_deleted_directive_detaches_its_assignment_without_moving_others(linked):
    meeting = linked["meeting"]
    data = _data(meeting)
    del data["sections"][2]["items"][0]  # "病院を支援すること。" is gone
    _replace(meeting, data)
    support = DirectiveAssignment.objects.get(pk=linked["support"].pk)
    notice = DirectiveAssignment.objects.get(pk=linked["notice"].pk)
    assert support.item is None
    assert support.directive_text == "・病院を支援すること。"
    assert notice.item.text == "周知を行うこと。"  # not slid onto the deleted one


def test_a_removed_section_takes_its_links_and_follow_ups_along(linked):
    meeting, incident = linked["meeting"], linked["incident"]
    data = _data(meeting)
    del data["sections"][0]  # 医療政策課
    _replace(meeting, data)
    assert _speakers_linked(incident, meeting) == ["畜産振興課"]
    assert not linked["follow_up"].assignment.follow_ups.exists()


def test_a_speaker_corrected_in_place_keeps_its_links(linked):
    meeting, incident = linked["meeting"], linked["incident"]
    data = _data(meeting)
    data["sections"][1]["speaker"] = "畜産振興課(家畜防疫担当)"
    _replace(meeting, data)
    assert _speakers_linked(incident, meeting) == [
        "医療政策課",
        "畜産振興課(家畜防疫担当)",
    ]
    change = AlertChange.objects.get(pk=linked["change"].pk)
    assert change.section.speaker == "畜産振興課(家畜防疫担当)"


def test_the_staff_editor_save_keeps_the_references(linked, editor):
    meeting = Meeting.objects.get(pk=linked["meeting"].pk)
    data = _data(meeting)
    header = {"location": "県庁3階 防災危機管理センター"}
    meeting_services.meeting_save(
        meeting=meeting,
        header=header,
        parts=data,
        user=editor,
        expected_version=meeting.version,
    )
    assert _speakers_linked(linked["incident"], meeting) == ["医療政策課", "畜産振興課"]
    assert (
        DirectiveAssignment.objects.filter(item__section__meeting=meeting).count() == 2
    )


def test_a_meeting_without_references_costs_four_existence_checks(settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meeting = make_meeting(sections=[report_section("課A", "説明。")])
    data = _data(meeting)
    with CaptureQueriesContext(connection) as with_hook:
        _replace(meeting, data)
    settings.MEETING_PARTS_REPLACE_HOOKS = []
    with CaptureQueriesContext(connection) as without_hook:
        _replace(meeting, data)
    assert len(with_hook.captured_queries) - len(without_hook.captured_queries) == 4
