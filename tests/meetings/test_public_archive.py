"""The public archive: newest first, paginated, filtered; published meetings only."""

from __future__ import annotations

import re
from datetime import date
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from incidents.models import Incident, IncidentLink
from meetings import services
from meetings.models import Meeting
from tests.factories import make_meeting
from tests.meetings.public_builders import (
    _fresh_public_cache,
    meeting_type,
    publish_many,
)

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]

ARCHIVE = "public:archive"


def _titles(response) -> list[str]:
    return _titles_of(response.content.decode())


def _titles_of(html: str) -> list[str]:
    return re.findall(r'<p class="meeting-row-title"><a href="[^"]+">([^<]+)</a>', html)


def _html(path: str, params: dict | None = None) -> str:
    response = Client().get(path, params or {})
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def _incident(title: str = "停電事案", **kwargs) -> Incident:
    return Incident.objects.create(
        title=title,
        category=Incident.Category.OTHER,
        started_at="2024-05-01T09:00:00+09:00",
        **kwargs,
    )


@pytest.mark.parametrize("who", [None, "editor", "approver", "admin_user", "outsider"])
def test_archive_shows_the_same_published_list_to_everyone(request, client, who):
    make_meeting(status="published", held_on="2024-05-10")
    make_meeting(status="draft", held_on="2024-06-10", title="下書きの会議の開催結果")
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(ARCHIVE))
    assert response.status_code == HTTPStatus.OK
    assert _titles(response) == ["危機管理連絡会議の開催結果について(令和6年5月10日)"]
    assert "下書きの会議" not in response.content.decode()


def test_archive_lists_newest_first_with_wareki_date_time_element_and_agenda():
    make_meeting(
        status="published", held_on="2023-03-31", agenda=["「古い事案」について"]
    )
    make_meeting(
        status="published",
        held_on="2024-05-10",
        agenda=["「新しい事案」について", "その他"],
        agenda_markers=["(1)", "(2)"],
    )
    html = _html(reverse(ARCHIVE))
    assert _titles_of(html) == [
        "危機管理連絡会議の開催結果について(令和6年5月10日)",
        "危機管理連絡会議の開催結果について(令和5年3月31日)",
    ]
    assert '<time datetime="2024-05-10">令和6年5月10日(金)</time>' in html
    assert '<time datetime="2023-03-31">令和5年3月31日(金)</time>' in html
    assert "<li>(1)「新しい事案」について</li><li>(2)その他</li>" in html
    assert "「古い事案」について" in html


def test_archive_shows_what_was_published_not_a_correction_in_progress(editor):
    meeting = make_meeting(status="published", held_on="2024-05-10")
    Meeting.objects.filter(pk=meeting.pk).update(title_override="編集中の題名")
    meeting.agenda_items.update(text="編集中の議題")
    html = _html(reverse(ARCHIVE))
    assert "編集中" not in html
    assert "「テスト事案」について" in html


def test_archive_filters_by_fiscal_year_april_to_march():
    publish_many(1, first_day=date(2023, 3, 31))  # 令和4年度
    publish_many(1, first_day=date(2023, 4, 1))  # 令和5年度
    publish_many(1, first_day=date(2024, 3, 31))  # 令和5年度
    html = _html(reverse(ARCHIVE), {"year": 2023})
    assert _titles_of(html) == [
        "危機管理連絡会議の開催結果について(令和6年3月31日)",
        "危機管理連絡会議の開催結果について(令和5年4月1日)",
    ]
    assert '<option value="2023" selected>令和5年度</option>' in html
    assert '<option value="2022">令和4年度</option>' in html
    assert "絞り込みの結果:2件" in html


def test_archive_filters_by_meeting_type():
    publish_many(2, first_day=date(2024, 4, 1))
    honbu = meeting_type("災害対策本部会議", "honbu")
    publish_many(1, first_day=date(2024, 5, 1), kind=honbu)
    html = _html(reverse(ARCHIVE), {"type": "honbu"})
    assert _titles_of(html) == ["災害対策本部会議の開催結果について(令和6年5月1日)"]
    assert '<option value="honbu" selected>災害対策本部会議</option>' in html


def test_archive_filters_by_incident_and_offers_only_incidents_with_published_meetings():
    first, second = publish_many(2, first_day=date(2024, 4, 1))
    draft = make_meeting(held_on="2024-04-20")
    shown = _incident("停電事案")
    hidden = _incident("下書きだけの事案")
    IncidentLink.objects.create(incident=shown, meeting=second)
    IncidentLink.objects.create(incident=hidden, meeting=draft)
    html = _html(reverse(ARCHIVE), {"incident": str(shown.public_id)})
    assert _titles_of(html) == ["危機管理連絡会議の開催結果について(令和6年4月2日)"]
    assert "停電事案" in html
    assert "下書きだけの事案" not in html


def test_archive_ignores_malformed_filters():
    publish_many(2)
    for params in ({"year": "abc"}, {"incident": "not-a-uuid"}, {"page": "zz"}):
        response = Client().get(reverse(ARCHIVE), params)
        assert response.status_code == HTTPStatus.OK
        assert len(_titles(response)) == 2


def test_archive_paginates_twenty_a_page_keeping_filters_in_page_links():
    publish_many(45, first_day=date(2024, 4, 1))
    html = _html(reverse(ARCHIVE), {"year": 2024, "page": 3})
    assert len(_titles_of(html)) == 5
    assert "(3/3ページ)" in html
    assert 'href="?year=2024&amp;page=2" rel="prev"' in html
    titles = _titles_of(html)
    assert "令和6年4月5日" in titles[0]
    assert "令和6年4月1日" in titles[-1]


def test_archive_query_count_does_not_grow_with_one_thousand_meetings(
    client, django_assert_num_queries
):
    publish_many(30, first_day=date(2020, 4, 1))
    # Count, page ids, page rows, state token, then the filter choices (the 年度
    # that hold meetings, types, incidents), which are cached for that state.
    with django_assert_num_queries(7):
        client.get(reverse(ARCHIVE))
    # Again: the rows' summaries and the choices come from the cache.
    with django_assert_num_queries(3):
        client.get(reverse(ARCHIVE))
    publish_many(970, first_day=date(2021, 1, 1))
    assert Meeting.objects.published().count() == 1000
    with django_assert_num_queries(7):
        response_page_7 = client.get(reverse(ARCHIVE), {"page": 7})
    assert len(_titles(response_page_7)) == 20
    with django_assert_num_queries(4):  # new rows, cached choices
        response = client.get(reverse(ARCHIVE), {"year": 2022, "type": "renraku"})
    assert len(_titles(response)) == 20
    with django_assert_num_queries(3):
        cached = client.get(reverse(ARCHIVE), {"page": 7})
    assert _titles(cached) == _titles(response_page_7)


def test_filter_choices_follow_publication_and_withdrawal(client, approver):
    publish_many(1, first_day=date(2020, 4, 1))
    html = _html(reverse(ARCHIVE))
    assert '<option value="2020">令和2年度</option>' in html
    assert "令和6年度" not in html
    meeting = make_meeting(status="published", held_on="2024-05-10")
    assert '<option value="2024">令和6年度</option>' in _html(reverse(ARCHIVE))
    honbu = meeting_type("災害対策本部会議", "honbu")
    (other,) = publish_many(1, first_day=date(2021, 4, 1), kind=honbu)
    assert '<option value="honbu">災害対策本部会議</option>' in _html(reverse(ARCHIVE))
    services.meeting_withdraw(meeting=meeting, user=approver)
    html = _html(reverse(ARCHIVE))
    assert "令和6年度" not in html
    Meeting.objects.filter(pk=other.pk).update(status=Meeting.Status.WITHDRAWN)
    assert "災害対策本部会議" not in _html(reverse(ARCHIVE))
    incident = _incident("新しい事案")
    assert "新しい事案" not in _html(reverse(ARCHIVE))
    IncidentLink.objects.create(
        incident=incident, meeting=Meeting.objects.published().get()
    )
    assert "新しい事案" in _html(reverse(ARCHIVE))
    incident.is_public = False
    incident.save()
    assert "新しい事案" not in _html(reverse(ARCHIVE))


def test_fiscal_year_page_takes_its_years_from_the_cached_choices(
    client, django_assert_num_queries
):
    publish_many(3, first_day=date(2020, 4, 1))
    assert client.get("/archive/2020/").status_code == HTTPStatus.OK
    # State, count, page ids: the 年度 list and the rows come from the cache.
    with django_assert_num_queries(3):
        response = client.get("/archive/2020/")
    assert len(_titles(response)) == 3
    assert client.get("/archive/2021/").status_code == HTTPStatus.NOT_FOUND
    # A publication changes the state: the new 年度 has its page at once.
    publish_many(1, first_day=date(2021, 5, 1))
    assert client.get("/archive/2021/").status_code == HTTPStatus.OK
    assert _titles(client.get("/archive/2021/")) == [
        "危機管理連絡会議の開催結果について(令和3年5月1日)"
    ]
