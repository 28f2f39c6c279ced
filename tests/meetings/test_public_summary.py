"""A meeting's summary in lists (archive, publication tree, search results).

The summary was rendered by the template ``meetings/public/includes/_meeting_summary.html``
for each row; it is now written by ``views.public.render_summary`` (no template engine
per row). The template's text is kept here, and the new HTML must equal what it
rendered for varied meetings: agenda with and without markers, several lines, no
agenda, a drill, long titles, characters to escape, meetings linked to an incident.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from django.db.models.fields.json import KeyTransform
from django.template import engines
from django.test import Client
from django.urls import reverse

from incidents.models import Incident, IncidentLink
from meetings import wareki
from meetings.models import Meeting, Publication
from meetings.search.documents import index_publication
from meetings.views import public
from tests.meetings.public_builders import _fresh_public_cache, publish_many

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]

# meetings/public/includes/_meeting_summary.html as it was (comment included).
OLD_TEMPLATE = (
    "{% comment %}A published meeting's summary in lists: rendered once per "
    "publication and cached (views.public._paginate). Context: meeting "
    "(views.public._rows), agenda_lines, held_on_iso, held_on_wareki.{% endcomment %}"
    '<p class="meeting-row-title"><a href="{{ meeting.get_absolute_url }}">'
    "{% if meeting.drill %}【訓練】{% endif %}{{ meeting.current_publication.title }}"
    "</a></p>\n"
    '<p class="meeting-row-meta">開催日:<time datetime="{{ held_on_iso }}">'
    "{{ held_on_wareki }}</time></p>\n"
    '{% if agenda_lines %}<div class="meeting-row-agenda"><span '
    'class="meeting-row-label">協議概要:</span>{% if agenda_lines|length == 1 %}'
    '{{ agenda_lines.0 }}{% else %}<ul class="meeting-row-agenda-list">'
    "{% for line in agenda_lines %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}"
    "</div>{% endif %}\n"
)


def _old_summaries(pks: list[int]) -> dict[int, str]:
    """What the template rendered, from the rows as views.public._rows read them."""
    template = engines["django"].from_string(OLD_TEMPLATE)
    rows = (
        Meeting.objects.published()
        .filter(pk__in=pks)
        .select_related("current_publication")
        .only("public_id", "current_publication__title", "current_publication__held_on")
        .annotate(
            agenda=KeyTransform("agenda", "current_publication__data"),
            agenda_markers=KeyTransform("agenda_markers", "current_publication__data"),
            drill=KeyTransform("is_drill", "current_publication__data"),
        )
    )
    out = {}
    for meeting in rows:
        texts = meeting.agenda or []
        markers = meeting.agenda_markers or [""] * len(texts)
        held_on = meeting.current_publication.held_on
        out[meeting.pk] = template.render(
            {
                "meeting": meeting,
                "agenda_lines": [
                    f"{m or ''}{t}" for m, t in zip(markers, texts, strict=False)
                ],
                "held_on_iso": held_on.isoformat(),
                "held_on_wareki": wareki.format_wareki(held_on, weekday=True),
            }
        )
    return out


LONG_TITLE = (
    "危機管理連絡会議(台風第10号に伴う大雨・暴風・高潮・土砂災害への対応及び"
    "県内の被害状況、避難所の開設状況、停電・断水の復旧見込みについて)の開催結果"
    "について(令和6年8月30日)" * 3
)

# Publication data and title of each case (None: left as publish_many wrote it).
CASES: list[tuple[str, dict, str | None]] = [
    ("one agenda line", {}, None),
    (
        "markers, several lines",
        {
            "agenda": ["「台風第10号」について", "「停電」について", "その他"],
            "agenda_markers": ["(1)", "(2)", "(3)"],
        },
        None,
    ),
    (
        "some markers empty or null",
        {"agenda": ["一", "二", "三"], "agenda_markers": ["1 ", "", None]},
        None,
    ),
    (
        "fewer markers than lines",
        {"agenda": ["一", "二", "三"], "agenda_markers": ["(1)", "(2)"]},
        None,
    ),
    ("one line with a marker", {"agenda": ["報告"], "agenda_markers": ["・"]}, None),
    ("empty agenda", {"agenda": [], "agenda_markers": []}, None),
    ("no agenda key", {"agenda": None, "agenda_markers": None}, None),
    ("drill", {"is_drill": True}, "【想定】南海トラフ地震対応訓練の開催結果"),
    ("not a drill, explicitly", {"is_drill": False}, None),
    ("long title", {}, LONG_TITLE),
    (
        "characters to escape",
        {
            "agenda": ["<b>\"A&B\"</b> の'件'", "x < y > z & {{ q }} %"],
            "agenda_markers": ["<1>", "&2"],
        },
        "会議 <script>alert(\"x\")</script> & '引用' {% tag %}",
    ),
    ("full-width and kana", {"agenda": ["ＡＢＣ　ｱｲｳ〜①"]}, "ﾃｽﾄ①　全角スペース"),
]


def _make_cases() -> dict[str, Meeting]:
    meetings = publish_many(len(CASES), first_day=date(2024, 4, 30))
    for meeting, (_, changes, title) in zip(meetings, CASES, strict=True):
        # Publications are append-only: the case is a correction (version 2).
        first = Publication.objects.get(pk=meeting.current_publication_id)
        data = dict(first.data)
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        second = Publication.objects.create(
            meeting=meeting,
            number=2,
            published_at=first.published_at + timedelta(seconds=1),
            meeting_version=first.meeting_version,
            title=title if title is not None else first.title,
            held_on=first.held_on,
            data=data,
            text=first.text,
            html=first.html,
        )
        Meeting.objects.filter(pk=meeting.pk).update(current_publication=second)
        meeting.current_publication = second
        index_publication(second)
    incident = Incident.objects.create(
        title="停電事案",
        category=Incident.Category.OTHER,
        started_at="2024-05-01T09:00:00+09:00",
    )
    IncidentLink.objects.create(incident=incident, meeting=meetings[0])
    IncidentLink.objects.create(incident=incident, meeting=meetings[-1])
    return {name: m for (name, _, _), m in zip(CASES, meetings, strict=True)}


def _wanted(meetings: list[Meeting]) -> list[tuple[int, int, datetime]]:
    return list(
        Meeting.objects.filter(pk__in=[m.pk for m in meetings])
        .order_by("pk")
        .values_list(
            "pk", "current_publication_id", "current_publication__published_at"
        )
    )


def test_summary_html_equals_what_the_template_rendered(django_assert_num_queries):
    cases = _make_cases()
    expected = _old_summaries([m.pk for m in cases.values()])
    wanted = _wanted(list(cases.values()))
    # The rows missing from the cache: one query for all of them.
    with django_assert_num_queries(1):
        rows = public.summary_rows(wanted)
    assert [row.publication_id for row in rows] == [pub for _, pub, _ in wanted]
    by_meeting = {
        pk: str(row.summary) for (pk, _, _), row in zip(wanted, rows, strict=True)
    }
    for name, meeting in cases.items():
        assert by_meeting[meeting.pk] == expected[meeting.pk], name
    # Cached now: no query, same HTML.
    with django_assert_num_queries(0):
        again = public.summary_rows(wanted)
    assert [str(row.summary) for row in again] == [str(row.summary) for row in rows]


def test_summary_cases_show_what_they_should():
    """The cases really differ (the comparison above is not between empty strings)."""
    cases = _make_cases()
    html = {
        name: str(row.summary)
        for name, row in zip(
            cases, public.summary_rows(_wanted(list(cases.values()))), strict=True
        )
    }
    assert "【訓練】【想定】南海トラフ" in html["drill"]
    assert "【訓練】" not in html["not a drill, explicitly"]
    assert (
        '<ul class="meeting-row-agenda-list"><li>(1)「台風第10号」について</li>'
        in html["markers, several lines"]
    )
    assert "<li>1 一</li><li>二</li><li>三</li>" in html["some markers empty or null"]
    assert "<li>(1)一</li><li>(2)二</li></ul>" in html["fewer markers than lines"]
    assert "協議概要:</span>・報告</div>" in html["one line with a marker"]
    assert "meeting-row-agenda" not in html["empty agenda"]
    assert "meeting-row-agenda" not in html["no agenda key"]
    escaped = html["characters to escape"]
    assert "<script>" not in escaped and "<b>" not in escaped
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;引用&#x27;"
        in (escaped)
    )
    assert "<li>&lt;1&gt;&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;" in escaped
    assert LONG_TITLE in html["long title"]
    meeting = cases["one agenda line"]
    assert f'<a href="/meetings/{meeting.public_id}/">' in html["one agenda line"]
    assert (
        '<time datetime="2024-04-30">令和6年4月30日(火)</time>'
        in (html["one agenda line"])
    )


def test_archive_and_search_rows_are_the_summaries(client: Client):
    cases = _make_cases()
    expected = _old_summaries([m.pk for m in cases.values()])
    archive = client.get(reverse("public:archive")).content.decode()
    rows = re.findall(
        r'<li class="meeting-row">(.*?)</li>(?=<li class="meeting|\n)', archive, re.S
    )
    assert len(rows) == len(CASES)
    assert set(rows) == set(expected.values())
    found = client.get(reverse("public:search"), {"q": "テストの説明"}).content.decode()
    for meeting in cases.values():
        assert expected[meeting.pk] in found


# meetings/public/includes/_pagination.html as it was.
OLD_PAGINATION = """{% comment %}Page links. Context: page_obj (with links, prev_url, next_url, see views.public.elide).{% endcomment %}
{% if page_obj.has_other_pages %}
<nav class="pager" aria-label="ページ送り">
  <ul class="pagination flex-wrap">
    {% if page_obj.prev_url %}
    <li class="page-item"><a class="page-link" href="{{ page_obj.prev_url }}" rel="prev">前のページ</a></li>
    {% endif %}
    {% for number, url in page_obj.links %}
      {% if number == page_obj.number %}
      <li class="page-item active"><a class="page-link" href="{{ url }}" aria-current="page">{{ number }}</a></li>
      {% elif number is None %}
      <li class="page-item disabled"><span class="page-link">…</span></li>
      {% else %}
      <li class="page-item"><a class="page-link" href="{{ url }}">{{ number }}</a></li>
      {% endif %}
    {% endfor %}
    {% if page_obj.next_url %}
    <li class="page-item"><a class="page-link" href="{{ page_obj.next_url }}" rel="next">次のページ</a></li>
    {% endif %}
  </ul>
</nav>
{% endif %}
"""


@pytest.mark.parametrize(
    ("count", "number"),
    [(0, 1), (5, 1), (20, 1), (21, 1), (21, 2), (60, 2), (200, 1), (200, 5)]
    + [(10_000, n) for n in (1, 2, 3, 4, 5, 6, 250, 496, 497, 499, 500)],
)
@pytest.mark.parametrize(
    "page_url",
    [
        public.path_page_url("/", "/archive/page/%d/"),
        lambda n: f"?q=%E5%81%9C&year=2024&sort=<x>&page={n}",
    ],
)
def test_page_links_equal_what_the_template_rendered(count, number, page_url):
    from django.core.paginator import Paginator

    template = engines["django"].from_string(OLD_PAGINATION)
    page = public.elide(Paginator(range(count), 20).get_page(number), page_url)
    expected = template.render({"page_obj": page})
    assert str(public.pagination_html(page)) == expected
    if count > 20:
        assert 'aria-current="page">' + str(page.number) + "</a>" in expected


def test_result_rows_with_snippets_and_attachment_pages_as_the_template_wrote_them():
    """The search results' rows (summary, snippet, matching PDF pages) as the loop
    of search.html wrote them."""
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    from meetings.search.page import AttachmentHit

    old = engines["django"].from_string(
        '{% for row in rows %}<li class="meeting-row">{{ row.summary }}'
        '{% if row.snippet %}<p class="meeting-row-snippet">{{ row.snippet }}</p>'
        "{% endif %}{% for hit in row.attachment_hits %}"
        '<p class="meeting-row-snippet meeting-row-attachment"><a href="{{ hit.url }}"'
        ' title="{{ hit.label }}">会議資料(PDF) p.{{ hit.page }}</a> {{ hit.snippet }}'
        "{% if hit.more > 0 %}(資料のほか{{ hit.more }}ページにもあります){% endif %}"
        "</p>{% endfor %}</li>{% endfor %}"
    )
    rows = [
        public.Row(1, mark_safe("<p>一</p>\n")),
        public.Row(2, mark_safe("<p>二</p>\n"), snippet="<素の>文字列&"),
        public.Row(
            3,
            mark_safe("<p>三</p>\n"),
            snippet=format_html("…前<mark>{}</mark>後…", "停電&"),
            attachment_hits=[
                AttachmentHit(
                    label='資料"1"<&>',
                    page=2,
                    url="/meetings/x/attachments/5/?a=1&b=2#page=2",
                    snippet=format_html("<mark>{}</mark>", "停電"),
                    more=3,
                ),
                AttachmentHit(label="資料2", page=10, url="/a/#page=10", snippet="素<"),
            ],
        ),
    ]
    assert str(public.rows_html(rows)) == old.render({"rows": rows})
    assert "&lt;素の&gt;文字列&amp;" in str(public.rows_html(rows))


@pytest.mark.parametrize("prefix", ["/", "/kiki/"])
def test_meeting_links_without_reversal_equal_the_reversed_urls(prefix):
    import uuid

    from django.urls import set_script_prefix

    try:
        set_script_prefix(prefix)
        for _ in range(3):
            public_id = uuid.uuid4()
            before, after = public._meeting_url_parts(prefix, None)
            assert f"{before}{public_id}{after}" == reverse(
                "public:meeting", args=[public_id]
            )
    finally:
        set_script_prefix("/")


def test_rows_escape_as_conditional_escape_does():
    from django.utils.html import conditional_escape, format_html
    from django.utils.safestring import mark_safe

    from meetings.views.public import autoescaped

    for value in [
        "<b>\"停電\"</b> & 'x'",
        mark_safe("<mark>停電</mark>"),
        format_html("<a>{}</a>", "<"),
        12,
        "",
    ]:
        assert autoescaped(value) == str(conditional_escape(value))
