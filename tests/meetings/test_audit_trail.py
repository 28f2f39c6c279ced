"""The audit trail nobody can rewrite: workflow events, publications, progress logs.

The Django admin shows them read-only; the model layer refuses changes and
deletions; on PostgreSQL a trigger refuses raw SQL too (on SQLite, UPDATE).
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from meetings import services
from meetings.models import AppendOnlyError, Meeting, MeetingEvent, Publication
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def published(editor, approver) -> Meeting:
    meeting = make_meeting(user=editor, status="review")
    services.meeting_publish(meeting=meeting, user=approver)
    meeting.refresh_from_db()
    return meeting


def _withdrawn(published: Meeting, approver) -> Meeting:
    services.meeting_withdraw(meeting=published, user=approver, comment="誤り")
    published.refresh_from_db()
    return published


# -- the admin, as a superuser -------------------------------------------------


def test_admin_shows_events_but_cannot_change_add_or_delete_them(
    client, admin_user, approver, published
):
    meeting = _withdrawn(published, approver)
    event = meeting.events.get(action=MeetingEvent.Action.WITHDRAW)
    client.force_login(admin_user)
    change_url = reverse("admin:meetings_meetingevent_change", args=[event.pk])
    page = client.get(change_url)
    assert page.status_code == HTTPStatus.OK  # shown, read-only
    assert 'name="action"' not in page.content.decode()

    edited = client.post(
        change_url,
        {"action": "save", "to_status": "published", "comment": "", "changes": "{}"},
    )
    assert edited.status_code == HTTPStatus.FORBIDDEN
    deleted = client.post(
        reverse("admin:meetings_meetingevent_delete", args=[event.pk]),
        {"post": "yes"},
    )
    assert deleted.status_code == HTTPStatus.FORBIDDEN
    bulk = client.post(
        reverse("admin:meetings_meetingevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    added = client.post(
        reverse("admin:meetings_meetingevent_add"),
        {"meeting": meeting.pk, "action": "publish", "changes": "{}"},
    )
    assert added.status_code == HTTPStatus.FORBIDDEN

    event.refresh_from_db()
    assert event.action == MeetingEvent.Action.WITHDRAW
    assert event.to_status == Meeting.Status.WITHDRAWN
    assert meeting.events.count() == 4  # create, submit, publish, withdraw


def test_admin_cannot_change_or_delete_a_publication(client, admin_user, published):
    publication = published.current_publication
    client.force_login(admin_user)
    url = reverse("admin:meetings_publication_change", args=[publication.pk])
    assert client.get(url).status_code == HTTPStatus.OK
    assert client.post(url, {"title": "改ざん"}).status_code == HTTPStatus.FORBIDDEN
    deleted = client.post(
        reverse("admin:meetings_publication_delete", args=[publication.pk]),
        {"post": "yes"},
    )
    assert deleted.status_code == HTTPStatus.FORBIDDEN
    client.post(
        reverse("admin:meetings_publication_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [publication.pk],
            "post": "yes",
        },
    )
    assert Publication.objects.filter(pk=publication.pk, title=published.title).exists()


def test_admin_cannot_set_a_meetings_status(client, admin_user, approver, published):
    meeting = _withdrawn(published, approver)
    events = meeting.events.count()
    client.force_login(admin_user)
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == HTTPStatus.OK  # the admin still shows the meeting
    assert 'name="status"' not in page.content.decode()
    response = client.post(
        url,
        {
            "meeting_type": meeting.meeting_type_id,
            "status": "published",
            "held_on": "2024-05-10",
            "mode": "in_person",
            "separator": ",",
            "attendee_unit": "名",
        },
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.WITHDRAWN
    assert meeting.events.count() == events


def test_admin_cannot_revert_a_meeting_to_an_old_version_through_history(
    client, admin_user, approver, published
):
    meeting = _withdrawn(published, approver)
    published_version = meeting.history.filter(status="published").earliest(
        "history_date"
    )
    client.force_login(admin_user)
    url = reverse(
        "admin:meetings_meeting_simple_history",
        args=[meeting.pk, published_version.history_id],
    )
    assert client.get(url).status_code == HTTPStatus.OK
    response = client.post(url, {})
    assert response.status_code == HTTPStatus.FORBIDDEN
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.WITHDRAWN


def test_admin_cannot_add_delete_or_edit_the_parts_of_a_meeting(
    client, admin_user, published
):
    client.force_login(admin_user)
    section = published.sections.get()
    assert (
        client.get(reverse("admin:meetings_meeting_add")).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert (
        client.post(
            reverse("admin:meetings_meeting_delete", args=[published.pk]),
            {"post": "yes"},
        ).status_code
        == HTTPStatus.FORBIDDEN
    )
    response = client.post(
        reverse("admin:meetings_section_change", args=[section.pk]),
        {"speaker": "改ざん", "order": 1, "kind": "report", "group": "main"},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    section.refresh_from_db()
    assert section.speaker == "危機管理政策課"
    assert Meeting.objects.filter(pk=published.pk).exists()


def test_admin_changelist_keeps_the_pdf_export_action(client, admin_user, published):
    client.force_login(admin_user)
    html = client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    assert "export_official_pdfs" in html


# -- the model layer -------------------------------------------------------------


def test_model_layer_refuses_to_change_or_delete_an_event(published):
    event = published.events.get(action=MeetingEvent.Action.PUBLISH)
    event.action = MeetingEvent.Action.SAVE
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        MeetingEvent.objects.filter(pk=event.pk).update(action="save")
    with pytest.raises(AppendOnlyError):
        MeetingEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        MeetingEvent.objects.bulk_update([event], ["action"])
    assert MeetingEvent.objects.get(pk=event.pk).action == MeetingEvent.Action.PUBLISH


def test_model_layer_refuses_to_change_or_delete_a_publication(published):
    publication = published.current_publication
    publication.title = "改ざん"
    with pytest.raises(AppendOnlyError):
        publication.save()
    with pytest.raises(AppendOnlyError):
        publication.delete()
    with pytest.raises(AppendOnlyError):
        Publication.objects.filter(pk=publication.pk).update(title="改ざん")
    with pytest.raises(AppendOnlyError):
        Publication.objects.all().delete()
    assert Publication.objects.get(pk=publication.pk).title == published.title


def test_a_meeting_with_events_cannot_be_deleted(published):
    with pytest.raises(ProtectedError):
        published.delete()
    assert Meeting.objects.filter(pk=published.pk).exists()


def test_republishing_and_withdrawing_still_work(editor, approver, published):
    """The workflow only ever inserts events and publications."""
    header = {"title_override": "訂正後のタイトル"}
    meeting, _ = services.meeting_save(
        meeting=published,
        header=header,
        parts={"sections": [], "agenda": [], "attendees": []},
        user=editor,
        expected_version=published.version,
    )
    services.meeting_publish(meeting=meeting, user=approver, correction_note="題名")
    _withdrawn(meeting, approver)
    assert meeting.publications.count() == 2
    assert list(meeting.events.values_list("action", flat=True)) == [
        "create",
        "submit",
        "publish",
        "save",
        "correct",
        "withdraw",
    ]


# -- the database itself -----------------------------------------------------------


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.skipif(
    not POSTGRES, reason="PostgreSQL trigger; SQLite is covered by the tests below"
)
@pytest.mark.parametrize(
    "table", ["meetings_meetingevent", "meetings_publication"], ids=["event", "pub"]
)
def test_postgres_trigger_refuses_raw_update_and_delete(published, table):
    row = (
        published.events.latest("id").pk
        if table == "meetings_meetingevent"
        else published.current_publication_id
    )
    column = "comment" if table == "meetings_meetingevent" else "title"
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', ["改ざん", row])
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(f'DELETE FROM "{table}" WHERE id = %s', [row])
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [row])
        assert cursor.fetchone()[0] != "改ざん"


@pytest.mark.skipif(POSTGRES, reason="SQLite trigger; PostgreSQL is tested above")
@pytest.mark.parametrize(
    "table",
    ["meetings_meetingevent", "meetings_publication", "incidents_directiveprogress"],
)
def test_sqlite_trigger_refuses_raw_update(published, table):
    """SQLite refuses raw UPDATEs (DELETE is refused by the model layer only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [table],
        )
        triggers = [row[0] for row in cursor.fetchall()]
    assert any("BEFORE UPDATE" in sql for sql in triggers), triggers
    row = published.events.latest("id").pk
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(
            'UPDATE "meetings_meetingevent" SET "comment" = %s WHERE id = %s',
            ["改ざん", row],
        )
    assert MeetingEvent.objects.get(pk=row).comment != "改ざん"


# -- users are deactivated, not deleted -------------------------------------------


def test_deleting_a_user_with_events_is_refused_in_japanese(
    client, admin_user, approver, published
):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_delete", args=[approver.pk])
    page = client.get(url, follow=True)
    assert page.status_code == HTTPStatus.OK
    text = page.content.decode()
    assert "削除できません" in text and "無効化してください" in text
    assert "操作履歴" in text and "公開版" in text
    response = client.post(url, {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND  # refused, no 500
    approver.refresh_from_db()
    assert published.events.get(action="publish").actor == approver
    with pytest.raises(ProtectedError):
        approver.delete()


def test_a_user_without_records_can_still_be_deleted(client, admin_user, outsider):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_delete", args=[outsider.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert not type(outsider).objects.filter(pk=outsider.pk).exists()


def test_admin_deactivates_users_instead(client, admin_user, approver, published):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate_users", "_selected_action": [approver.pk]},
        follow=True,
    )
    assert "無効化しました" in response.content.decode()
    approver.refresh_from_db()
    assert not approver.is_active
    assert published.current_publication.published_by == approver
