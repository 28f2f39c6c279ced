"""Public search: any 2+ character substring in Japanese, snippets, published only."""

from __future__ import annotations

import re
from datetime import date
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from meetings import layout, search, services
from meetings.models import Meeting, SearchDocument
from meetings.search import engine
from tests.factories import make_meeting
from tests.meetings.public_builders import _fresh_public_cache, publish_many

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]

SEARCH = "public:search"


def _item(text: str) -> list[dict]:
    return [
        {
            "kind": "explanation",
            "speaker": "危機管理政策課",
            "group": "main",
            "items": [{"marker": "・", "text": text, "children": []}],
        }
    ]


def _search(client, q: str, **params) -> str:
    response = client.get(reverse(SEARCH), {"q": q, **params})
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def _result_titles(html: str) -> list[str]:
    return re.findall(r'<p class="meeting-row-title"><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def corpus():
    return {
        "outage": make_meeting(
            status="published",
            held_on="2024-05-10",
            sections=_item("台風の影響で県内の約3万戸が停電した。"),
        ),
        "csf": make_meeting(
            status="published",
            held_on="2024-06-10",
            agenda=["「豚熱の発生」について"],
        ),
        "ransom": make_meeting(
            status="published",
            held_on="2024-07-10",
            sections=_item("病院のシステムがランサムウェアに感染した。"),
            attendees=["スマート県庁推進課長"],
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("停電", "outage"),
        ("豚熱", "csf"),
        ("ランサム", "ransom"),
        ("サム", "ransom"),
        ("3万戸", "outage"),
        ("スマート県庁", "ransom"),
    ],
)
def test_any_substring_of_two_or_more_characters_matches(
    client, corpus, query, expected
):
    html = _search(client, query)
    assert _result_titles(html) == [corpus[expected].title]
    assert f"「{query}」を含む開催結果:1件" in html


def test_search_covers_title_agenda_attendees_sections_and_items(client, corpus):
    assert len(_result_titles(_search(client, "令和6年"))) == 3  # titles
    assert _result_titles(_search(client, "豚熱の発生")) == [corpus["csf"].title]
    assert _result_titles(_search(client, "推進課長")) == [corpus["ransom"].title]
    assert len(_result_titles(_search(client, "危機管理政策課から説明"))) == 3


def test_full_width_and_case_variants_match_each_other(client):
    meeting = make_meeting(
        status="published", sections=_item("職員のPCとＵＳＢメモリを点検。")
    )
    for query in ("pc", "ＰＣ", "usb", "USBメモリ"):
        assert _result_titles(_search(client, query)) == [meeting.title], query


def test_results_show_an_escaped_snippet_with_the_match_highlighted(client):
    make_meeting(
        status="published",
        sections=_item("<script>alert(1)</script> 送電線の被害により停電が発生した。"),
    )
    html = _search(client, "停電")
    assert "<mark>停電</mark>が発生した" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html


def test_all_terms_separated_by_spaces_must_match(client, corpus):
    assert _result_titles(_search(client, "病院 ランサム")) == [corpus["ransom"].title]
    assert _result_titles(_search(client, "病院\u3000停電")) == []


def test_one_character_query_asks_for_two(client, corpus):
    html = _search(client, "停")
    assert "2文字以上の語句で検索してください。" in html
    assert 'role="alert"' in html
    assert _result_titles(html) == []


def test_search_without_results_says_so(client, corpus):
    html = _search(client, "地震津波")
    assert "「地震津波」を含む開催結果:0件" in html
    assert "見つかりませんでした。" in html


def test_search_finds_only_current_publications_of_published_meetings(client, approver):
    make_meeting(sections=_item("下書きの停電情報"))
    make_meeting(status="review", sections=_item("承認待ちの停電情報"))
    withdrawn = make_meeting(status="published", sections=_item("取下げの停電情報"))
    services.meeting_withdraw(meeting=withdrawn, user=approver)
    published = make_meeting(status="published", sections=_item("公開の停電情報"))
    # A correction in progress: the live rows change, the publication does not.
    published.sections.first().items.update(text="訂正中の停電情報")
    html = _search(client, "停電情報")
    assert _result_titles(html) == [published.title]
    assert "公開の<mark>停電情報</mark>" in html
    for hidden in ("下書き", "承認待ち", "取下げ", "訂正中"):
        assert hidden not in html
    assert _result_titles(_search(client, "訂正中")) == []


def test_old_publications_of_a_corrected_meeting_are_not_searched(client, approver):
    meeting = make_meeting(status="published", sections=_item("旧版だけの語句"))
    old = meeting.current_publication
    meeting.sections.first().items.update(text="新版の語句")
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    services.meeting_publish(
        meeting=meeting, user=approver, correction_note="訂正", check_permission=False
    )
    assert not SearchDocument.objects.filter(publication=old).exists()
    assert _result_titles(_search(client, "旧版だけ")) == []
    assert _result_titles(_search(client, "新版の語句")) == [meeting.title]


def test_search_query_count_does_not_grow_with_matches(
    client, django_assert_num_queries
):
    publish_many(3, extra_text="共通語句{n}")
    _search(client, "該当なし")  # the thesaurus and the facets' table, once a state
    # The state (tokens read by primary key; matching, the snippets' texts and the
    # rows' summaries are in-process: engine.facts), rows not yet cached.
    with django_assert_num_queries(1) as small:
        _search(client, "共通語句")
    # Read now: the connection's query log is a bounded deque.
    small_count = len(small.captured_queries)
    publish_many(200, first_day=date(2022, 4, 1), extra_text="共通語句{n}")
    _search(client, "該当なし")
    with django_assert_num_queries(small_count):
        html = _search(client, "共通語句", page=2)
    assert "開催結果:203件" in html
    assert len(_result_titles(html)) == 20


def test_publication_is_indexed_as_a_folded_document_with_bigrams(corpus):
    meeting = Meeting.objects.get(pk=corpus["ransom"].pk)
    (document,) = SearchDocument.objects.filter(meeting=meeting)
    assert document.publication_id == meeting.current_publication_id
    assert document.kind == "page"
    # The text as the page reads it (和暦 date line), not the official plain text.
    assert document.text == layout.page_text(meeting.current_publication.data)
    assert "らんさむうえあ" in document.folded
    grams = document.bigrams.split(" ")
    assert {"らん", "んさ", "さむ"} <= set(grams)
    assert grams == sorted(set(grams))
    assert all(len(g) == 2 for g in grams)
    assert "危機管理政策課" in document.speakers.split("\n")


def test_snippet_maps_normalised_matches_back_to_the_original_text():
    html = search.snippet("職員のＰＣを点検<b>", ["pc"])
    assert html == "職員の<mark>ＰＣ</mark>を点検&lt;b&gt;"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN index on PostgreSQL")
def test_postgresql_serves_two_character_search_from_the_bigram_index(corpus):
    query = search.parse_query("停電")
    meetings = search.filter_meetings(Meeting.objects.published(), query)
    with connection.cursor() as cursor:
        # A handful of rows would be read sequentially; ask what serves the filter.
        cursor.execute("ANALYZE meetings_searchdocument")
        # Only a bitmap scan left: is the bigram index one the query can use?
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        # The SQL form the API filters with: one clause's current documents.
        plan = engine.sql_holding(query.clauses[0]).explain()
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    assert f"Bitmap Index Scan on {search.BIGRAM_INDEX_NAME}" in plan
    assert list(meetings) == [corpus["outage"]]
