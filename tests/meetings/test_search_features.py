"""Search (issue 16): normalisation, synonyms, organisation names by date, syntax,
facets against a direct count, PDF attachments, expansions shown and turned off."""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from datetime import date, timedelta
from http import HTTPStatus

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from incidents.models import IncidentLink
from meetings import search, services, wareki
from meetings.models import (
    Meeting,
    Organisation,
    OrganisationAlias,
    SearchDocument,
    SearchSynonym,
)
from meetings.search import documents as search_documents
from meetings.search.query import parse_query as parse_without_thesaurus
from meetings.search.text import fold, normalize
from tests.factories import make_meeting
from tests.incidents.conftest import make_incident
from tests.meetings.public_builders import _fresh_public_cache, meeting_type

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]


def _section(text: str, speaker: str = "危機管理政策課") -> list[dict]:
    return [
        {
            "kind": "explanation",
            "speaker": speaker,
            "group": "main",
            "items": [{"marker": "・", "text": text, "children": []}],
        }
    ]


_days = itertools.count()


def _published(text: str, **overrides) -> Meeting:
    """A published meeting; each on its own day, so that titles differ."""
    overrides.setdefault(
        "held_on", (date(2024, 4, 1) + timedelta(days=next(_days))).isoformat()
    )
    return make_meeting(status="published", sections=_section(text), **overrides)


def _get(client, q: str, **params) -> str:
    response = client.get(reverse("public:search"), {"q": q, **params})
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def _titles(html: str) -> list[str]:
    return re.findall(r'<p class="meeting-row-title"><a href="[^"]+">([^<]+)</a>', html)


def _found(client, q: str, **params) -> set[str]:
    return set(_titles(_get(client, q, **params)))


# ---------------------------------------------------------------------------
# Normalisation (both sides)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("らんさむ", "ランサム"),  # hiragana / katakana
        ("ﾗﾝｻﾑｳｪｱ", "ランサムウェア"),  # half-width katakana (NFKC)
        ("ｶﾞｽ", "ガス"),  # half-width sound mark joined to its kana
        ("ＰＣ", "pc"),  # full-width, case
        ("サーバー", "サーバ"),  # long-vowel mark
        ("ウェブ", "ウエブ"),  # small kana
        ("キャッシュ", "キヤツシユ"),
        ("3ヶ所", "3か所"),
        ("3ヵ所", "3カ所"),
        ("ヴァイオリン", "バイオリン"),  # ヴァ / バ
        ("ヴ", "ブ"),
        ("令和四年六月二十日", "令和4年6月20日"),  # kanji numerals before counters
        ("第三回", "第3回"),
        ("二十三件", "23件"),
        ("計三千五百戸", "計3500戸"),
        ("令和元年", "令和1年"),
        ("二〇二二年", "2022年"),
        ("COVID‐19", "COVID-19"),  # hyphens NFKC leaves apart
        ("ＣＯＶＩＤ－１９", "covid-19"),
        ("停電\u3000 \n情報", "停電 情報"),  # whitespace runs
    ],
)
def test_both_forms_fold_to_the_same_text(one, other):
    assert normalize(one) == normalize(other)


@pytest.mark.parametrize(
    "unsafe",
    ["一時", "統一日", "十分", "一部", "一般"],  # numerals that are part of words
)
def test_kanji_numerals_that_are_part_of_a_word_stay_kanji(unsafe):
    assert normalize(unsafe) == unsafe


def test_fold_keeps_the_original_index_of_every_character():
    folded, origin = fold("ｻｰﾊﾞｰの令和四年")
    assert folded == "さば の令和4年".replace(" ", "")
    assert [origin[i] for i in range(len(folded))] == [0, 2, 5, 6, 7, 8, 9]


def test_hiragana_query_finds_katakana_text_and_marks_the_original(client):
    meeting = _published("病院のシステムがランサムウェアに感染した。")
    html = _get(client, "らんさむ", exp="0")
    assert _titles(html) == [meeting.title]
    assert "<mark>ランサム</mark>ウェアに感染" in html
    # With the synonyms (ランサム = ランサムウェア) the whole word is marked.
    assert "<mark>ランサムウェア</mark>に感染" in _get(client, "らんさむ")


@pytest.mark.parametrize(
    ("query", "text", "marked"),
    [
        ("サーバ", "庁内サーバーが停止した。", "<mark>サーバ</mark>ー"),
        ("ｳｨﾙｽ", "ウイルス対策ソフトを更新。", "<mark>ウイルス</mark>対策"),
        ("3月", "三月の訓練で確認した。", "<mark>三月</mark>の訓練"),
        ("第2回", "第二回本部会議を開いた。", "<mark>第二回</mark>本部"),
        ("ぶい", "ヴイ字谷の調査。", "<mark>ヴイ</mark>字谷"),
    ],
)
def test_variant_queries_find_the_text_and_mark_it_as_written(
    client, query, text, marked
):
    meeting = _published(text)
    html = _get(client, query, exp="0")
    assert _titles(html) == [meeting.title]
    assert marked in html


def test_snippet_of_a_long_text_marks_the_match_far_from_the_start():
    text = (
        "ー" * 300 + "前置き。" * 200 + "ここでランサムウェアの被害。" + "後書き。" * 50
    )
    fields = search_documents.folded_fields(text)
    html = search.snippet(
        text, ["らんさむ"], folded=fields["folded"], offsets=fields["offsets"]
    )
    assert "ここで<mark>ランサム</mark>ウェアの被害" in html
    assert html.startswith("…") and html.endswith("…")


# ---------------------------------------------------------------------------
# Query syntax
# ---------------------------------------------------------------------------


@pytest.fixture
def corpus():
    return {
        "outage": _published("台風の影響で病院が停電した。"),
        "csf": _published("養豚場で豚熱が発生した。"),
        "both": _published("停電により豚熱の防疫作業が遅れた。"),
        "ransom": _published("病院のシステムがランサムウェアに感染した。"),
    }


def _names(corpus, *keys) -> set[str]:
    return {corpus[key].title for key in keys}


def test_spaces_mean_and(client, corpus):
    assert _found(client, "停電 豚熱") == _names(corpus, "both")
    assert _found(client, "病院\u3000停電") == _names(corpus, "outage")


def test_or_matches_either(client, corpus):
    assert _found(client, "停電 OR ランサム") == _names(
        corpus, "outage", "both", "ransom"
    )
    assert _found(client, "病院 停電 OR ランサム") == _names(corpus, "outage", "ransom")


def test_minus_excludes_meetings_holding_the_word(client, corpus):
    assert _found(client, "停電 -豚熱") == _names(corpus, "outage")
    assert _found(client, "病院 －ランサム") == _names(corpus, "outage")


def test_a_quoted_phrase_is_matched_as_written_with_its_space(client):
    spaced = _published("新型 コロナの対応")
    _published("新型の訓練とコロナの対応")
    assert _found(client, '"新型 コロナ"') == {spaced.title}
    # Unquoted, the two words are AND-ed (and コロナ is expanded).
    assert len(_found(client, "新型 コロナ")) == 2


def test_a_phrase_is_not_expanded(client):
    written = _published("新型コロナの対応")
    _published("COVID-19の対応")
    assert _found(client, '"新型コロナ"') == {written.title}


def test_only_excluded_words_ask_for_a_word_to_find(client, corpus):
    html = _get(client, "-停電")
    assert "探す語句を入力してください" in html
    assert _titles(html) == []


def test_parse_query_builds_and_of_ors_and_exclusions():
    query = parse_without_thesaurus('停電 豚熱 OR ＣＳＦ -訓練 "大 雨"')
    assert [[w.label for w in clause] for clause in query.clauses] == [
        ["停電"],
        ["豚熱", "ＣＳＦ"],
        ["大 雨"],
    ]
    assert [w.label for w in query.excluded] == ["訓練"]
    assert query.clauses[2][0].phrase
    assert query.clauses[1][1].alternatives[0].term == "csf"


# ---------------------------------------------------------------------------
# Synonyms (seeded by a data migration, edited in the admin)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "texts"),
    [
        (
            "鳥インフル",
            [
                "高病原性鳥インフルエンザが発生",
                "HPAIの疑い事例",
                "鳥インフルエンザ対策",
            ],
        ),
        ("HPAI", ["高病原性鳥インフルエンザが発生", "鳥インフルの防疫"]),
        ("新型コロナ", ["新型コロナウイルス感染症の患者", "COVID-19の検査"]),
        ("コロナ", ["COVID-19の検査", "新型コロナの対応"]),
        ("COVID-19", ["新型コロナウイルス感染症の患者", "コロナ病床"]),
        ("豚熱", ["CSFの疑似患畜", "豚コレラワクチン"]),
        ("CSF", ["豚熱の発生"]),
        ("南海トラフ地震", ["南海トラフの想定"]),
        ("ランサム", ["ランサムウェア被害"]),
        ("ランサムウェア", ["ランサムによる暗号化"]),
    ],
)
def test_equal_synonyms_find_each_other(client, query, texts):
    meetings = {text: _published(text).title for text in texts}
    _published("関係のない会議")
    assert _found(client, query) == set(meetings.values())
    literal = {t for text, t in meetings.items() if normalize(query) in normalize(text)}
    assert _found(client, query, exp="0") == literal


def test_seeded_synonyms_are_data_in_the_table():
    groups = {str(s): s.relation for s in SearchSynonym.objects.all()}
    assert (
        groups["鳥インフルエンザ / 鳥インフル / 高病原性鳥インフルエンザ / HPAI"]
        == "equal"
    )
    assert groups["豚熱 / CSF / 豚コレラ"] == "equal"
    assert groups["大雨 / 豪雨 / 集中豪雨 / 線状降水帯"] == "related"


def test_related_words_are_offered_and_used_only_when_asked(client):
    rain = _published("大雨警報が発表された。")
    heavy = _published("記録的な豪雨となった。")
    html = _get(client, "大雨")
    assert _titles(html) == [rain.title]
    assert "関連語: 豪雨、集中豪雨、線状降水帯" in html
    assert "関連語も含めて検索する</a>" in html
    html = _get(client, "大雨", rel="1")
    assert set(_titles(html)) == {rain.title, heavy.title}
    assert "「大雨」→ 豪雨、集中豪雨、線状降水帯" in html


def test_results_page_lists_expansions_and_a_link_turns_them_off(client):
    covid = _published("COVID-19の検査体制")
    html = _get(client, "コロナ")
    assert _titles(html) == [covid.title]
    assert "次の語句も含めて検索しました。" in html
    assert (
        "「コロナ」→ 新型コロナ、新型コロナウイルス、新型コロナウイルス感染症、COVID-19"
        in html
    )
    off = re.search(r'<a href="([^"]+)">広げずに「コロナ」だけで検索する</a>', html)
    assert off is not None
    html = client.get(off.group(1).replace("&amp;", "&")).content.decode()
    assert _titles(html) == []
    assert "同義語・組織の旧名称を広げずに検索しました。" in html
    assert 'name="exp" value="0" id="search-exact" checked' in html


def test_a_synonym_added_in_the_admin_applies_to_the_next_search(client, admin_user):
    flood = _published("内水氾濫が発生した。")
    assert _found(client, "浸水") == set()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:meetings_searchsynonym_add"),
        {"relation": "equal", "terms": "浸水\n内水氾濫", "note": "", "is_active": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND
    client.logout()
    assert _found(client, "浸水") == {flood.title}


def test_organisation_names_expand_only_for_the_dates_they_were_used(client):
    old = Organisation.objects.create(
        name="危機管理部", kind="department", valid_until=date(2020, 3, 31)
    )
    renamed = Organisation.objects.create(
        name="危機管理環境部",
        kind="department",
        valid_from=date(2020, 4, 1),
        valid_until=date(2024, 3, 31),
    )
    new = Organisation.objects.create(
        name="危機管理部", kind="department", valid_from=date(2024, 4, 1)
    )
    old.successor = renamed
    old.save()
    renamed.successor = new
    renamed.save()
    people = {"attendees": ["政策監"]}
    in_period = _published("危機管理環境部から説明", held_on="2022-06-20", **people)
    # The name after the period is another organisation's text, not a rename.
    out_of_period = _published(
        "危機管理環境部の資料を参照", held_on="2025-06-20", **people
    )
    current = _published("危機管理部から説明", held_on="2025-05-01", **people)
    html = _get(client, "危機管理部")
    assert set(_titles(html)) == {in_period.title, current.title}
    assert "危機管理環境部(令和2年4月1日〜令和6年3月31日の会議)" in html
    assert _found(client, "危機管理環境部") >= {in_period.title, out_of_period.title}
    assert _found(client, "危機管理部", exp="0") == {current.title}


def test_organisation_alias_is_searched_with_its_organisation(client):
    police = Organisation.objects.create(name="警察本部", kind="outside")
    OrganisationAlias.objects.create(organisation=police, name="県警察本部")
    written = _published("県警察本部から報告")
    assert _found(client, "警察本部") == {written.title}  # a substring anyway
    plain = _published("警察本部から報告")
    assert _found(client, "県警察本部") == {written.title, plain.title}


# ---------------------------------------------------------------------------
# Facets: counts equal a direct count
# ---------------------------------------------------------------------------


@pytest.fixture
def faceted():
    renraku = meeting_type()
    honbu = meeting_type("災害対策本部会議", "honbu")
    typhoon = make_incident(title="台風第10号", is_public=True)
    hidden = make_incident(title="非公開の事案", is_public=False)
    rows = [
        ("2021-06-01", renraku, "医療政策課", "停電の報告", [typhoon]),
        ("2022-03-31", renraku, "警察本部", "停電の報告", []),
        ("2022-04-01", honbu, "医療政策課", "停電の報告", [typhoon, hidden]),
        ("2023-01-10", honbu, "畜産振興課", "停電の報告", [hidden]),
        ("2023-05-10", renraku, "畜産振興課", "停電の報告", []),
        ("2023-06-10", renraku, "医療政策課", "断水の報告", [typhoon]),
    ]
    meetings = []
    for held_on, kind, speaker, text, incidents in rows:
        meeting = make_meeting(
            status="published",
            held_on=held_on,
            meeting_type=kind.name,
            sections=_section(text, speaker),
        )
        for incident in incidents:
            IncidentLink.objects.create(incident=incident, meeting=meeting)
        meetings.append(meeting)
    make_meeting(sections=_section("停電の下書き"))  # a draft: never counted
    return {"typhoon": typhoon}


def _facet_counts(html: str, label: str) -> dict[str, int]:
    block = re.search(
        rf'<h3 class="search-facet-title">{label}</h3>\s*<ul class="search-facet">(.*?)</ul>',
        html,
        re.S,
    )
    assert block, label
    return {
        name: int(count)
        for name, count in re.findall(
            r">([^<>\uff08\uff09]+)\uff08(\d+)\uff09", block.group(1)
        )
    }


def _direct(term: str) -> list[Meeting]:
    """The published meetings whose current publication's text holds ``term``,
    read from the publications, not from the search's documents."""
    return [
        meeting
        for meeting in Meeting.objects.published().select_related(
            "current_publication", "meeting_type"
        )
        if normalize(term) in normalize(meeting.current_publication.text)
    ]


def test_facet_counts_equal_a_direct_count(client, faceted):
    html = _get(client, "停電")
    matching = _direct("停電")
    assert f"開催結果:{len(matching)}件" in html
    years = Counter(
        wareki.format_fiscal_year(wareki.fiscal_year(m.current_publication.held_on))
        for m in matching
    )
    assert _facet_counts(html, "年度") == dict(years)
    types = Counter(m.meeting_type.name for m in matching)
    assert _facet_counts(html, "会議の種類") == dict(types)
    incidents = Counter(
        link.incident.title
        for link in IncidentLink.objects.filter(
            meeting__in=matching, incident__is_public=True
        ).select_related("incident")
    )
    assert _facet_counts(html, "事案") == dict(incidents)
    speakers = Counter(
        name
        for m in matching
        for name in {s["speaker"] for s in m.current_publication.data["sections"]}
    )
    assert _facet_counts(html, "説明・報告した組織") == dict(speakers)
    assert _facet_counts(html, "見つかった場所") == {"本文": len(matching)}


def test_a_facet_filters_and_the_counts_follow(client, faceted):
    fiscal_2022 = [
        m
        for m in _direct("停電")
        if wareki.fiscal_year(m.current_publication.held_on) == 2022
    ]
    html = _get(client, "停電", year="2022")
    assert set(_titles(html)) == {m.title for m in fiscal_2022}
    assert _facet_counts(html, "年度") == {"令和4年度": len(fiscal_2022)}
    assert "すべての絞り込みを解除" in html
    html = _get(client, "停電", incident=str(faceted["typhoon"].public_id))
    assert len(_titles(html)) == 2
    html = _get(client, "停電", dept="畜産振興課", type="honbu")
    assert len(_titles(html)) == 1
    html = _get(client, "停電", **{"from": "2022-04-01", "to": "2022-12-31"})
    assert len(_titles(html)) == 1


def test_sort_by_date_or_relevance(client):
    plain = _published("停電の報告", held_on="2024-01-01")
    older = _published("停電の報告", held_on="2020-01-01")
    html = _get(client, "停電")
    assert _titles(html) == [plain.title, older.title]
    assert '<strong aria-current="true">新しい順</strong>' in html
    html = _get(client, "停電", sort="relevance")
    assert '<strong aria-current="true">関連度順</strong>' in html
    assert set(_titles(html)) == {plain.title, older.title}


# ---------------------------------------------------------------------------
# PDF attachments
# ---------------------------------------------------------------------------


def _pdf(*pages: str) -> bytes:
    """A real PDF (WeasyPrint, Japanese fonts), one page per text."""
    from weasyprint import HTML

    body = "".join(f'<p style="page-break-after: always">{text}</p>' for text in pages)
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def _with_attachment(approver, content: bytes, text: str = "本文だけの語句"):
    meeting = make_meeting(status="review", sections=_section(text))
    services.attachment_add(meeting=meeting, label="会議資料(R6.7.1)", content=content)
    services.meeting_publish(meeting=meeting, user=approver, check_permission=False)
    meeting.refresh_from_db()
    return meeting


def test_attachment_text_is_searched_and_the_hit_names_the_pdf_page(client, approver):
    meeting = _with_attachment(approver, _pdf("表紙", "避難所の開設状況と給水車の配置"))
    pages = SearchDocument.objects.filter(meeting=meeting, kind="attachment")
    assert sorted(pages.values_list("page", flat=True)) == [1, 2]
    html = _get(client, "給水車")
    assert _titles(html) == [meeting.title]
    assert "会議資料(PDF) p.2</a>" in html
    assert "<mark>給水車</mark>の配置" in html
    attachment = meeting.attachments.get(is_generated=False)
    url = reverse("public:attachment", args=[meeting.public_id, attachment.pk])
    assert f'href="{url}#page=2"' in html
    assert client.get(url).status_code == HTTPStatus.OK
    assert _facet_counts(html, "見つかった場所") == {"会議資料(PDF)": 1}
    assert _titles(_get(client, "給水車", src="page")) == []


def test_a_pdf_whose_text_cannot_be_read_never_fails_the_publication(client, approver):
    meeting = make_meeting(status="review", sections=_section("読めない資料の会議"))
    attachment = services.attachment_add(
        meeting=meeting, label="壊れた資料", content=_pdf("本当は読める")
    )
    with default_storage.open(attachment.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7 this is no longer a PDF")
    services.meeting_publish(meeting=meeting, user=approver, check_permission=False)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED
    assert not SearchDocument.objects.filter(meeting=meeting, kind="attachment")
    assert _titles(_get(client, "読めない資料")) == [meeting.title]


def test_a_correction_reuses_the_text_extracted_at_first_publication(
    client, approver, monkeypatch
):
    meeting = _with_attachment(approver, _pdf("土砂災害警戒区域の一覧"))
    first = set(
        SearchDocument.objects.filter(meeting=meeting).values_list("pk", flat=True)
    )
    calls = []
    real = search_documents.extract_pdf_pages
    monkeypatch.setattr(
        search_documents,
        "extract_pdf_pages",
        lambda content: calls.append(1) or real(content),
    )
    meeting.sections.first().items.update(text="訂正後の本文")
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    services.meeting_publish(
        meeting=meeting,
        user=approver,
        correction_note="本文の訂正",
        check_permission=False,
    )
    assert calls == []
    meeting.refresh_from_db()
    now = SearchDocument.objects.filter(meeting=meeting)
    assert not first & set(now.values_list("pk", flat=True))
    assert {d.publication_id for d in now} == {meeting.current_publication_id}
    assert _titles(_get(client, "土砂災害警戒区域")) == [meeting.title]
    assert _titles(_get(client, "本文だけの語句")) == []


def test_a_withdrawn_meetings_attachment_is_not_found(client, approver):
    meeting = _with_attachment(approver, _pdf("取下げ前の資料"))
    assert _titles(_get(client, "取下げ前の資料")) == [meeting.title]
    services.meeting_withdraw(meeting=meeting, user=approver)
    assert _titles(_get(client, "取下げ前の資料")) == []


# ---------------------------------------------------------------------------
# Rebuilding, demo data
# ---------------------------------------------------------------------------


def test_rebuild_search_index_writes_every_current_publication_again(client):
    meeting = _published("再構築の確認")
    SearchDocument.objects.all().delete()
    assert _found(client, "再構築") == set()
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert _found(client, "再構築") == {meeting.title}
    (document,) = SearchDocument.objects.filter(meeting=meeting)
    assert document.publication_id == meeting.current_publication_id


def test_demo_departments_are_linked_as_renamed(client):
    from meetings import demo

    demo.load_master_data()
    query = search.parse_query("危機管理部")
    labels = [a.label for w in query.words for a in w.expansions]
    assert labels == ["危機管理環境部"]
    (expansion,) = query.words[0].expansions
    assert (expansion.start, expansion.end) == (date(2020, 4, 1), date(2024, 3, 31))


# ---------------------------------------------------------------------------
# AND over a meeting's documents; the in-process index follows publications
# ---------------------------------------------------------------------------


def test_words_found_in_the_page_and_in_a_pdf_match_together(client, approver):
    both = _with_attachment(approver, _pdf("給水車の配置"), text="停電の報告")
    _published("停電の報告")  # the page's word only
    assert _titles(_get(client, "停電 給水車")) == [both.title]
    html = _get(client, "停電 給水車")
    assert "<mark>停電</mark>の報告" in html  # the page's snippet
    assert "<mark>給水車</mark>の配置" in html  # and the PDF page's
    assert _facet_counts(html, "見つかった場所") == {"本文": 1, "会議資料(PDF)": 1}
    assert _titles(_get(client, '停電 "給水車の配置"')) == [both.title]
    assert _titles(_get(client, "停電 -給水車")) != [both.title]
    assert both.title not in _titles(_get(client, "停電 -給水車"))
    assert _titles(_get(client, "停電 給水車 断水")) == []


def test_the_bigram_index_finds_exactly_the_texts_holding_a_term():
    from random import Random

    from meetings.search.index import BigramIndex

    rng = Random(16)
    alphabet = "あいう停電 ab\U00020b9f"  # a space, and a character beyond the BMP
    for _ in range(60):
        texts = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
            for _ in range(rng.randint(0, 8))
        ]
        index = BigramIndex(texts)
        for _ in range(20):
            term = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
            assert index.match(term).tolist() == [term in text for text in texts]


@pytest.fixture(params=["rebuilt", "delta"])
def index_mode(request, monkeypatch):
    """The per-process index built again on every change ("rebuilt", as for a
    small corpus), or kept with the changes in its delta (a large corpus)."""
    from meetings.search import index

    monkeypatch.setattr(
        index, "REBUILD_BELOW", 0 if request.param == "delta" else 10**9
    )
    return request.param


def test_the_index_follows_publications_corrections_and_withdrawals(
    client, approver, index_mode
):
    from meetings.search import index

    first = _published("索引の確認 最初の会議")
    assert _found(client, "索引の確認") == {first.title}
    base = index._current["snapshot"].base
    second = _published("索引の確認 次の会議")
    assert _found(client, "索引の確認") == {first.title, second.title}
    assert _found(client, "次の会議") == {second.title}
    snap = index._current["snapshot"]
    assert (snap.base is base) == (index_mode == "delta")
    # A correction: the old text vanishes, the new one is found at once.
    second.sections.first().items.update(text="索引の確認 訂正した会議")
    Meeting.objects.filter(pk=second.pk).update(version=second.version + 1)
    services.meeting_publish(
        meeting=Meeting.objects.get(pk=second.pk),
        user=approver,
        correction_note="訂正",
        check_permission=False,
    )
    assert _found(client, "次の会議") == set()
    assert _found(client, "訂正した会議") == {second.title}
    services.meeting_withdraw(meeting=first, user=approver)
    assert _found(client, "索引の確認") == {second.title}
    assert _found(client, "最初の会議") == set()


def test_warm_builds_the_index_before_the_first_search(client, monkeypatch):
    """gunicorn's master builds the index before forking (deploy/gunicorn.conf.py):
    the first search of a worker finds it ready for the state it reads."""
    from django.db import connections

    from meetings.search import index

    meeting = _published("事前に索引を作る会議")
    index.forget()
    closed = []
    # The test's transaction must survive; the master closes its connection.
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))
    index.warm()
    assert closed == [True]
    warmed = index._current["snapshot"]
    assert _found(client, "事前に索引") == {meeting.title}
    assert index._current["snapshot"] is warmed


def test_the_gunicorn_config_preloads_and_warms_the_index(monkeypatch):
    import runpy
    from pathlib import Path

    from django.conf import settings

    from meetings.search import index

    calls = []
    monkeypatch.setattr(index, "warm", lambda: calls.append(True))
    config = runpy.run_path(
        str(Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py")
    )
    assert config["preload_app"] is True
    config["when_ready"](None)
    assert calls == [True]
