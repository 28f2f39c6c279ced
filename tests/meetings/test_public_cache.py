"""Whole-page cache of public pages: served without queries, never stale after a write."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core.cache import cache

from meetings import services
from tests.factories import make_meeting
from tests.meetings.public_builders import _fresh_public_cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]
__all__ = ["_fresh_public_cache"]


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


def _published(approver, editor, **overrides):
    meeting = make_meeting(status="review", user=editor, **overrides)
    services.meeting_publish(meeting=meeting, user=approver)
    return meeting


def test_second_anonymous_view_of_a_meeting_is_served_without_queries(
    client,
    approver,
    editor,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _published(approver, editor)
    first = client.get(meeting.get_absolute_url())
    with django_assert_num_queries(0):
        second = client.get(meeting.get_absolute_url())
    assert second.status_code == HTTPStatus.OK
    assert second.content == first.content
    assert "「テスト事案」について" in second.content.decode()


def test_withdrawn_meeting_is_404_at_once_although_its_page_was_cached(
    client, approver, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _published(approver, editor)
    assert client.get(meeting.get_absolute_url()).status_code == HTTPStatus.OK
    assert "「テスト事案」について" in client.get("/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_withdraw(meeting=meeting, user=approver)

    assert client.get(meeting.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert "「テスト事案」について" not in client.get("/").content.decode()


def test_a_correction_replaces_the_cached_page(
    client, approver, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _published(approver, editor)
    assert (
        "万代庁舎3階特別会議室"
        in client.get(meeting.get_absolute_url()).content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        meeting.refresh_from_db()
        meeting.location = "県庁3階 防災危機管理センター"
        meeting.version += 1
        meeting.save()
        services.meeting_publish(
            meeting=meeting, user=approver, correction_note="場所を訂正しました。"
        )

    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "県庁3階 防災危機管理センター" in page
    assert "場所を訂正しました。" in page


def test_requests_with_cookies_are_rendered_fresh(
    client,
    approver,
    editor,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _published(approver, editor)
    client.get(meeting.get_absolute_url())
    client.force_login(editor)
    with django_assert_max_num_queries(20) as captured:
        assert client.get(meeting.get_absolute_url()).status_code == HTTPStatus.OK
    assert len(captured.captured_queries) > 0


def test_page_cache_is_off_without_a_shared_cache(settings, client, approver, editor):
    settings.PUBLIC_PAGE_CACHE = False
    meeting = _published(approver, editor)
    client.get(meeting.get_absolute_url())
    services.meeting_withdraw(meeting=meeting, user=approver)  # no commit callbacks run
    assert client.get(meeting.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_cached_search_results_drop_a_withdrawn_meeting(
    client, approver, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _published(approver, editor, agenda=["「豚熱の発生」について"])
    assert "豚熱の発生" in client.get("/search/", {"q": "豚熱"}).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_withdraw(meeting=meeting, user=approver)

    assert "豚熱の発生" not in client.get("/search/", {"q": "豚熱"}).content.decode()
