"""The public results page's context: query, expansions, facets, rows, snippets.

One query, whatever the number of hits: the public state (by the caller, which
also stands for the connection's health check). The matching documents, the
snippets' texts, the rows' summaries and the facets' table come from the search's
in-process facts and index (``engine``, ``index``: built per public state, not per
query), the thesaurus and the filter labels from caches; base.html's frame is
rendered once per process (``respond``).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.paginator import Paginator
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from meetings import wareki
from meetings.search import engine, snippets
from meetings.search import parse_query as _parse
from meetings.views.public import autoescaped

PAGE_SIZE = 20
# Attachment pages shown under one result (the others are counted).
ATTACHMENT_HITS_SHOWN = engine.ATTACHMENTS_SHOWN


@dataclass
class AttachmentHit:
    label: str
    page: int
    url: str
    snippet: str
    more: int = 0  # other matching pages of the meeting's PDFs


@dataclass
class Expansion:
    word: str
    labels: list[str]


class _Links:
    """URLs of the search with the request's parameters changed (a value of None
    or "" removes the parameter), without the page number: as ``QueryDict.copy``,
    ``pop``, set and ``urlencode`` would write them (changed parameters last, in
    order). The request's parameters are encoded once for the page's dozen links."""

    def __init__(self, params: QueryDict) -> None:
        self.path = _search_path(get_script_prefix())
        self.pairs = [
            (name, _pair(name, value))
            for name, values in params.lists()
            if name != "page"
            for value in values
        ]

    def url(self, **changes: str | None) -> str:
        parts = [pair for name, pair in self.pairs if name not in changes]
        parts += [_pair(name, value) for name, value in changes.items() if value]
        encoded = "&".join(parts)
        return f"{self.path}?{encoded}" if encoded else "?"


def _pair(name: str, value: str) -> str:
    # urlencode's default: quote_plus on both, nothing safe.
    return f"{quote_plus(name, safe='')}={quote_plus(value, safe='')}"


class _Paginator(Paginator):
    """Django's paginator with a plain ``…`` for the gaps: ``views.public.elide``
    compares every page number with it, and Django's is a lazy translation
    (each comparison translated again). The gaps are written as ``…`` by
    ``pagination_html``, not from this value."""

    ELLIPSIS = "…"  # type: ignore[assignment]  # a str, not a lazy translation


@functools.lru_cache(maxsize=8)
def _search_path(prefix: str) -> str:
    return reverse("public:search")


def _facet(links: _Links, facet: engine.Facet) -> dict[str, Any]:
    """A facet's values with their links: the value added, or removed if chosen.

    The list items are written here, escaped, not by a template loop: a broad
    query's facets have a hundred values, and the template engine's lookups for
    them cost more than the search itself."""
    without = links.url(**{facet.name: None})
    joiner = "&" if "?" in without and not without.endswith("?") else ""
    # Escaping is per character: the escaped URL is the escaped prefix followed
    # by the quoted value (quote_plus leaves nothing to escape).
    prefix = html.escape(f"{without}{joiner}{facet.name}=")
    selected_href = html.escape(without)
    items = []
    for value in facet.values:
        label, quoted = _facet_value_parts(value.label, value.value)
        text = f"{label}（{value.count}）"
        if value.selected:
            items.append(
                f'<li><a href="{selected_href}" aria-current="true" '
                f'class="search-facet-selected">{text}'
                '<span class="visually-hidden">絞り込み中。</span> 解除</a></li>'
            )
        else:
            items.append(f'<li><a href="{prefix}{quoted}">{text}</a></li>')
    return {
        "name": facet.name,
        "label": facet.label,
        # Every piece escaped above (html.escape: what the template's autoescape does).
        "items": mark_safe("\n".join(items)),  # noqa: S308
    }


def _facets_html(facets: list[dict[str, Any]]) -> SafeString:
    """Each facet's heading and list, as the template's loop over them wrote it
    (its whitespace included)."""
    return mark_safe(  # noqa: S308 - the label escaped here, the items by _facet
        "".join(
            f'\n  <h3 class="search-facet-title">{html.escape(facet["label"])}</h3>'
            f'\n  <ul class="search-facet">\n    {facet["items"]}\n  </ul>\n  '
            for facet in facets
        )
    )


@functools.lru_cache(maxsize=4096)
def _facet_value_parts(label: str, value: str) -> tuple[str, str]:
    """A facet value's escaped label and its quoted parameter value. The values are
    the facets' vocabulary (years, types, incidents, departments): they repeat."""
    return html.escape(label), quote_plus(value)


def _alternative_label(alternative: Any) -> str:
    if not alternative.dated:
        return alternative.label
    start = wareki.format_wareki(alternative.start) if alternative.start else ""
    end = wareki.format_wareki(alternative.end) if alternative.end else ""
    return f"{alternative.label}({start}〜{end}の会議)"


# The 開催日 range's fields: GET name, label (as the form shows it).
DATE_FIELDS = (("from", "開始日"), ("to", "終了日"))


@dataclass
class DateRange:
    """The 開催日 range as typed: what the fields show again, and what went wrong."""

    shown: dict[str, str]  # field name -> the text the field shows
    errors: dict[str, str]  # field name -> the message under it
    params: (
        QueryDict  # the request's parameters with the dates in ISO, bad ones dropped
    )

    @property
    def dropped(self) -> str:
        """「開始日」「開始日と終了日」: the typed dates the results are not narrowed by."""
        labels = dict(DATE_FIELDS)
        return "と".join(
            labels[name]
            for name, _ in DATE_FIELDS
            if name in self.shown and name not in self.params
        )

    @property
    def fields(self) -> list[dict[str, str]]:
        return [
            {
                "name": name,
                "label": label,
                "value": self.shown.get(name, ""),
                "error": self.errors.get(name, ""),
            }
            for name, label in DATE_FIELDS
        ]


def date_range(params: QueryDict) -> DateRange:
    """Read ``from`` and ``to`` with the staff forms' parser (``wareki.parse_date_input``):
    令和4年4月1日, R4.4.1, 2022-04-01, full-width digits. A date that cannot be read is
    dropped from the search (the results are not narrowed by it), named in Japanese,
    and shown again as typed; a good one is shown in 和暦."""
    if "from" not in params and "to" not in params:
        # No date typed (most searches): the parameters as they are, not copied.
        return DateRange(shown={}, errors={}, params=params)
    cleaned = params.copy()
    shown: dict[str, str] = {}
    errors: dict[str, str] = {}
    days: dict[str, Any] = {}
    for name, label in DATE_FIELDS:
        typed = params.get(name, "").strip()[:40]
        cleaned.pop(name, None)
        if not typed:
            continue
        try:
            day = wareki.parse_date_input(typed)
        except wareki.DateInputError as error:
            shown[name] = typed
            errors[name] = f"{label}:{error}"
            continue
        days[name] = day
        shown[name] = wareki.format_wareki(day)
        cleaned[name] = day.isoformat()
    if len(days) == 2 and days["from"] > days["to"]:
        errors["to"] = (
            f"終了日({shown['to']})が開始日({shown['from']})より前になっています。"
            "開始日と終了日を確かめてください。"
        )
        cleaned.pop("from", None)
        cleaned.pop("to", None)
    return DateRange(shown=shown, errors=errors, params=cleaned)


def results(
    request: HttpRequest,
    *,
    state: str,
    rows: Callable[[list], list],
) -> dict[str, Any]:
    """The page's context. The page links are the request's parameters with the
    page number last (as ``views.public.query_page_url`` writes them), encoded
    once with the other links."""
    from meetings.views.public import elide

    dates = date_range(request.GET)
    params = dates.params
    expand = params.get("exp") != "0"
    related = params.get("rel") == "1"
    query = _parse(params.get("q", ""), expand=expand, related=related, state=state)
    filters = engine.parse_filters(params)
    filter_params = filters.as_params()
    context: dict[str, Any] = {
        "search_query": query.raw,
        "query": query,
        "filters": filters,
        "filter_params": filter_params,
        "page_obj": None,
        "sort": filters.sort,
        "dates": dates,
    }
    if not query:
        return context
    links = _Links(params)
    # The dates as typed (``params`` holds them in ISO).
    pairs = links.pairs if params is request.GET else _Links(request.GET).pairs
    encoded = "&".join(pair for _, pair in pairs)
    prefix = f"?{encoded}&page=" if encoded else "?page="

    def page_link(number: int) -> str:
        return f"{prefix}{number}"

    outcome = engine.search(query, filters, state)
    paginator = _Paginator(outcome.meeting_ids, PAGE_SIZE)
    page = elide(paginator.get_page(params.get("page")), page_link)
    hits = outcome.hits(list(page.object_list))
    page.object_list = rows(
        [(h.meeting_id, h.facts.publication_id, h.facts.published_at) for h in hits]
    )
    _add_snippets(page.object_list, hits, query)
    facets = [_facet(links, facet) for facet in outcome.facets if facet.values]
    context.update(
        sorts=[
            (key, label, links.url(sort=key if key != "date" else None))
            for key, label in engine.SORTS.items()
        ],
        page_obj=page,
        facets=facets,
        facets_html=_facets_html(facets),
        is_filtered=bool(filter_params.keys() - {"sort"}),
        clear_filters_url=links.url(
            year=None,
            type=None,
            incident=None,
            dept=None,
            src=None,
            **{"from": None, "to": None},
        ),
        total_unfiltered=outcome.total_unfiltered,
        expansions=[
            Expansion(word.label, [_alternative_label(a) for a in word.expansions])
            for word in query.expanded_words
        ],
        expansions_off_url=links.url(exp="0", rel=None),
        expansions_on_url=links.url(exp=None),
        related_on_url=links.url(rel="1", exp=None),
        related_off_url=links.url(rel=None),
    )
    return context


# The search form's fixed parts (search.html's text, byte for byte).
_FORM_HELP = (
    '  <p class="form-text" id="search-help">スペースで区切ると、すべてを含む結果(例: '
    "<kbd>台風 病院</kbd>)。<kbd>OR</kbd> でどちらか(<kbd>豚熱 OR 鳥インフルエンザ</kbd>)、"
    '<kbd>-語句</kbd> で除外、<kbd>"語句"</kbd> で書いたとおりに検索します。'
    "ひらがな・カタカナ、全角・半角の違いは区別しません。</p>\n"
)
_EXACT_OPTION = (
    '    <div class="form-check"><input class="form-check-input" type="checkbox" '
    'name="exp" value="0" id="search-exact"{checked}><label class="form-check-label" '
    'for="search-exact">同義語・組織の旧名称を広げずに検索する</label></div>\n'
)
_RELATED_OPTION = (
    '    <div class="form-check"><input class="form-check-input" type="checkbox" '
    'name="rel" value="1" id="search-related"{checked}><label class="form-check-label" '
    'for="search-related">関連語も含めて検索する(例: 大雨 → 豪雨)</label></div>\n'
)


def _hidden(name: str, value: str) -> str:
    return (
        f'<input type="hidden" name="{autoescaped(name)}" value="{autoescaped(value)}">'
    )


@functools.lru_cache(maxsize=8)
def _static_search_path(prefix: str) -> str:
    return reverse("public:search_static")


def title(context: dict[str, Any]) -> str:
    """The page's <title> before the site's name (escaped by base.html)."""
    query = context["query"]
    return f"「{query.raw}」の検索結果" if query else "開催結果の検索"


def content_html(context: dict[str, Any]) -> SafeString:
    """search.html's content block, as its template wrote it (its whitespace
    included): the form, the expansions, the heading, the facets and the date form,
    the sort line, the rows and page links or the advice. Written here, not by the
    template engine, whose node and lookup machinery cost about as much as the
    matching itself. Every value that is not already safe HTML is escaped
    (``conditional_escape``, as autoescape does)."""
    from meetings.context_processors import chrome

    found = chrome()
    search_url = autoescaped(found.search_url)
    query = context["query"]
    raw = autoescaped(query.raw)
    error = query.error
    params = context["filter_params"]
    sort = context["sort"]
    out = [
        '\n<h1 class="page-title">開催結果の検索</h1>\n'
        f'<form class="search-form" role="search" method="get" action="{search_url}">\n'
        '  <label class="form-label" for="search-q">検索する語句(2文字以上)</label>\n'
        '  <div class="search-form-row">\n'
        '    <input class="form-control" type="search" id="search-q" name="q" '
        f'value="{raw}" maxlength="100" aria-describedby="search-help'
        + (' search-error" aria-invalid="true">' if error else '">')
        + '\n    <button class="btn btn-primary" type="submit">検索</button>\n'
        "  </div>\n",
        _FORM_HELP,
        '  <div class="search-options">\n',
        _EXACT_OPTION.format(checked="" if query.expand else " checked"),
        _RELATED_OPTION.format(checked=" checked" if query.related else ""),
        "    ",
        *[_hidden(name, value) for name, value in params.items() if name != "sort"],
        "\n    ",
        _hidden("sort", sort) if sort != "date" else "",
        "\n  </div>\n</form>\n",
    ]
    page = context["page_obj"]
    if error:
        out.append(
            '\n<p class="alert alert-warning" id="search-error" role="alert">'
            f"{autoescaped(error)}</p>\n"
        )
    elif page is not None:
        _results_html(out, context, page, params, raw, search_url, found.archive_url)
    else:
        out.append(
            "\n<p>題名、協議概要、出席者、各課からの説明・報告、指示事項、会議資料(PDF)など、"
            "公開中のすべての文章から検索できます。</p>\n"
        )
    out.append(
        '\n<p class="small">この検索が使えないときは、<a href="'
        f'{autoescaped(_static_search_path(get_script_prefix()))}">簡易検索</a>'
        "をお使いください(サーバーの保守中も使えます)。</p>\n"
    )
    return mark_safe("".join(out))  # noqa: S308 - escaped above


def _results_html(
    out: list[str],
    context: dict[str, Any],
    page: Any,
    params: dict[str, str],
    raw: str,
    search_url: str,
    archive_url: str,
) -> None:
    from meetings.views.public import pagination_html, rows_html

    query = context["query"]
    expansions = context["expansions"]
    offers = query.related_offers
    out.append("\n")
    if expansions or offers or not query.expand:
        out.append('\n<div class="search-expansions" role="note">\n  ')
        if expansions:
            out.append(
                '\n  <p class="mb-1">次の語句も含めて検索しました。</p>\n  <ul class="mb-1">'
            )
            out.extend(
                f"<li>「{autoescaped(expansion.word)}」→ "
                f"{'、'.join(autoescaped(label) for label in expansion.labels)}</li>"
                for expansion in expansions
            )
            out.append(
                f'</ul>\n  <p class="mb-1"><a href="{autoescaped(context["expansions_off_url"])}">'
                f"広げずに「{raw}」だけで検索する</a>"
            )
            if query.related:
                out.append(
                    f' ・ <a href="{autoescaped(context["related_off_url"])}">関連語を含めない</a>'
                )
            out.append("</p>\n  ")
        elif not query.expand:
            out.append(
                '\n  <p class="mb-1">同義語・組織の旧名称を広げずに検索しました。 '
                f'<a href="{autoescaped(context["expansions_on_url"])}">同義語も含めて検索する</a></p>\n  '
            )
        out.append("\n  ")
        if offers and not query.related:
            out.append(
                '\n  <p class="mb-1">関連語: '
                f"{'、'.join(autoescaped(offer) for offer in offers)} "
                f'<a href="{autoescaped(context["related_on_url"])}">関連語も含めて検索する</a></p>\n  '
            )
        out.append("\n</div>\n")
    paginator = page.paginator
    is_filtered = context["is_filtered"]
    heading = (
        f'\n<h2 class="result-count" id="results-heading">「{raw}」を含む開催結果:'
        f"{paginator.count}件"
    )
    if is_filtered:
        heading += f"(絞り込み前{autoescaped(context['total_unfiltered'])}件)"
    if paginator.num_pages > 1:
        heading += f"({page.number}/{paginator.num_pages}ページ)"
    out.append(heading + "</h2>\n")
    dates = context["dates"]
    if dates.errors:
        dropped = autoescaped(dates.dropped)
        out.append(
            f'<p class="alert alert-warning" role="alert">{dropped}を読み取れなかったため、'
            f"{dropped}では絞り込まずに表示しています。「開催日」の欄を確かめてください。</p>"
        )
    out.append('\n<div class="search-layout">\n')
    clear_url = autoescaped(context["clear_filters_url"])
    if context["facets"] or is_filtered or dates.errors:
        out.append(
            '\n<nav class="search-facets" aria-label="検索結果の絞り込み">\n'
            '  <h2 class="h6">絞り込み</h2>\n  '
        )
        if is_filtered:
            out.append(f'<p><a href="{clear_url}">すべての絞り込みを解除</a></p>')
        out.append("\n  ")
        out.append(context["facets_html"])
        out.append(
            f'\n  <form method="get" action="{search_url}" class="search-dates">\n'
            '    <h3 class="search-facet-title">開催日</h3>\n'
            f'    <input type="hidden" name="q" value="{raw}">\n    '
        )
        out.extend(
            _hidden(name, value)
            for name, value in params.items()
            if name != "from" and name != "to"
        )
        out.append("\n    ")
        if not query.expand:
            out.append('<input type="hidden" name="exp" value="0">')
        if query.related:
            out.append('<input type="hidden" name="rel" value="1">')
        out.append(
            '\n    <p class="form-text mt-0" id="search-dates-help">'
            "「令和4年4月1日」「R4.4.1」のように入力してください。</p>\n    "
        )
        for field in dates.fields:
            name = autoescaped(field["name"])
            field_error = field["error"]
            out.append(
                f'\n    <label class="form-label" for="search-{name}">'
                f"{autoescaped(field['label'])}</label>\n"
                '    <input class="form-control form-control-sm'
                + (" is-invalid" if field_error else "")
                + f'" type="text" autocomplete="off" id="search-{name}" name="{name}" '
                f'value="{autoescaped(field["value"])}" maxlength="40" '
                'aria-describedby="search-dates-help'
                + (
                    f' search-{name}-error" aria-invalid="true">'
                    if field_error
                    else '">'
                )
                + "\n    "
            )
            if field_error:
                out.append(
                    f'<div class="invalid-feedback d-block" id="search-{name}-error">'
                    f"{autoescaped(field_error)}</div>"
                )
            out.append("\n    ")
        out.append(
            '\n    <button class="btn btn-outline-primary btn-sm mt-2" type="submit">'
            "期間で絞り込み</button>\n  </form>\n</nav>\n"
        )
    out.append('\n<div class="search-results">\n')
    if page.object_list:
        sort = context["sort"]
        sorts = context["sorts"]
        last = len(sorts) - 1
        out.append('\n<p class="search-sort">並び順: ')
        for index, (key, label, url) in enumerate(sorts):
            if key == sort:
                out.append(f'<strong aria-current="true">{autoescaped(label)}</strong>')
            else:
                out.append(f'<a href="{autoescaped(url)}">{autoescaped(label)}</a>')
            if index != last:
                out.append(" | ")
        out.append(
            '</p>\n<ol class="meeting-list" aria-labelledby="results-heading">\n  '
            f"{rows_html(list(page.object_list))}\n</ol>\n"
            f"{pagination_html(page)}\n"
        )
    else:
        out.append(
            '\n<div class="search-advice">\n'
            f"<p>「{raw}」を含む開催結果は見つかりませんでした。次の方法もお試しください。</p>\n"
            "<ul>\n  "
        )
        if is_filtered:
            out.append(
                f'<li><a href="{clear_url}">絞り込みを解除する</a>と見つかるかもしれません。</li>'
            )
        out.append(
            "\n  <li>語句を短くするか、スペースで区切った語句を減らしてください。</li>\n"
            "  <li>漢字の書き方を変えてみてください。</li>\n"
            f'  <li><a href="{autoescaped(archive_url)}">開催結果一覧</a>'
            "から、年度や会議の種類で探せます。</li>\n</ul>\n</div>\n"
        )
    out.append("\n</div>\n</div>\n")


# Markers of the title and the content in the page's frame (private-use characters:
# nothing escapes them, no text holds them).
_TITLE_MARK = "\ue000search-title\ue000"
_CONTENT_MARK = "\ue000search-content\ue000"
_frames: dict[tuple[Any, ...], tuple[str, str, str] | None] = {}


def respond(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The search page: ``search.html`` (base.html around the title and content that
    ``title`` and ``content_html`` write).

    base.html's part is the same on every search page but for the messages, so it is
    rendered once per process, script prefix, language, URLconf and path (the frame,
    split at the title and the content) and the page is the frame around them; the
    template renders the page when there are messages to show, with DEBUG
    (templates being edited), or if the frame cannot be split. A changed setting
    (tests) forgets the frames."""
    context["search_title"] = title(context)
    context["content_html"] = content_html(context)
    frame = None if settings.DEBUG or get_messages(request) else _frame(request)
    if frame is None:
        return render(request, "meetings/public/search.html", context)
    before, between, after = frame
    return HttpResponse(
        f"{before}{html.escape(context['search_title'])}{between}"
        f"{context['content_html']}{after}"
    )


def _frame(request: HttpRequest) -> tuple[str, str, str] | None:
    # The reading aids of base.html depend on the path and on whether it has a query.
    key = (
        get_script_prefix(),
        get_language(),
        get_urlconf(),
        request.path,
        bool(request.GET),
    )
    try:
        return _frames[key]
    except KeyError:
        pass
    page = render_to_string(
        "meetings/public/search.html",
        {
            "search_title": _TITLE_MARK,
            "content_html": mark_safe(_CONTENT_MARK),  # noqa: S308 - a marker
            "messages": (),
        },
        request,
    )
    frame: tuple[str, str, str] | None = None
    if page.count(_TITLE_MARK) == 1 and page.count(_CONTENT_MARK) == 1:
        before, _, rest = page.partition(_TITLE_MARK)
        between, _, after = rest.partition(_CONTENT_MARK)
        frame = (before, between, after)
    _frames[key] = frame
    return frame


def _forget_frames(**kwargs: Any) -> None:
    _frames.clear()


setting_changed.connect(_forget_frames, dispatch_uid="meetings.search.forget_frames")


@functools.lru_cache(maxsize=4096)
def _attachment_url(prefix: str, public_id: Any, attachment_id: int) -> str:
    """An attachment's URL, reversed once per process (``prefix``: the script
    prefix it was reversed under)."""
    return reverse("public:attachment", args=[public_id, attachment_id])


def _add_snippets(page_rows: list, hits: list, query: Any) -> None:
    """Snippets of the shown rows' matching documents: their original and folded
    texts from the in-process index (no query), all the page's in one call."""
    by_publication = {hit.facts.publication_id: hit for hit in hits}
    prefix = None  # the script prefix, read once (a thread-local's attribute)
    documents: list[tuple[Any, int]] = []
    # Where each snippet goes: the row (its page's) or the attachment hit.
    places: list[Any] = []
    for row in page_rows:
        hit = by_publication.get(row.publication_id)
        if hit is None:
            continue
        shown = hit.shown
        snap = hit.snapshot
        if hit.page_document in shown:
            documents.append((snap, shown[hit.page_document]))
            places.append(row)
        for pk in hit.attachment_documents[:ATTACHMENT_HITS_SHOWN]:
            if pk not in shown:
                continue
            document = shown[pk]
            attachment_id, label, number = snap.attachment(document)
            # Set on every attachment document (only the page's are None).
            attachment_id, number = attachment_id or 0, number or 0
            if prefix is None:
                prefix = get_script_prefix()
            url = _attachment_url(prefix, hit.facts.public_id, attachment_id)
            attachment_hit = AttachmentHit(
                label=label,
                page=number,
                url=f"{url}#page={number}",
                snippet="",  # set below, with the page's other snippets
                more=len(hit.attachment_documents) - ATTACHMENT_HITS_SHOWN,
            )
            row.attachment_hits.append(attachment_hit)
            documents.append((snap, document))
            places.append(attachment_hit)
    if documents:
        made = snippets.indexed_snippets(documents, query.terms)
        for place, snippet in zip(places, made, strict=True):
            place.snippet = snippet
