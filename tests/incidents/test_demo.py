"""The demo data: both incidents of the seed, the alert change, directives, follow-up."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from incidents import demo, timeline
from incidents.models import (
    AlertChange,
    DirectiveAssignment,
    DirectiveFollowUp,
    DirectiveProgress,
    Incident,
    IncidentLink,
)
from meetings.demo import load_demo
from meetings.models import Meeting

# These tests read the demo: loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]


def test_demo_has_both_incidents_of_the_seed_with_their_meetings(seed_meeting):
    ransomware = Incident.objects.get(public_id=demo.RANSOMWARE_ID)
    avian = Incident.objects.get(public_id=demo.AVIAN_ID)
    assert seed_meeting.incident_links.filter(incident=ransomware).exists()
    assert seed_meeting.incident_links.filter(incident=avian).exists()
    # The hospital attack is the seed's agenda; the avian alert its other reports.
    ransomware_sections = set(
        IncidentLink.objects.filter(incident=ransomware, meeting=seed_meeting)
        .exclude(section=None)
        .values_list("section__group", flat=True)
    )
    avian_sections = list(
        IncidentLink.objects.filter(incident=avian, meeting=seed_meeting)
        .exclude(section=None)
        .values_list("section__speaker", "section__group")
    )
    assert ransomware_sections == {"main"}
    assert avian_sections == [("畜産振興課", "other_reports")]
    avian_meetings = set(
        avian.links.values_list("meeting__public_id", flat=True).distinct()
    )
    assert len(avian_meetings) == 3


def test_demo_alert_history_goes_from_stage_2_to_normal_at_the_seed_meeting(
    seed_meeting,
):
    avian = Incident.objects.get(public_id=demo.AVIAN_ID)
    changes = list(avian.alert_changes.with_related().order_by("effective_at"))
    assert [c.level.name for c in changes] == ["ステージⅡ", "平常時"]
    lowered = changes[-1]
    assert lowered.scheme.name == "鳥インフルエンザ・とくしまアラート"
    assert lowered.meeting == seed_meeting
    assert lowered.section.group == "other_reports"
    assert timezone.localtime(lowered.effective_at).date() == date(2022, 6, 20)
    assert changes[0].meeting.held_on < seed_meeting.held_on
    [current] = timeline.current_alerts(changes)
    assert current.level.label == "平常時(感染観察)"
    assert current.previous_level.label == "ステージⅡ(感染拡大注意報)"
    assert [lv.name for lv in lowered.scheme.levels.all()] == [
        "平常時",
        "ステージⅠ",
        "ステージⅡ",
        "ステージⅢ",
        "ステージⅣ",
    ]


def test_demo_directives_have_assignments_progress_and_a_follow_up(seed_meeting):
    seed_directives = DirectiveAssignment.objects.filter(meeting=seed_meeting)
    assert seed_directives.count() == 4
    recipients = {a.recipient_label for a in seed_directives}
    assert recipients == {"医療政策課", "全部局", "スマート県庁推進課"}
    statuses = set(seed_directives.values_list("status", flat=True))
    assert {"done", "in_progress", "open"} <= statuses
    assert DirectiveProgress.objects.filter(assignment__meeting=seed_meeting).exists()
    follow_ups = DirectiveFollowUp.objects.filter(
        assignment__meeting=seed_meeting
    ).select_related("section__meeting")
    assert follow_ups.count() == 2
    report_meeting = follow_ups[0].section.meeting
    assert str(report_meeting.public_id) == demo.FOLLOW_UP_ID
    assert report_meeting.status == Meeting.Status.PUBLISHED
    assert report_meeting.held_on > seed_meeting.held_on


def test_demo_has_a_drill_incident_with_a_drill_meeting(seed_meeting):
    drill = Incident.objects.get(public_id=demo.DRILL_ID)
    assert drill.is_drill and str(drill) == "【訓練】南海トラフ巨大地震対応訓練"
    meeting = drill.links.get().meeting
    assert meeting.is_drill and meeting.status == Meeting.Status.PUBLISHED


def test_loading_the_demo_again_adds_nothing(seed_meeting):
    models = (
        Incident,
        IncidentLink,
        AlertChange,
        DirectiveAssignment,
        DirectiveProgress,
        DirectiveFollowUp,
        Meeting,
    )
    before = {m.__name__: m.objects.count() for m in models}
    load_demo()
    assert before == {m.__name__: m.objects.count() for m in models}
