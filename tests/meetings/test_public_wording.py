"""Public pages in the prefecture's wording (issue 19): 【訓練】 in a drill's title,
honest no-results advice, clean snippets, titles and the footer."""

from __future__ import annotations

import pytest

from meetings import search
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def test_a_drill_meetings_own_title_and_heading_say_drill(client):
    meeting = make_meeting(status="published", is_drill=True)
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "<title>【訓練】" in html
    assert '<h1 class="kk-title">【訓練】' in html


def test_a_real_meeting_is_not_marked_drill(client):
    meeting = make_meeting(status="published")
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "【訓練】" not in html


def test_public_titles_end_with_the_site_and_the_prefecture(client, settings):
    html = client.get("/").content.decode()
    assert f"<title>開催結果一覧|{settings.SITE_NAME}|徳島県</title>" in html


def test_staff_titles_say_staff(client, editor, settings):
    client.force_login(editor)
    html = client.get("/staff/").content.decode()
    assert f"<title>ダッシュボード|職員用|{settings.SITE_NAME}|徳島県</title>" in html


def test_the_footer_gives_the_address_and_the_phone(client, settings):
    settings.SITE_ADDRESS = "〒770-8570 徳島県徳島市万代町1丁目1番地"
    settings.SITE_PHONE = "088-621-2280"
    html = client.get("/").content.decode()
    assert "所在地:〒770-8570 徳島県徳島市万代町1丁目1番地" in html
    assert "電話:088-621-2280" in html
    assert "Atom" not in html and "更新情報の配信(フィード)" in html


def test_no_results_advice_suggests_no_word_that_finds_nothing(client):
    make_meeting(status="published")
    html = client.get("/search/", {"q": "該当しない語句"}).content.decode()
    assert "見つかりませんでした" in html
    assert "停電" not in html  # the old advice suggested a word with no result
    assert "語句を短く" in html and 'href="/"' in html


def test_snippets_drop_the_numbers_of_the_header_fields():
    text = "3 出席者:危機管理政策課長など計21名\n4 協議概要:「テスト事案」について\n"
    query = search.parse_query("テスト事案")
    excerpt = str(search.snippet(text, query, radius=30))
    assert "計21名 協議概要" in excerpt
    assert " 4 " not in excerpt and "名 4" not in excerpt
    assert "<mark>テスト事案</mark>" in excerpt
    # The match right after a field number (the number ends the piece before it).
    excerpt = str(search.snippet(text, search.parse_query("出席"), radius=30))
    assert excerpt.startswith("<mark>出席</mark>者:"), excerpt
    text = "場所:万代庁舎3階特別会議室\n3 出席者:危機管理政策課長\n"
    excerpt = str(search.snippet(text, search.parse_query("出席"), radius=30))
    assert "特別会議室 <mark>出席</mark>者" in excerpt, excerpt
