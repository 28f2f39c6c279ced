"""Issue 14: a draft can be deleted by its editor or an approver (confirm page, then
the trash), an admin restores it within TRASH_DAYS, ``purge_trash`` removes it after;
the audit trail records each step. 公開遅れ only for recently held meetings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from meetings import trash
from meetings.models import Meeting, MeetingEvent
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def _dashboard_ids(client) -> list[int]:
    response = client.get(reverse("staff:dashboard"))
    return [m.pk for c in response.context["columns"] for m in c["meetings"]]


def test_its_editor_deletes_a_draft_after_confirming(client, editor):
    meeting = make_meeting(user=editor)
    client.force_login(editor)
    url = reverse("staff:delete", args=[meeting.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "削除する" in confirm.content.decode()
    meeting.refresh_from_db()
    assert meeting.deleted_at is None  # a GET deletes nothing

    response = client.post(url, {"comment": "取込みの失敗"})

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.deleted_at is not None and meeting.deleted_by == editor
    assert meeting.pk not in _dashboard_ids(client)
    assert client.get(reverse("staff:edit", args=[meeting.pk])).status_code == 404
    event = meeting.events.order_by("-id").first()
    assert (event.action, event.actor, event.comment) == (
        MeetingEvent.Action.DELETE,
        editor,
        "取込みの失敗",
    )


def test_another_editor_cannot_delete_it_an_approver_can(
    client, editor, other_editor, approver
):
    meeting = make_meeting(user=editor)
    url = reverse("staff:delete", args=[meeting.pk])
    client.force_login(other_editor)
    assert client.post(url).status_code == 403
    meeting.refresh_from_db()
    assert meeting.deleted_at is None

    client.force_login(approver)
    assert client.post(url).status_code == 302
    meeting.refresh_from_db()
    assert meeting.deleted_by == approver


def test_a_published_meeting_cannot_be_deleted(client, approver):
    meeting = make_meeting(user=approver, status="published")
    client.force_login(approver)
    response = client.post(reverse("staff:delete", args=[meeting.pk]))
    assert response.status_code == 403
    assert "取下げ" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.deleted_at is None


def test_admin_restores_from_the_trash_and_the_trail_says_so(
    client, editor, admin_user
):
    meeting = make_meeting(user=editor)
    trash.meeting_delete(meeting=meeting, user=editor)
    client.force_login(editor)
    assert client.get(reverse("staff:trash")).status_code == 403

    client.force_login(admin_user)
    listed = client.get(reverse("staff:trash"))
    assert listed.context["meetings"] == [meeting]
    assert "ごみ箱" in client.get(reverse("staff:dashboard")).content.decode()

    response = client.post(reverse("staff:restore", args=[meeting.pk]))

    assert response["Location"] == reverse("staff:edit", args=[meeting.pk])
    meeting.refresh_from_db()
    assert meeting.deleted_at is None
    assert meeting.pk in _dashboard_ids(client)
    actions = list(meeting.events.values_list("action", flat=True))
    assert actions[-2:] == [MeetingEvent.Action.DELETE, MeetingEvent.Action.RESTORE]


def test_purge_after_the_trash_days_keeps_the_audit_trail(editor, settings, capsys):
    settings.TRASH_DAYS = 30
    old = make_meeting(user=editor)
    young = make_meeting(user=editor)
    for meeting in (old, young):
        trash.meeting_delete(meeting=meeting, user=editor)
    Meeting.objects.filter(pk=old.pk).update(
        deleted_at=timezone.now() - timedelta(days=31)
    )

    call_command("purge_trash")

    assert "1件" in capsys.readouterr().out
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.purged_at is not None and young.purged_at is None
    assert not old.sections.exists() and not old.attendees.exists()
    assert young.sections.exists()
    assert old.events.order_by("-id").first().action == MeetingEvent.Action.PURGE
    # The trail before the purge is still there (append-only).
    assert old.events.filter(action=MeetingEvent.Action.DELETE).exists()
    with pytest.raises(trash.TrashError):
        trash.meeting_restore(meeting=old, user=_admin(editor))


def _admin(user):
    user.is_superuser = True
    user.save()
    return user


def test_overdue_means_held_recently_and_unpublished_after_24_hours(
    client, editor, settings
):
    settings.OVERDUE_WINDOW_DAYS = 30
    today = timezone.localdate()
    late = make_meeting(user=editor, held_on=(today - timedelta(days=2)).isoformat())
    entered_today_2012 = make_meeting(user=editor, held_on="2012-12-26")
    just_held = make_meeting(user=editor, held_on=today.isoformat(), start_time="00:00")
    client.force_login(editor)

    response = client.get(reverse("staff:dashboard"))

    flags = {m.pk: m.is_overdue for m in response.context["columns"][0]["meetings"]}
    assert flags == {late.pk: True, entered_today_2012.pk: False, just_held.pk: False}
    assert response.context["overdue_count"] == 1
