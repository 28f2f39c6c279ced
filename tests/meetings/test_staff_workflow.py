"""Workflow through the staff views: submit, send back, publish once, correct, withdraw."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services, wareki
from meetings.forms import Editor
from meetings.models import Meeting, MeetingEvent, Publication
from tests.factories import editor_post, make_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(editor) -> Meeting:
    return make_meeting(user=editor, status=Meeting.Status.REVIEW)


def _publish(client, meeting: Meeting, *, version: int | None = None, note: str = ""):
    return client.post(
        reverse("staff:publish", args=[meeting.pk]),
        {"version": version or meeting.version, "correction_note": note},
        follow=True,
    )


def test_editor_submits_a_draft_for_review(client, editor):
    meeting = make_meeting(user=editor)
    client.force_login(editor)

    client.post(reverse("staff:submit", args=[meeting.pk]))
    client.post(reverse("staff:submit", args=[meeting.pk]))  # a double click

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW
    assert meeting.events.filter(action=MeetingEvent.Action.SUBMIT).count() == 1


def test_double_publish_creates_one_snapshot(client, approver, in_review):
    client.force_login(approver)

    first = _publish(client, in_review)
    second = _publish(client, in_review)  # the same form posted again

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert Publication.objects.filter(meeting=in_review).count() == 1
    assert in_review.events.filter(action=MeetingEvent.Action.PUBLISH).count() == 1
    in_review.refresh_from_db()
    assert in_review.status == Meeting.Status.PUBLISHED


def test_double_publish_through_the_service_returns_the_same_publication(
    approver, in_review
):
    once = services.meeting_publish_reviewed(
        meeting=in_review, user=approver, version=in_review.version
    )
    twice = services.meeting_publish_reviewed(
        meeting=in_review, user=approver, version=in_review.version
    )
    assert once.pk == twice.pk
    assert Publication.objects.count() == 1


def test_publish_is_refused_when_the_meeting_changed_after_the_preview(
    client, approver, editor, in_review
):
    seen = in_review.version
    data = editor_post(
        Editor.for_meeting(Meeting.objects.with_parts().get(pk=in_review.pk))
    )
    data["location"] = "県庁4階 403会議室"
    client.force_login(editor)
    client.post(reverse("staff:edit", args=[in_review.pk]), data)

    client.force_login(approver)
    response = _publish(client, in_review, version=seen)

    assert "確認した後に内容が更新されています" in response.content.decode()
    assert not Publication.objects.exists()


def test_approver_may_not_publish_own_edits_unless_the_setting_allows(
    client, approver, in_review, settings
):
    data = editor_post(
        Editor.for_meeting(Meeting.objects.with_parts().get(pk=in_review.pk))
    )
    data["lead"] = "承認者が直したリード文。"
    client.force_login(approver)
    client.post(reverse("staff:edit", args=[in_review.pk]), data)
    in_review.refresh_from_db()

    refused = _publish(client, in_review)
    assert "自分が編集した会議は公開できません" in refused.content.decode()
    assert not Publication.objects.exists()

    settings.APPROVER_MAY_PUBLISH_OWN_EDITS = True
    _publish(client, in_review)
    assert Publication.objects.count() == 1


def test_approver_sends_back_to_draft_with_a_comment(client, approver, in_review):
    client.force_login(approver)

    without = client.post(reverse("staff:return", args=[in_review.pk]), follow=True)
    assert "差戻しの理由を入力してください" in without.content.decode()

    client.post(
        reverse("staff:return", args=[in_review.pk]), {"comment": "出席者数を確認"}
    )
    in_review.refresh_from_db()
    assert in_review.status == Meeting.Status.DRAFT
    event = in_review.events.get(action=MeetingEvent.Action.RETURN)
    assert (event.comment, event.actor) == ("出席者数を確認", approver)


def test_correction_is_republished_with_its_note_and_date_and_old_snapshot_kept(
    client, approver, editor, in_review
):
    client.force_login(approver)
    _publish(client, in_review)
    first = Publication.objects.get()

    data = editor_post(
        Editor.for_meeting(Meeting.objects.with_parts().get(pk=in_review.pk))
    )
    data["location"] = "県庁3階 防災危機管理センター"
    client.force_login(editor)
    client.post(reverse("staff:edit", args=[in_review.pk]), data)
    in_review.refresh_from_db()
    # Edited but not republished: the public still sees the first snapshot.
    public = client.get(in_review.get_absolute_url()).content.decode()
    assert "万代庁舎3階特別会議室" in public

    client.force_login(approver)
    refused = _publish(client, in_review)
    assert "訂正内容を入力してください" in refused.content.decode()
    _publish(client, in_review, note="開催場所を訂正しました。")

    assert Publication.objects.count() == 2
    client.logout()
    public = client.get(in_review.get_absolute_url()).content.decode()
    assert "県庁3階 防災危機管理センター" in public
    assert "開催場所を訂正しました。" in public
    today = wareki.format_wareki(timezone.localdate())
    assert f">{today}</time>" in public  # the correction's date
    first.refresh_from_db()
    assert "万代庁舎3階特別会議室" in first.html  # the old snapshot is unchanged
    client.force_login(editor)
    snapshot = client.get(reverse("staff:publication", args=[in_review.pk, 1]))
    assert "万代庁舎3階特別会議室" in snapshot.content.decode()


def test_withdrawn_meeting_disappears_and_can_no_longer_be_edited(
    client, approver, in_review
):
    client.force_login(approver)
    _publish(client, in_review)
    refused = client.post(reverse("staff:withdraw", args=[in_review.pk]))
    assert "取下げの理由を入力してください" in refused.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == Meeting.Status.PUBLISHED
    client.post(
        reverse("staff:withdraw", args=[in_review.pk]),
        {"comment": "重複して公開したため", "confirm": "on"},
    )

    in_review.refresh_from_db()
    assert in_review.status == Meeting.Status.WITHDRAWN
    response = client.get(reverse("staff:edit", args=[in_review.pk]))
    assert response.status_code == HTTPStatus.FOUND
    client.logout()
    assert client.get(in_review.get_absolute_url()).status_code == HTTPStatus.GONE


def test_withdrawing_asks_for_a_confirmation_and_keeps_the_typed_reason(
    client, approver, in_review
):
    client.force_login(approver)
    _publish(client, in_review)
    response = client.post(
        reverse("staff:withdraw", args=[in_review.pk]), {"comment": "日付の誤り"}
    )
    html = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "取り下げる前に、確認の欄にチェックを入れてください。" in html
    assert "日付の誤り</textarea>" in html
    in_review.refresh_from_db()
    assert in_review.status == Meeting.Status.PUBLISHED
    assert not in_review.events.filter(action=MeetingEvent.Action.WITHDRAW).exists()


def test_preview_is_the_public_page_marked_as_draft(client, editor, in_review):
    client.force_login(editor)

    page = client.get(reverse("staff:preview", args=[in_review.pk])).content.decode()

    assert '<p class="kk-draft-mark"' in page and ">案</p>" in page
    assert "<title>【案】" in page
    assert '<article class="kaisai-kekka"' in page
    assert "テストの説明。" in page


def test_dashboard_lists_overdue_meetings_first(client, editor):
    from datetime import timedelta

    from django.utils import timezone

    recent = make_meeting(user=editor, held_on="2099-01-01")
    three_days_ago = (timezone.localdate() - timedelta(days=3)).isoformat()
    overdue = make_meeting(user=editor, held_on=three_days_ago)
    client.force_login(editor)

    response = client.get(reverse("staff:dashboard"))

    drafts = response.context["columns"][0]["meetings"]
    assert [m.pk for m in drafts] == [overdue.pk, recent.pk]
    assert drafts[0].is_overdue and not drafts[1].is_overdue
    assert "公開遅れ" in response.content.decode()


def _race(*calls):
    """Run the calls at the same time in threads; returns their results or errors."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - collected for the assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_approvers_publishing_at_once_create_one_snapshot(editor, approver):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are PostgreSQL's; SQLite serialises")
    meeting = make_meeting(user=editor, status=Meeting.Status.REVIEW)

    def publish():
        return services.meeting_publish_reviewed(
            meeting=meeting, user=approver, version=meeting.version
        ).pk

    results = _race(publish, publish)

    assert results[0] == results[1]
    assert Publication.objects.filter(meeting=meeting).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_saves_from_the_same_version_at_once_refuse_the_second(editor, approver):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are PostgreSQL's; SQLite serialises")
    meeting = make_meeting(user=editor)

    def save(user, location):
        def call():
            return services.meeting_save(
                meeting=meeting,
                header={"location": location},
                parts={"attendees": ["危機管理部副部長"], "sections": []},
                user=user,
                expected_version=1,
            )[0].version

        return call

    results = _race(save(editor, "会議室A"), save(approver, "会議室B"))

    assert sorted(type(r).__name__ for r in results) == ["EditConflict", "int"]
    meeting.refresh_from_db()
    assert meeting.version == 2
