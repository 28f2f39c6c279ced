"""The current alert level: the latest change in force, past and future changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from incidents import services, timeline
from incidents.models import AlertChange, AlertLevel, AlertScheme, IncidentLink
from tests.factories import make_meeting
from tests.incidents.conftest import at, level, make_incident

pytestmark = pytest.mark.django_db


def _record(incident, scheme, name, moment, meeting, user):
    return services.alert_change_record(
        incident=incident,
        level=level(scheme, name),
        effective_at=moment,
        meeting=meeting,
        user=user,
    )


def test_current_level_is_the_latest_change_already_in_force(scheme, editor):
    incident = make_incident()
    meeting = make_meeting()
    _record(incident, scheme, "ステージⅡ", at(2021, 12, 28, 13, 30), meeting, editor)
    _record(incident, scheme, "平常時", at(2022, 6, 20, 17, 45), meeting, editor)
    _record(incident, scheme, "ステージⅢ", at(2022, 11, 1, 0, 0), meeting, editor)
    changes = list(incident.alert_changes.with_related())

    # Before the first change there is no level at all.
    assert timeline.current_alerts(changes, at=at(2021, 12, 1)) == []

    [in_june] = timeline.current_alerts(changes, at=at(2022, 6, 20, 17, 44))
    assert in_june.level.name == "ステージⅡ"
    assert in_june.previous_level is None
    assert in_june.upcoming.level.name == "平常時"

    [after] = timeline.current_alerts(changes, at=at(2022, 6, 20, 17, 45))
    assert after.level.label == "平常時(感染観察)"
    assert after.previous_level.name == "ステージⅡ"
    # A change announced for the future is shown as upcoming, not as current.
    assert after.upcoming.level.name == "ステージⅢ"

    [later] = timeline.current_alerts(changes, at=at(2023, 1, 1))
    assert later.level.name == "ステージⅢ"
    assert later.upcoming is None


def test_future_change_does_not_become_current_before_it_takes_effect(
    scheme, editor, client
):
    from django.utils import timezone

    incident = make_incident()
    meeting = make_meeting()
    now = timezone.now()
    _record(
        incident, scheme, "ステージⅠ", now.replace(year=now.year - 1), meeting, editor
    )
    _record(
        incident, scheme, "ステージⅢ", now.replace(year=now.year + 1), meeting, editor
    )

    client.force_login(editor)
    response = client.get(incident.get_staff_url())
    current = response.context["alerts"]
    assert [a.level.name for a in current] == ["ステージⅠ"]
    assert current[0].upcoming.level.name == "ステージⅢ"
    html = response.content.decode()
    assert "ステージⅠ" in html and "予定:" in html


def test_each_scheme_has_its_own_current_level(scheme, editor):
    other = AlertScheme.objects.create(name="熱中症アラート")
    hot = AlertLevel.objects.create(scheme=other, rank=1, name="警戒")
    incident = make_incident()
    meeting = make_meeting()
    _record(incident, scheme, "ステージⅡ", at(2022, 1, 1), meeting, editor)
    services.alert_change_record(
        incident=incident,
        level=hot,
        effective_at=at(2022, 7, 1),
        meeting=meeting,
        user=editor,
    )
    current = timeline.current_alerts(
        incident.alert_changes.with_related(), at=at(2022, 8, 1)
    )
    assert [(a.scheme.name, a.level.name) for a in current] == [
        ("熱中症アラート", "警戒"),
        ("鳥インフルエンザ・とくしまアラート", "ステージⅡ"),
    ]


def test_recording_a_change_links_the_announcing_meeting_to_the_incident(
    scheme, editor
):
    incident = make_incident()
    meeting = make_meeting()
    assert not IncidentLink.objects.filter(incident=incident).exists()
    _record(incident, scheme, "ステージⅡ", at(2022, 1, 1), meeting, editor)
    assert IncidentLink.objects.filter(
        incident=incident, meeting=meeting, section=None, agenda_item=None
    ).exists()


def test_a_level_of_another_scheme_or_a_section_of_another_meeting_is_refused(
    scheme, editor
):
    incident = make_incident()
    meeting = make_meeting()
    other_meeting = make_meeting(held_on="2024-05-11")
    other = AlertScheme.objects.create(name="別の基準")
    foreign = AlertLevel.objects.create(scheme=other, rank=0, name="平常")
    change = AlertChange(
        incident=incident,
        scheme=scheme,
        level=foreign,
        effective_at=at(2022, 1, 1),
        meeting=meeting,
        section=other_meeting.sections.first(),
    )
    with pytest.raises(ValidationError) as excinfo:
        change.full_clean()
    assert set(excinfo.value.message_dict) == {"level", "section"}


def test_alert_change_needs_an_announcing_meeting(scheme, editor):
    incident = make_incident()
    change = AlertChange(
        incident=incident,
        scheme=scheme,
        level=level(scheme, "平常時"),
        effective_at=at(2022, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        change.full_clean()
    assert "meeting" in excinfo.value.message_dict


def test_two_changes_of_one_scheme_at_the_same_moment_are_refused(scheme, editor):
    incident = make_incident()
    meeting = make_meeting()
    _record(incident, scheme, "ステージⅡ", at(2022, 1, 1), meeting, editor)
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertChange.objects.create(
            incident=incident,
            scheme=scheme,
            level=level(scheme, "平常時"),
            effective_at=at(2022, 1, 1),
            meeting=meeting,
        )


def test_only_staff_record_changes_and_only_approvers_delete_them(
    scheme, editor, approver, outsider
):
    incident = make_incident()
    meeting = make_meeting()
    with pytest.raises(PermissionDenied):
        _record(incident, scheme, "ステージⅡ", at(2022, 1, 1), meeting, outsider)
    change = _record(incident, scheme, "ステージⅡ", at(2022, 1, 1), meeting, editor)
    with pytest.raises(PermissionDenied):
        services.alert_change_delete(change=change, user=editor)
    services.alert_change_delete(change=change, user=approver)
    assert not AlertChange.objects.exists()


def test_public_changes_are_only_those_announced_by_published_meetings(scheme, editor):
    incident = make_incident()
    published = make_meeting(status="published")
    draft = make_meeting(held_on="2024-06-01")
    _record(incident, scheme, "ステージⅡ", at(2024, 5, 10, 18), published, editor)
    _record(incident, scheme, "ステージⅢ", at(2024, 6, 1, 18), draft, editor)
    public = AlertChange.objects.announced_publicly().with_related()
    assert [c.level.name for c in public] == ["ステージⅡ"]
    [current] = timeline.current_alerts(public, at=at(2024, 7, 1))
    assert current.level.name == "ステージⅡ"


def test_a_change_whose_draft_meeting_was_deleted_can_still_be_deleted(
    scheme, editor, approver
):
    """SET_NULL keeps the change when its meeting goes; deleting the change then
    rewrites the incident's pages and no meeting's (there is none)."""
    incident = make_incident()
    meeting = make_meeting()
    change = _record(incident, scheme, "ステージⅡ", at(2022, 1, 1), meeting, editor)
    AlertChange.objects.filter(pk=change.pk).update(meeting=None)  # as SET_NULL does
    change.refresh_from_db()
    assert change.meeting is None
    services.alert_change_delete(change=change, user=approver)
    assert not AlertChange.objects.exists()
