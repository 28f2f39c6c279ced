"""Alert levels in the tree: pages show the level in force now, so they are
rewritten when another meeting announces a level, and when a level announced for
later takes effect (a job queued for that moment)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents import services, tasks
from meetings import services as meeting_services
from tests.factories import make_meeting
from tests.incidents.conftest import at, level, make_incident, scheme

__all__ = ["scheme"]
pytestmark = pytest.mark.django_db


def _page(settings, meeting) -> str:
    root = Path(settings.PUBLIC_SITE_ROOT)
    return (root / f"meetings/{meeting.public_id}/index.html").read_text()


NOW_IS = "現在の段階:「<strong>{}</strong>」"


def test_publishing_a_later_announcement_rewrites_the_earlier_meetings_page(
    settings, scheme, editor, approver
):
    incident = make_incident(title="鳥インフルエンザ事案")
    first = make_meeting(user=editor, status="published", held_on="2024-05-10")
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅡ"),
        effective_at=at(2024, 5, 10, 18),
        meeting=first,
        user=editor,
    )
    assert NOW_IS.format("ステージⅡ(感染拡大注意報)") in _page(settings, first)

    second = make_meeting(user=editor, status="review", held_on="2024-06-01")
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅢ"),
        effective_at=at(2024, 6, 1, 18),
        meeting=second,
        user=editor,
    )
    # Announced by a meeting not yet published: the first page is unchanged.
    assert NOW_IS.format("ステージⅡ(感染拡大注意報)") in _page(settings, first)
    meeting_services.meeting_publish(meeting=second, user=approver)
    # Before the publication returned: the first meeting's page shows the new level.
    assert NOW_IS.format("ステージⅢ(感染拡大警報)") in _page(settings, first)
    incident_page = Path(settings.PUBLIC_SITE_ROOT) / (
        f"incidents/{incident.public_id}/index.html"
    )
    assert "ステージⅢ" in incident_page.read_text()


def test_a_level_announced_for_later_is_rewritten_when_it_takes_effect(
    settings, scheme, editor, monkeypatch, django_capture_on_commit_callbacks
):
    incident = make_incident(title="大雨事案")
    meeting = make_meeting(user=editor, status="published", held_on="2024-05-10")
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅠ"),
        effective_at=at(2024, 5, 10, 18),
        meeting=meeting,
        user=editor,
    )
    queued = []
    monkeypatch.setattr(
        tasks.refresh_incident,
        "apply_async",
        lambda args, eta: queued.append((args, eta)),
    )
    later = timezone.now() + timedelta(seconds=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_change_record(
            incident=incident,
            level=level(scheme, "ステージⅡ"),
            effective_at=later,
            meeting=meeting,
            user=editor,
        )
    assert queued == [([incident.pk], later)]
    # Written now: stage I is still in force.
    assert NOW_IS.format("ステージⅠ") in _page(settings, meeting)
    time.sleep(max(0.0, (later - timezone.now()).total_seconds()) + 0.2)
    tasks.refresh_incident.apply(args=[incident.pk]).get()  # the job, at its time
    assert NOW_IS.format("ステージⅡ(感染拡大注意報)") in _page(settings, meeting)
