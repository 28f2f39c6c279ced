"""最終更新 (the staff dashboard's last change): every workflow step is a change of
the meeting, so it names the step's time and who took it, as an editor's save does."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services, trash
from meetings.models import Meeting
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=30)


def _aged(meeting: Meeting) -> Meeting:
    """The meeting as if its author had last touched it a month ago."""
    Meeting.objects.filter(pk=meeting.pk).update(
        updated_at=LONG_AGO, updated_by=meeting.created_by
    )
    return Meeting.objects.get(pk=meeting.pk)


def _changed_by(meeting: Meeting, user) -> None:
    fresh = Meeting.objects.get(pk=meeting.pk)
    assert fresh.updated_at > LONG_AGO + timedelta(days=29)
    assert fresh.updated_by == user
    assert fresh.history.first().history_user == user


def _published(editor, approver) -> Meeting:
    meeting = make_meeting(user=editor, status=Meeting.Status.REVIEW)
    services.meeting_publish(meeting=meeting, user=approver)
    return meeting


def test_withdrawing_is_the_last_change_on_the_dashboard(client, editor, approver):
    meeting = _aged(_published(editor, approver))
    assert meeting.updated_by == editor
    client.force_login(approver)
    response = client.post(
        reverse("staff:withdraw", args=[meeting.pk]),
        {"comment": "重複して公開したため", "confirm": "on"},
    )
    assert response.status_code == 302
    _changed_by(meeting, approver)
    page = client.get(reverse("staff:dashboard")).content.decode()
    [row] = re.findall(
        rf'<tr[^>]*data-meeting="{meeting.pk}".*?</tr>', page, flags=re.DOTALL
    )
    now = timezone.localtime()
    assert f"{now.month}月{now.day}日" in row
    assert "bob_approver" in row
    assert "alice_editor" not in row


@pytest.mark.parametrize("step", ["submit", "return", "publish", "withdraw"])
def test_every_workflow_step_names_its_time_and_who_took_it(step, editor, approver):
    status = Meeting.Status.DRAFT if step == "submit" else Meeting.Status.REVIEW
    meeting = make_meeting(user=editor, status=status)
    if step == "withdraw":
        services.meeting_publish(meeting=meeting, user=approver)
    meeting = _aged(meeting)
    user = editor if step == "submit" else approver
    if step == "submit":
        services.meeting_submit(meeting=meeting, user=user)
    elif step == "return":
        services.meeting_return(meeting=meeting, user=user, comment="日付の誤り")
    elif step == "publish":
        services.meeting_publish(meeting=meeting, user=user)
    else:
        services.meeting_withdraw(meeting=meeting, user=user, comment="重複")
    _changed_by(meeting, user)


def test_deleting_and_restoring_from_the_trash_name_who_did_it(editor, admin_user):
    meeting = _aged(make_meeting(user=editor))
    trash.meeting_delete(meeting=meeting, user=editor)
    _changed_by(meeting, editor)
    meeting = _aged(meeting)
    trash.meeting_restore(meeting=meeting, user=admin_user)
    _changed_by(meeting, admin_user)


def test_a_correction_saved_after_publication_names_its_editor(
    editor, other_editor, approver
):
    meeting = _aged(_published(editor, approver))
    fresh = Meeting.objects.with_parts().get(pk=meeting.pk)
    services.meeting_save(
        meeting=fresh,
        header={"location": "県庁4階 403会議室"},
        parts=services_parts(fresh),
        user=other_editor,
        expected_version=fresh.version,
    )
    _changed_by(meeting, other_editor)


def services_parts(meeting: Meeting):
    from meetings.contributions.services import stored_parts

    return stored_parts(meeting)
