"""The public results page's context: query, expansions, facets, rows, snippets.

Queries, whatever the number of hits: the public state (by the caller), the
matching documents, the texts of the page's snippets, and the summaries of rows not
yet cached; the thesaurus, the facets' table and the filter labels come from caches.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from django.core.paginator import Paginator
from django.http import HttpRequest, QueryDict
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from meetings import wareki
from meetings.search import engine, snippets
from meetings.search import parse_query as _parse

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
    page_url: Callable[[HttpRequest], Callable[[int], str]],
) -> dict[str, Any]:
    from meetings.views.public import elide

    dates = date_range(request.GET)
    params = dates.params
    links = _Links(params)
    expand = params.get("exp") != "0"
    related = params.get("rel") == "1"
    query = _parse(params.get("q", ""), expand=expand, related=related, state=state)
    filters = engine.parse_filters(params)
    context: dict[str, Any] = {
        "search_query": query.raw,
        "query": query,
        "filters": filters,
        "page_obj": None,
        "sorts": [
            (key, label, links.url(sort=key if key != "date" else None))
            for key, label in engine.SORTS.items()
        ],
        "sort": filters.sort,
        "dates": dates,
    }
    if not query:
        return context
    outcome = engine.search(query, filters, state)
    paginator = Paginator(outcome.meeting_ids, PAGE_SIZE)
    page = elide(paginator.get_page(params.get("page")), page_url(request))
    hits = outcome.hits(list(page.object_list))
    page.object_list = rows(
        [(h.meeting_id, h.facts.publication_id, h.facts.published_at) for h in hits]
    )
    _add_snippets(page.object_list, hits, query)
    facets = [_facet(links, facet) for facet in outcome.facets if facet.values]
    context.update(
        page_obj=page,
        facets=facets,
        facets_html=_facets_html(facets),
        is_filtered=bool(filters.as_params().keys() - {"sort"}),
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


@functools.lru_cache(maxsize=4096)
def _attachment_url(prefix: str, public_id: Any, attachment_id: int) -> str:
    """An attachment's URL, reversed once per process (``prefix``: the script
    prefix it was reversed under)."""
    return reverse("public:attachment", args=[public_id, attachment_id])


def _add_snippets(page_rows: list, hits: list, query: Any) -> None:
    """Snippets of the shown rows' matching documents: their original and folded
    texts from the in-process index (no query)."""
    terms = query.terms
    by_publication = {hit.facts.publication_id: hit for hit in hits}
    prefix = None  # the script prefix, read once (a thread-local's attribute)
    for row in page_rows:
        hit = by_publication.get(row.publication_id)
        if hit is None:
            continue
        shown = hit.shown
        snap = hit.snapshot
        if hit.page_document in shown:
            row.snippet = snippets.indexed_snippet(
                snap, shown[hit.page_document], terms
            )
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
            row.attachment_hits.append(
                AttachmentHit(
                    label=label,
                    page=number,
                    url=f"{url}#page={number}",
                    snippet=snippets.indexed_snippet(snap, document, terms),
                    more=len(hit.attachment_documents) - ATTACHMENT_HITS_SHOWN,
                )
            )
