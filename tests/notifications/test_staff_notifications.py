"""Staff notifications reach exactly the people concerned, by mail through a real
SMTP server (aiosmtpd), once; a stopped server delays a mail but never loses it
nor a save."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from crisis_meetings.notifications import dispatch, services
from crisis_meetings.notifications.models import (
    Event,
    MailPreference,
    Notification,
    OutboxMail,
)
from incidents import services as incident_services
from incidents.models import DepartmentMembership, DirectiveAssignment
from meetings import permissions
from meetings import services as meeting_services
from meetings.models import Meeting, Organisation
from tests.factories import make_meeting
from tests.incidents.conftest import directive_items, make_directive_meeting

pytestmark = pytest.mark.django_db


def person(django_user_model, username, role=None, *, email=True, org=None):
    user = django_user_model.objects.create_user(
        username=username,
        password="pw",
        email=f"{username}@pref.example.lg.jp" if email else "",
    )
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if org is not None:
        DepartmentMembership.objects.create(user=user, organisation=org)
    return user


@pytest.fixture
def cast(django_user_model):
    medical = Organisation.objects.create(name="医療政策課", kind="division")
    police = Organisation.objects.create(name="警察本部", kind="department")
    smart = Organisation.objects.create(name="スマート県庁推進課", kind="division")
    return {
        "writer": person(django_user_model, "writer", permissions.EDITOR),
        "bystander": person(django_user_model, "bystander", permissions.EDITOR),
        "approver1": person(django_user_model, "approver1", permissions.APPROVER),
        "approver2": person(django_user_model, "approver2", permissions.APPROVER),
        "admin": person(django_user_model, "chief", permissions.ADMIN),
        "medical1": person(
            django_user_model, "medical1", permissions.EDITOR, org=medical
        ),
        "medical2": person(
            django_user_model, "medical2", permissions.EDITOR, org=medical
        ),
        "police1": person(django_user_model, "police1", permissions.EDITOR, org=police),
        "smart1": person(
            django_user_model, "smart1", permissions.EDITOR, org=smart, email=False
        ),
        "medical": medical,
        "police": police,
        "smart": smart,
    }


def subject(message) -> str:
    return str(message["Subject"]).strip()


def told(event: str) -> set[str]:
    return set(
        Notification.objects.filter(event=event).values_list(
            "recipient__username", flat=True
        )
    )


def addr(*names: str) -> list[str]:
    return sorted(f"{n}@pref.example.lg.jp" for n in names)


def test_submission_tells_the_approvers_only_one_mail_each(cast, smtp, run_jobs):
    meeting = make_meeting(user=cast["writer"])
    run_jobs(meeting_services.meeting_submit, meeting=meeting, user=cast["writer"])

    assert told(Event.MEETING_SUBMITTED) == {"approver1", "approver2"}
    assert smtp.recipients() == addr("approver1", "approver2")
    received = smtp.to("approver1@pref.example.lg.jp")[0]
    message = received.message
    # Japanese subject, MIME-encoded on the wire, decoded back exactly (Python's
    # compat32 folding starts the encoded words on a continuation line: a leading
    # space after unfolding, which mail clients drop).
    assert subject(message) == f"【危機管理会議 開催結果】承認依頼:{meeting.title}"
    head = received.raw.replace(b"\r\n", b"\n").split(b"\n\n")[0]
    assert b"Subject: \n =?utf-8?b?" in head  # RFC 2047 on the wire, ASCII only
    assert all(byte < 128 for byte in head)
    assert message["From"] == "kikikanri-noreply@example.lg.jp"
    assert message["Message-ID"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "内容を確認して、公開するか差し戻してください。" in body
    assert (
        f"https://kikikanri.example.lg.jp{reverse('staff:preview', args=[meeting.pk])}"
        in body
    )
    assert "List-Unsubscribe" not in message  # staff mails: the settings page instead
    # A second run of the same job tells nobody again.
    event = meeting.events.get(action="submit")
    assert dispatch.meeting_event(event.pk) == 0
    assert Notification.objects.filter(event=Event.MEETING_SUBMITTED).count() == 2


def test_return_tells_the_meetings_editors_not_other_editors(cast, smtp, run_jobs):
    meeting = make_meeting(user=cast["writer"])
    run_jobs(meeting_services.meeting_submit, meeting=meeting, user=cast["writer"])
    smtp.clear()
    run_jobs(
        meeting_services.meeting_return,
        meeting=meeting,
        user=cast["approver1"],
        comment="出席者の人数を直してください。",
    )
    assert told(Event.MEETING_RETURNED) == {"writer"}
    assert smtp.recipients() == addr("writer")
    body = smtp.messages[0].message.get_content()
    assert "差戻しの理由:出席者の人数を直してください。" in body


def test_publication_tells_the_editors_and_not_the_publisher(cast, smtp, run_jobs):
    meeting = make_meeting(user=cast["writer"])
    meeting_services.meeting_submit(meeting=meeting, user=cast["writer"])
    smtp.clear()
    run_jobs(meeting_services.meeting_publish, meeting=meeting, user=cast["approver2"])
    assert told(Event.MEETING_PUBLISHED) == {"writer"}
    assert smtp.recipients() == addr("writer")
    assert subject(smtp.messages[0].message).endswith(f"公開:{meeting.title}")


def test_a_user_who_chose_no_mail_is_told_in_the_app_only(cast, smtp, run_jobs):
    MailPreference.objects.create(
        user=cast["approver2"], event=Event.MEETING_SUBMITTED, by_mail=False
    )
    meeting = make_meeting(user=cast["writer"])
    run_jobs(meeting_services.meeting_submit, meeting=meeting, user=cast["writer"])
    assert told(Event.MEETING_SUBMITTED) == {"approver1", "approver2"}
    assert smtp.recipients() == addr("approver1")


def test_directive_assignment_tells_that_department_only(cast, smtp, run_jobs):
    meeting = make_directive_meeting(
        "病院の対策を確認すること。", "全庁で確認すること。"
    )
    first, second = directive_items(meeting)
    run_jobs(
        incident_services.directive_assign,
        item=first,
        user=cast["writer"],
        organisation=cast["medical"],
        due_on=date(2030, 1, 10),
    )
    assert told(Event.DIRECTIVE_ASSIGNED) == {"medical1", "medical2"}
    assert smtp.recipients() == addr("medical1", "medical2")
    body = smtp.messages[0].message.get_content()
    assert "指示内容:・病院の対策を確認すること。" in body
    assert "期限:令和12年1月10日(木)" in body

    smtp.clear()
    run_jobs(
        incident_services.directive_assign,
        item=second,
        user=cast["writer"],
        all_departments=True,
    )
    # 全部局: every department's members; smart1 has no address: in the app only.
    all_told = set(
        Notification.objects.filter(key__endswith=":all").values_list(
            "recipient__username", flat=True
        )
    )
    assert all_told == {"medical1", "medical2", "police1", "smart1"}
    # The medical division had a mail a moment ago: theirs waits for the digest
    # window; the police get theirs now.
    assert smtp.recipients() == addr("police1")
    services.send_pending(now=timezone.now() + timedelta(minutes=11))
    assert smtp.recipients() == addr("medical1", "medical2", "police1")


def test_directive_reminders_come_once_due_soon_then_once_overdue(cast, smtp, run_jobs):
    meeting = make_directive_meeting("報告すること。")
    (item,) = directive_items(meeting)
    today = date(2030, 3, 10)
    assignment = DirectiveAssignment.objects.create(
        item=item,
        meeting=meeting,
        directive_text="・報告すること。",
        organisation=cast["police"],
        due_on=today + timedelta(days=1),
    )
    done = DirectiveAssignment.objects.create(
        meeting=meeting,
        directive_text="・済んだこと。",
        organisation=cast["medical"],
        due_on=today - timedelta(days=3),
        status=DirectiveAssignment.Status.DONE,
    )
    assert done.is_closed
    smtp.clear()
    Notification.objects.all().delete()

    assert run_jobs(dispatch.directive_reminders, today=today) == 1
    assert run_jobs(dispatch.directive_reminders, today=today) == 0  # idempotent
    assert told(Event.DIRECTIVE_DUE_SOON) == {"police1"}
    assert told(Event.DIRECTIVE_OVERDUE) == set()
    later = today + timedelta(days=2)
    assert run_jobs(dispatch.directive_reminders, today=later) == 1
    assert run_jobs(dispatch.directive_reminders, today=later) == 0
    assert told(Event.DIRECTIVE_OVERDUE) == {"police1"}
    # A new due date reminds again, once.
    assignment.due_on = later + timedelta(days=1)
    assignment.save()
    assert run_jobs(dispatch.directive_reminders, today=later) == 1
    assert Notification.objects.filter(event=Event.DIRECTIVE_DUE_SOON).count() == 2
    # Nobody outside the police was told anything about these.
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "police1"
    }


def test_the_command_sends_reminders_and_is_idempotent(cast, smtp, run_jobs):
    meeting = make_directive_meeting("報告すること。")
    (item,) = directive_items(meeting)
    DirectiveAssignment.objects.create(
        item=item,
        meeting=meeting,
        directive_text="・報告すること。",
        organisation=cast["police"],
        due_on=timezone.localdate() - timedelta(days=1),
    )
    run_jobs(call_command, "send_reminders")
    run_jobs(call_command, "send_reminders")
    assert told(Event.DIRECTIVE_OVERDUE) == {"police1"}
    overdue_mails = [m for m in smtp.messages if "期限超過" in subject(m.message)]
    assert len(overdue_mails) == 1


def test_a_stopped_smtp_server_delays_but_never_loses_a_mail_or_a_save(
    cast, smtp, run_jobs
):
    meeting = make_meeting(user=cast["writer"])
    smtp.stop()
    # The save (a workflow step) succeeds while the mail server is down.
    run_jobs(meeting_services.meeting_submit, meeting=meeting, user=cast["writer"])
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW
    assert told(Event.MEETING_SUBMITTED) == {"approver1", "approver2"}
    queued = OutboxMail.objects.filter(status=OutboxMail.Status.PENDING)
    assert queued.count() == 2
    assert all(m.attempts == 1 and m.last_error for m in queued)
    assert all(m.next_attempt_at > timezone.now() for m in queued)
    # Not due yet: the cron run leaves them waiting.
    call_command("send_pending_mail")
    assert OutboxMail.objects.filter(status=OutboxMail.Status.PENDING).count() == 2

    smtp.start()
    later = timezone.now() + timedelta(hours=2)
    counts = services.send_pending(now=later)
    assert counts["sent"] == 2
    assert smtp.recipients() == addr("approver1", "approver2")
    # Delivered exactly once: further runs send nothing again.
    services.send_pending(now=later + timedelta(hours=1), retry_all=True)
    call_command("send_pending_mail", "--now")
    assert smtp.recipients() == addr("approver1", "approver2")
    assert set(OutboxMail.objects.values_list("status", "attempts")) == {
        (OutboxMail.Status.SENT, 2)
    }


def test_a_mail_that_keeps_failing_is_given_up_after_the_limit(
    cast, smtp, run_jobs, settings
):
    settings.NOTIFY_MAIL_MAX_ATTEMPTS = 3
    smtp.stop()
    meeting = make_meeting(user=cast["writer"])
    MailPreference.objects.create(
        user=cast["approver2"], event=Event.MEETING_SUBMITTED, by_mail=False
    )
    run_jobs(meeting_services.meeting_submit, meeting=meeting, user=cast["writer"])
    for _ in range(4):
        services.send_pending(retry_all=True)
    mail = OutboxMail.objects.get()
    assert (mail.status, mail.attempts) == (OutboxMail.Status.FAILED, 3)
    # The in-app notification is there whatever happened to the mail.
    assert told(Event.MEETING_SUBMITTED) == {"approver1", "approver2"}


def test_many_notifications_in_a_short_window_come_as_one_digest(
    cast, smtp, run_jobs, settings
):
    settings.NOTIFY_DIGEST_SECONDS = 600
    meetings = [
        make_meeting(user=cast["writer"], held_on=f"2024-05-1{n}") for n in range(3)
    ]
    for meeting in meetings:
        run_jobs(meeting_services.meeting_submit, meeting=meeting, user=cast["writer"])
    # The first submission: a mail each at once; the two after it wait.
    assert smtp.recipients() == addr("approver1", "approver2")
    assert Notification.objects.filter(wants_mail=True, mail__isnull=True).count() == 4
    services.send_pending(now=timezone.now() + timedelta(minutes=5))
    assert len(smtp.messages) == 2  # still inside the window
    services.send_pending(now=timezone.now() + timedelta(minutes=11))
    digests = smtp.to("approver1@pref.example.lg.jp")
    assert len(digests) == 2
    digest = digests[1].message
    assert subject(digest) == "【危機管理会議 開催結果】お知らせ2件"
    body = digest.get_content()
    assert meetings[1].title in body and meetings[2].title in body
    assert meetings[0].title not in body
    assert len(smtp.to("approver2@pref.example.lg.jp")) == 2
    assert not Notification.objects.filter(wants_mail=True, mail__isnull=True).exists()


def test_a_burst_at_once_is_one_digest(cast, smtp, run_jobs):
    meeting = make_directive_meeting("一つ目。", "二つ目。", "三つ目。")
    items = directive_items(meeting)

    def assign_all():
        for item in items:
            incident_services.directive_assign(
                item=item, user=cast["writer"], organisation=cast["police"]
            )

    run_jobs(assign_all)
    mails = smtp.to("police1@pref.example.lg.jp")
    assert len(mails) == 1
    assert subject(mails[0].message) == "【危機管理会議 開催結果】お知らせ3件"
