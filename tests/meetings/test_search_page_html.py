"""The search page (``search.html``) as its template wrote it, byte for byte.

The page's title and content block are now written by ``meetings.search.page``
(``title``, ``content_html``) and the template is a shell around them. The old
template's text is kept here: for many searches (no query, a query with an error,
no results with and without filters, expansions on and off, related words offered
and used, dates read, dropped or reversed, one page and several, facets chosen,
relevance order, characters to escape) the page must equal what it rendered from
the same context.
"""

from __future__ import annotations

from datetime import date
from http import HTTPStatus

import pytest
from django.template import engines
from django.urls import reverse

from meetings.search import page as search_page
from meetings.views import public
from tests.factories import make_meeting
from tests.meetings.public_builders import _fresh_public_cache, publish_many

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]

# templates/meetings/public/search.html as it was.
OLD_SEARCH = """{% extends "base.html" %}
{% load public_tags %}{% block title %}{% if query %}「{{ query.raw }}」の検索結果{% else %}開催結果の検索{% endif %}{% endblock %}
{% block header_search %}{% endblock %}
{% block content %}
<h1 class="page-title">開催結果の検索</h1>
<form class="search-form" role="search" method="get" action="{{ search_url }}">
  <label class="form-label" for="search-q">検索する語句(2文字以上)</label>
  <div class="search-form-row">
    <input class="form-control" type="search" id="search-q" name="q" value="{{ query.raw }}" maxlength="100" aria-describedby="search-help{% if query.error %} search-error{% endif %}"{% if query.error %} aria-invalid="true"{% endif %}>
    <button class="btn btn-primary" type="submit">検索</button>
  </div>
  <p class="form-text" id="search-help">スペースで区切ると、すべてを含む結果(例: <kbd>台風 病院</kbd>)。<kbd>OR</kbd> でどちらか(<kbd>豚熱 OR 鳥インフルエンザ</kbd>)、<kbd>-語句</kbd> で除外、<kbd>"語句"</kbd> で書いたとおりに検索します。ひらがな・カタカナ、全角・半角の違いは区別しません。</p>
  <div class="search-options">
    <div class="form-check"><input class="form-check-input" type="checkbox" name="exp" value="0" id="search-exact"{% if not query.expand %} checked{% endif %}><label class="form-check-label" for="search-exact">同義語・組織の旧名称を広げずに検索する</label></div>
    <div class="form-check"><input class="form-check-input" type="checkbox" name="rel" value="1" id="search-related"{% if query.related %} checked{% endif %}><label class="form-check-label" for="search-related">関連語も含めて検索する(例: 大雨 → 豪雨)</label></div>
    {% for name, value in filters.as_params.items %}{% if name != "sort" %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endif %}{% endfor %}
    {% if sort != "date" %}<input type="hidden" name="sort" value="{{ sort }}">{% endif %}
  </div>
</form>
{% if query.error %}
<p class="alert alert-warning" id="search-error" role="alert">{{ query.error }}</p>
{% elif page_obj is not None %}
{% if expansions or query.related_offers or not query.expand %}
<div class="search-expansions" role="note">
  {% if expansions %}
  <p class="mb-1">次の語句も含めて検索しました。</p>
  <ul class="mb-1">{% for expansion in expansions %}<li>「{{ expansion.word }}」→ {{ expansion.labels|join:"、" }}</li>{% endfor %}</ul>
  <p class="mb-1"><a href="{{ expansions_off_url }}">広げずに「{{ query.raw }}」だけで検索する</a>{% if query.related %} ・ <a href="{{ related_off_url }}">関連語を含めない</a>{% endif %}</p>
  {% elif not query.expand %}
  <p class="mb-1">同義語・組織の旧名称を広げずに検索しました。 <a href="{{ expansions_on_url }}">同義語も含めて検索する</a></p>
  {% endif %}
  {% if query.related_offers and not query.related %}
  <p class="mb-1">関連語: {{ query.related_offers|join:"、" }} <a href="{{ related_on_url }}">関連語も含めて検索する</a></p>
  {% endif %}
</div>
{% endif %}
<h2 class="result-count" id="results-heading">「{{ query.raw }}」を含む開催結果:{{ page_obj.paginator.count }}件{% if is_filtered %}(絞り込み前{{ total_unfiltered }}件){% endif %}{% if page_obj.paginator.num_pages > 1 %}({{ page_obj.number }}/{{ page_obj.paginator.num_pages }}ページ){% endif %}</h2>
{% if dates.errors %}<p class="alert alert-warning" role="alert">{{ dates.dropped }}を読み取れなかったため、{{ dates.dropped }}では絞り込まずに表示しています。「開催日」の欄を確かめてください。</p>{% endif %}
<div class="search-layout">
{% if facets or is_filtered or dates.errors %}
<nav class="search-facets" aria-label="検索結果の絞り込み">
  <h2 class="h6">絞り込み</h2>
  {% if is_filtered %}<p><a href="{{ clear_filters_url }}">すべての絞り込みを解除</a></p>{% endif %}
  {{ facets_html }}{# each facet's heading and list: meetings.search.page._facets_html #}
  <form method="get" action="{{ search_url }}" class="search-dates">
    <h3 class="search-facet-title">開催日</h3>
    <input type="hidden" name="q" value="{{ query.raw }}">
    {% for name, value in filters.as_params.items %}{% if name != "from" and name != "to" %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endif %}{% endfor %}
    {% if not query.expand %}<input type="hidden" name="exp" value="0">{% endif %}{% if query.related %}<input type="hidden" name="rel" value="1">{% endif %}
    <p class="form-text mt-0" id="search-dates-help">「令和4年4月1日」「R4.4.1」のように入力してください。</p>
    {% for field in dates.fields %}
    <label class="form-label" for="search-{{ field.name }}">{{ field.label }}</label>
    <input class="form-control form-control-sm{% if field.error %} is-invalid{% endif %}" type="text" autocomplete="off" id="search-{{ field.name }}" name="{{ field.name }}" value="{{ field.value }}" maxlength="40" aria-describedby="search-dates-help{% if field.error %} search-{{ field.name }}-error{% endif %}"{% if field.error %} aria-invalid="true"{% endif %}>
    {% if field.error %}<div class="invalid-feedback d-block" id="search-{{ field.name }}-error">{{ field.error }}</div>{% endif %}
    {% endfor %}
    <button class="btn btn-outline-primary btn-sm mt-2" type="submit">期間で絞り込み</button>
  </form>
</nav>
{% endif %}
<div class="search-results">
{% if page_obj.object_list %}
<p class="search-sort">並び順: {% for key, label, url in sorts %}{% if key == sort %}<strong aria-current="true">{{ label }}</strong>{% else %}<a href="{{ url }}">{{ label }}</a>{% endif %}{% if not forloop.last %} | {% endif %}{% endfor %}</p>
<ol class="meeting-list" aria-labelledby="results-heading">
  {% meeting_rows page_obj %}
</ol>
{% pagination page_obj %}
{% else %}
<div class="search-advice">
<p>「{{ query.raw }}」を含む開催結果は見つかりませんでした。次の方法もお試しください。</p>
<ul>
  {% if is_filtered %}<li><a href="{{ clear_filters_url }}">絞り込みを解除する</a>と見つかるかもしれません。</li>{% endif %}
  <li>語句を短くするか、スペースで区切った語句を減らしてください。</li>
  <li>漢字の書き方を変えてみてください。</li>
  <li><a href="{{ archive_url }}">開催結果一覧</a>から、年度や会議の種類で探せます。</li>
</ul>
</div>
{% endif %}
</div>
</div>
{% else %}
<p>題名、協議概要、出席者、各課からの説明・報告、指示事項、会議資料(PDF)など、公開中のすべての文章から検索できます。</p>
{% endif %}
<p class="small">この検索が使えないときは、<a href="{% url 'public:search_static' %}">簡易検索</a>をお使いください(サーバーの保守中も使えます)。</p>
{% endblock %}
"""


def _section(text: str, speaker: str = "危機管理政策課") -> list[dict]:
    return [
        {
            "kind": "explanation",
            "speaker": speaker,
            "group": "main",
            "items": [{"marker": "・", "text": text, "children": []}],
        }
    ]


@pytest.fixture
def corpus():
    publish_many(45, first_day=date(2020, 4, 1), extra_text="停電の報告{n}")
    make_meeting(
        status="published",
        held_on="2024-05-01",
        sections=_section("COVID-19の検査体制と停電", "医療政策課"),
    )
    make_meeting(
        status="published",
        held_on="2024-05-02",
        sections=_section("大雨警報が発表された。<b>&\"'", "<課>&"),
    )
    make_meeting(
        status="published",
        held_on="2024-05-03",
        sections=_section("記録的な豪雨となった。"),
    )


def _capture(monkeypatch) -> dict:
    """The request and the context of the next search page (as given to the page)."""
    captured: dict = {}
    real = search_page.respond

    def capture(request, context):
        response = real(request, context)
        captured.update(request=request, context=dict(context))
        return response

    monkeypatch.setattr(search_page, "respond", capture)
    return captured


CASES = [
    {},
    {"q": ""},
    {"q": "あ"},
    {"q": "-停電"},
    {"q": "停電"},
    {"q": "停電", "page": "2"},
    {"q": "停電", "page": "3"},
    {"q": "停電", "page": "999"},
    {"q": "停電", "sort": "relevance"},
    {"q": "停電", "sort": "relevance", "page": "2"},
    {"q": "停電", "sort": "<x>&"},
    {"q": "停電", "year": "2020"},
    {"q": "停電", "year": "2020", "sort": "relevance"},
    {"q": "停電", "year": "2021", "src": "page"},
    {"q": "停電", "dept": "医療政策課"},
    {"q": "停電", "dept": "<b>&\"'", "type": "<x>", "incident": "bad"},
    {"q": "停電", "type": "危機管理連絡会議", "exp": "0"},
    {"q": "存在しない語句"},
    {"q": "存在しない語句", "year": "2020"},
    {"q": "存在しない語句", "exp": "0", "rel": "1"},
    {"q": "コロナ"},
    {"q": "コロナ", "exp": "0"},
    {"q": "コロナ 停電", "rel": "1"},
    {"q": "大雨"},
    {"q": "大雨", "rel": "1"},
    {"q": "大雨", "rel": "1", "exp": "0"},
    {"q": "大雨", "exp": "0"},
    {"q": "停電", "from": "令和2年4月1日", "to": "R2.4.30"},
    {"q": "停電", "from": "令和2年4月1日"},
    {"q": "停電", "to": "2020-04-10", "year": "2020"},
    {"q": "停電", "from": "あいう"},
    {"q": "停電", "from": "<b>&", "to": "令和99年13月1日"},
    {"q": "停電", "from": "2021-01-01", "to": "2020-01-01"},
    {"q": "存在しない語句", "from": "だめ"},
    {"q": "<b>&\"' 停電"},
    {"q": '"停電の報告" OR 豪雨 -大雨'},
    {"q": "停電", "extra": "<&>", "page": "x"},
]


@pytest.mark.parametrize("params", CASES, ids=[repr(case) for case in CASES])
def test_the_search_page_equals_what_the_old_template_rendered(
    client, corpus, monkeypatch, params
):
    captured = _capture(monkeypatch)
    response = client.get(reverse("public:search"), params)
    assert response.status_code == HTTPStatus.OK
    expected = (
        engines["django"]
        .from_string(OLD_SEARCH)
        .render(captured["context"], captured["request"])
    )
    assert response.content.decode() == expected


def test_the_cases_cover_the_page_s_branches(client, corpus):
    """The cases above reach every part of the page (else the equality says little)."""
    pages = [
        client.get(reverse("public:search"), params).content.decode()
        for params in CASES
    ]
    for text in [
        "公開中のすべての文章から検索できます。",
        'id="search-error" role="alert"',
        "次の語句も含めて検索しました。",
        "同義語・組織の旧名称を広げずに検索しました。",
        "関連語: 豪雨",
        "関連語を含めない</a>",
        "(絞り込み前",
        "ページ)</h2>",
        "を読み取れなかったため",
        "is-invalid",
        "すべての絞り込みを解除",
        '<strong aria-current="true">関連度順</strong>',
        "見つかりませんでした",
        "絞り込みを解除する</a>と見つかるかもしれません。",
        '<input type="hidden" name="sort" value="relevance">',
        '<input type="hidden" name="exp" value="0">',
        '<input type="hidden" name="rel" value="1">',
        "&lt;b&gt;&amp;",
        'rel="next"',
    ]:
        assert any(text in page for page in pages), text


@pytest.mark.parametrize(
    "params",
    [
        {"q": "停電"},
        {"q": "停電", "page": "2", "sort": "relevance"},
        {"q": "停電", "extra": "<&> +%", "page": "x", "year": "2020"},
        {"q": "停電", "from": "令和2年4月1日", "to": "R2.4.30", "page": "2"},
        {"q": "停電", "from": "だめ", "exp": "0"},
        {"q": "停電 　報告", "z": "a&b=c", "page": "3"},
    ],
)
def test_page_links_keep_the_request_s_parameters_as_query_page_url_wrote_them(
    client, corpus, monkeypatch, params
):
    """The page links are encoded with the other links of the page, not by
    ``views.public.query_page_url``; they must be the same URLs (dates as typed)."""
    captured = _capture(monkeypatch)
    client.get(reverse("public:search"), params)
    page = captured["context"]["page_obj"]
    old = public.query_page_url(captured["request"])
    assert page.has_other_pages()
    assert [url for number, url in page.links if number] == [
        old(number) for number in page.paginator.page_range
    ]
    assert page.prev_url == (old(page.number - 1) if page.has_previous() else "")
    assert page.next_url == (old(page.number + 1) if page.has_next() else "")


@pytest.mark.parametrize("prefix", ["/", "/kiki/"])
def test_the_page_s_frame_follows_the_script_prefix(
    client, corpus, monkeypatch, rf, prefix
):
    """base.html around the content is rendered once per script prefix (and path,
    language, URLconf, query or not): a page under another prefix has its links."""
    from django.urls import set_script_prefix

    client.get(reverse("public:search"), {"q": "停電"})  # a frame under "/"
    try:
        set_script_prefix(prefix)
        for params in [{"q": "停電", "page": "2"}, {}, {"q": "存在しない語句"}]:
            captured = _capture(monkeypatch)
            request = rf.get(reverse("public:search"), params)
            html = public.search(request).content.decode()
            expected = (
                engines["django"]
                .from_string(OLD_SEARCH)
                .render(captured["context"], captured["request"])
            )
            assert html == expected
            assert f'action="{prefix}search/"' in html
            assert (
                f'<a class="site-name me-auto text-decoration-none" href="{prefix}">'
                in html
            )
    finally:
        set_script_prefix("/")


def test_with_debug_the_template_renders_the_page(
    client, corpus, monkeypatch, settings
):
    settings.DEBUG = True
    for params in [{"q": "停電"}, {}]:
        captured = _capture(monkeypatch)
        response = client.get(reverse("public:search"), params)
        names = [t.name for t in response.templates]
        assert "meetings/public/search.html" in names
        assert "base.html" in names
        expected = (
            engines["django"]
            .from_string(OLD_SEARCH)
            .render(captured["context"], captured["request"])
        )
        assert response.content.decode() == expected


def test_messages_are_shown_by_the_template_as_before(client, corpus, monkeypatch, rf):
    from django.contrib import messages
    from django.contrib.messages.storage.cookie import CookieStorage

    client.get(reverse("public:search"), {"q": "停電"})  # the frame exists
    request = rf.get(reverse("public:search"), {"q": "停電"})
    request._messages = CookieStorage(request)
    messages.success(request, "<b>保存しました</b>&")
    captured = _capture(monkeypatch)
    html = public.search(request).content.decode()
    assert 'role="status">&lt;b&gt;保存しました&lt;/b&gt;&amp;</div>' in html
    request = rf.get(reverse("public:search"), {"q": "停電"})
    request._messages = CookieStorage(request)
    messages.success(request, "<b>保存しました</b>&")
    expected = (
        engines["django"].from_string(OLD_SEARCH).render(captured["context"], request)
    )
    assert html == expected
    # The next page, without messages, has none (the frame holds none).
    after = client.get(reverse("public:search"), {"q": "停電"}).content.decode()
    assert "保存しました" not in after
    assert 'class="messages"' not in after


def test_a_search_page_renders_no_template_once_its_frame_exists(client, corpus):
    first = client.get(reverse("public:search"), {"q": "停電"})
    second = client.get(reverse("public:search"), {"q": "停電", "page": "2"})
    assert second.templates == []
    assert first.content.split(b"<main")[0] == second.content.split(b"<main")[0]
