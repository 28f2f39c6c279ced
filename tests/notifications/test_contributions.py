"""Contribution requests (原稿依頼) tell exactly the departments asked, the
coordinator on a submission, and remind a department 2 hours before the due time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crisis_meetings.notifications import contributions as contribution_notes
from crisis_meetings.notifications.models import Event, Notification
from meetings.contributions import services as contributions
from tests.contributions.conftest import DEPARTMENTS, seed_section

pytestmark = pytest.mark.django_db


def told(event: str) -> list[str]:
    return sorted(
        Notification.objects.filter(event=event).values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def mailed_writers(writers):
    for user in writers.values():
        user.email = f"{user.username}@pref.example.lg.jp"
        user.save()
    return writers


@pytest.fixture
def bystanders(django_user_model, departments):
    """A department not asked (畜産振興課) and another coordinator-side editor."""
    from tests.contributions.conftest import department_user

    user = department_user(django_user_model, "livestock", departments["畜産振興課"])
    user.email = "livestock@pref.example.lg.jp"
    user.save()
    return user


def test_requests_tell_each_department_asked_and_no_other(
    meeting, coordinator, departments, mailed_writers, bystanders, smtp, run_jobs
):
    coordinator.email = "coordinator@pref.example.lg.jp"
    coordinator.save()
    asked = [departments[name] for name in DEPARTMENTS[:3]]
    requests = run_jobs(
        contributions.contribution_request_create,
        meeting=meeting,
        user=coordinator,
        organisations=asked,
        due_at=timezone.now() + timedelta(hours=5),
        note="明日の会議の説明内容をお願いします。",
    )
    assert told(Event.CONTRIBUTION_REQUESTED) == ["writer0", "writer1", "writer2"]
    assert smtp.recipients() == [f"writer{n}@pref.example.lg.jp" for n in range(3)]
    body = smtp.to("writer0@pref.example.lg.jp")[0].message.get_content()
    assert "原稿依頼" in str(smtp.messages[0].message["Subject"])
    assert "明日の会議の説明内容をお願いします。" in body
    assert "提出期限:" in body

    # writer1 submits: the coordinator is told, no department is.
    smtp.clear()
    writer = mailed_writers[DEPARTMENTS[1]]
    version = run_jobs(
        contributions.contribution_submit,
        request=requests[1],
        user=writer,
        sections=[seed_section(DEPARTMENTS[1])],
    )
    assert version.number == 1
    assert told(Event.CONTRIBUTION_SUBMITTED) == [coordinator.username]
    assert smtp.recipients() == ["coordinator@pref.example.lg.jp"]

    # Returned: only that department.
    smtp.clear()
    run_jobs(
        contributions.contribution_return,
        request=requests[1],
        user=coordinator,
        comment="人数を確認してください。",
    )
    assert told(Event.CONTRIBUTION_RETURNED) == ["writer1"]
    # writer1 had a mail minutes ago: the return waits for the digest window.
    from crisis_meetings.notifications import services

    services.send_pending(now=timezone.now() + timedelta(minutes=11))
    assert smtp.recipients() == ["writer1@pref.example.lg.jp"]
    assert "差戻しの理由:人数を確認してください。" in (
        smtp.messages[0].message.get_content().replace("\r\n", "\n")
    )
    # Resubmitted and returned again: told again (another version).
    run_jobs(
        contributions.contribution_submit,
        request=requests[1],
        user=writer,
        sections=[seed_section(DEPARTMENTS[1])],
    )
    run_jobs(
        contributions.contribution_return,
        request=requests[1],
        user=coordinator,
        comment="もう一度確認してください。",
    )
    assert told(Event.CONTRIBUTION_RETURNED) == ["writer1", "writer1"]
    # Nobody outside the departments asked and the coordinator heard anything.
    assert not Notification.objects.filter(recipient=bystanders).exists()
    assert not Notification.objects.filter(
        recipient=mailed_writers[DEPARTMENTS[3]]
    ).exists()


def test_due_in_two_hours_reminds_open_requests_once(
    meeting, coordinator, departments, mailed_writers, smtp, run_jobs
):
    now = timezone.now()
    soon, later = (
        run_jobs(
            contributions.contribution_request_create,
            meeting=meeting,
            user=coordinator,
            organisations=[departments[name]],
            due_at=now + timedelta(hours=hours),
        )[0]
        for name, hours in [(DEPARTMENTS[0], 1.5), (DEPARTMENTS[1], 5)]
    )
    submitted = run_jobs(
        contributions.contribution_request_create,
        meeting=meeting,
        user=coordinator,
        organisations=[departments[DEPARTMENTS[2]]],
        due_at=now + timedelta(hours=1),
    )[0]
    run_jobs(
        contributions.contribution_submit,
        request=submitted,
        user=mailed_writers[DEPARTMENTS[2]],
        sections=[seed_section(DEPARTMENTS[2])],
    )
    assert run_jobs(contribution_notes.due_reminders, now=now) == 1
    assert run_jobs(contribution_notes.due_reminders, now=now) == 0
    assert told(Event.CONTRIBUTION_DUE) == ["writer0"]
    # Three hours on, the second is due within 2 hours; the first is past due.
    assert (
        run_jobs(contribution_notes.due_reminders, now=now + timedelta(hours=3.5)) == 1
    )
    assert told(Event.CONTRIBUTION_DUE) == ["writer0", "writer1"]
    assert later.pk != soon.pk
