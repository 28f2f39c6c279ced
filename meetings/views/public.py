"""Public pages. Only published meetings exist here: everything else is a 404.

Everything shown comes from the meeting's current ``Publication`` (the snapshot the
approver published), never from the live rows, which may hold an unpublished
correction in progress.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict
from urllib.parse import quote

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.core.files.storage import default_storage
from django.core.paginator import InvalidPage, Page, Paginator
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.fields.json import KeyTransform
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html_join
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

from meetings import wareki
from meetings.extensions import related
from meetings.models import (
    Attachment,
    Meeting,
    MeetingEvent,
    MeetingType,
    Publication,
)
from meetings.safe_cache import safe_get_many, safe_get_or_set, safe_set_many
from meetings.search.text import static_variants

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PAGE_SIZE = 20
# Cached values are keyed by public_state(), so they expire only to free memory.
CACHE_SECONDS = 600
# A row's summary never changes (publications are immutable).
ROW_CACHE_SECONDS = 24 * 60 * 60


# ---------------------------------------------------------------------------
# Access helpers
# ---------------------------------------------------------------------------


class _DrillAnnotation(TypedDict):
    drill: bool | None  # the publication's data["is_drill"]


# Published meetings as the public pages read them (annotated from the snapshot).
PublishedMeeting: TypeAlias = "WithAnnotations[Meeting, _DrillAnnotation]"


def _get_published_meeting(
    public_id: uuid.UUID, *publication_fields: str
) -> PublishedMeeting:
    """The published meeting with its current publication, or 404."""
    fields = ["public_id", "status", "current_publication"] + [
        f"current_publication__{name}" for name in publication_fields
    ]
    return get_object_or_404(
        Meeting.objects.published()
        .select_related("current_publication")
        .only(*fields)
        # 【訓練】 in the page title, without loading the whole snapshot.
        .annotate(drill=KeyTransform("is_drill", "current_publication__data")),
        public_id=public_id,
    )


# Newest first; the index publication_held_on_desc serves this order.
ORDER = ("-current_publication__held_on", "-current_publication_id")


@dataclass
class Row:
    """One meeting in a list: its summary HTML and, in search results, a snippet."""

    publication_id: int
    summary: SafeString
    snippet: SafeString | str = ""
    # Search: pages of PDF attachments that matched (meetings.search.page).
    attachment_hits: list = field(default_factory=list)


def _paginate(
    meetings: QuerySet[Meeting],
    number: str | int | None,
    *,
    page_url: Callable[[int], str],
    strict: bool = False,
) -> Page:
    """A page of ``meetings``, newest first, as ``Row`` objects.

    Counting and ordering read ids only. Each row's summary (title, date, agenda)
    depends on its publication alone, which never changes, so it is rendered once
    and cached under the publication's id; the page's rows are read from the
    database only when missing from the cache (or when the cache cannot be reached).
    ``strict``: a page number out of range is a 404 (path URLs), not the last page.
    """
    ids = meetings.order_by(*ORDER).values_list(
        "pk", "current_publication_id", "current_publication__published_at"
    )
    # The page holds id triples, then their Rows (summary_rows).
    paginator: Paginator[Any] = Paginator(ids, PAGE_SIZE)
    if strict:
        try:
            page = paginator.page(number)  # type: ignore[arg-type]  # None is an InvalidPage too: 404
        except InvalidPage:
            raise Http404 from None
    else:
        page = paginator.get_page(number)
    page = elide(page, page_url)
    page.object_list = summary_rows(list(page.object_list))
    return page


def summary_rows(wanted: list[tuple[int, int, datetime]]) -> list[Row]:
    """``Row`` objects for (meeting pk, publication id, published_at) triples.

    The publication time makes a key unique even where ids are reused (a test
    database rolled back); ids alone are never reused by PostgreSQL. The rows
    missing from the cache are read in one query (publication columns only, never
    live ones) and written by ``render_summary``.
    """
    keys = {
        pub_id: f"public:row:{pub_id}:{published_at.timestamp()}"
        for _, pub_id, published_at in wanted
    }
    cached = safe_get_many(list(keys.values()))
    missing = [pk for pk, pub_id, _ in wanted if keys[pub_id] not in cached]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(
                _summary_sql(connection.vendor, len(missing)),
                [Meeting.Status.PUBLISHED, *missing],
            )
            rows = cursor.fetchall()
        before, after = _meeting_url_parts(get_script_prefix(), get_urlconf())
        rendered = {
            keys[pub_id]: render_summary(
                f"{before}{_uuid(public_id)}{after}",
                title,
                _date(held_on),
                _json(agenda),
                _json(markers),
                _json(drill),
            )
            for pub_id, public_id, title, held_on, agenda, markers, drill in rows
        }
        safe_set_many(rendered, ROW_CACHE_SECONDS)
        cached.update(rendered)
    # A meeting withdrawn between the queries has no summary: it is left out.
    return [
        Row(pub_id, mark_safe(cached[keys[pub_id]]))  # noqa: S308 - escaped below
        for _, pub_id, _ in wanted
        if keys[pub_id] in cached
    ]


@functools.lru_cache(maxsize=64)
def _summary_sql(vendor: str, count: int) -> str:
    """The rows of ``count`` published meetings, with what their summary shows: the
    current publication's id, title and date, its agenda, agenda markers and drill
    flag (JSON). Written once per vendor and count: the ORM's building and
    compiling of this query cost more than running it."""
    meetings = Meeting._meta.db_table
    publications = Publication._meta.db_table
    key = _summary_key(vendor)
    columns = ", ".join(key.format(name) for name in SUMMARY_KEYS)
    return (
        f"SELECT p.id, m.public_id, p.title, p.held_on, {columns} "
        f"FROM {meetings} m JOIN {publications} p ON p.id = m.current_publication_id "
        f"WHERE m.status = %s AND m.id IN ({', '.join(['%s'] * count)})"
    )


# The keys of the publication data a summary shows (agenda, markers, drill).
SUMMARY_KEYS = ("agenda", "agenda_markers", "is_drill")


def _summary_key(vendor: str) -> str:
    """A key of the publication data (``p.data``) as JSON, to ``format``."""
    if vendor == "postgresql":
        return "p.data -> '{}'"
    # SQLite: json_quote makes every value JSON text ("null" when missing)
    return "json_quote(json_extract(p.data, '$.{}'))"


def _json(value: Any) -> Any:
    """A JSON value as the database driver gives it: text (parsed), or already a
    Python value (PostgreSQL's jsonb with drivers that parse it)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def render_summary(
    url: str,
    title: str,
    held_on: date,
    agenda: list[str] | None,
    agenda_markers: list[str | None] | None,
    drill: object,
) -> str:
    """A published meeting's summary in lists (archive, publication tree, search):
    its title as a link to ``url`` (the meeting's page; 【訓練】 for a drill), its
    date, its 協議概要 lines.

    Written here rather than by a template: a results page shows 20 of them, and
    the template engine's per-row cost was most of a page's. Every value is
    escaped (``escape``: what the template engine's autoescape does). The HTML is
    ``SUMMARY_HEAD``, the escaped URL, then ``summary_tail`` (what depends on the
    publication alone: the search keeps it per process, see ``search_rows``).
    """
    return (
        SUMMARY_HEAD
        + escape(url)
        + summary_tail(title, held_on, agenda, agenda_markers, drill)
    )


# A summary's HTML before the meeting's escaped URL.
SUMMARY_HEAD = '<p class="meeting-row-title"><a href="'


def summary_tail(
    title: str,
    held_on: date,
    agenda: list[str] | None,
    agenda_markers: list[str | None] | None,
    drill: object,
) -> str:
    """``render_summary``'s HTML after the URL: it depends on the publication
    alone (never on the script prefix), so it can be kept per publication."""
    lines = _agenda_lines(agenda, agenda_markers)
    html = (
        '">'
        f"{'【訓練】' if drill else ''}{escape(title)}</a></p>\n"
        f'<p class="meeting-row-meta">開催日:<time datetime="{held_on.isoformat()}">'
        f"{escape(wareki.format_wareki(held_on, weekday=True))}</time></p>\n"
    )
    if lines:
        html += '<div class="meeting-row-agenda"><span class="meeting-row-label">協議概要:</span>'
        if len(lines) == 1:
            html += escape(lines[0])
        else:
            items = "".join(f"<li>{escape(line)}</li>" for line in lines)
            html += f'<ul class="meeting-row-agenda-list">{items}</ul>'
        html += "</div>"
    return html + "\n"


# Publications read by id in one IN list at most (SQLite's variable limit): more
# take one query per this many.
SUMMARIES_BY_ID = 500


def publication_summaries(publication_ids: list[int] | None) -> dict[int, str]:
    """``summary_tail`` of publications, by id: those of ``publication_ids`` (read
    by primary key, whatever their meeting's state), or, with None, every published
    meeting's current publication. One query (publication columns only), plus one
    per ``SUMMARIES_BY_ID`` ids."""
    publications = Publication._meta.db_table
    columns = ", ".join(_summary_key(connection.vendor).format(n) for n in SUMMARY_KEYS)
    select = f"SELECT p.id, p.title, p.held_on, {columns} FROM {publications} p"
    queries: list[tuple[str, list[Any]]] = []
    if publication_ids is None:
        queries.append(
            (
                f"{select} JOIN {Meeting._meta.db_table} m "
                "ON p.id = m.current_publication_id WHERE m.status = %s",
                [Meeting.Status.PUBLISHED],
            )
        )
    else:
        for start in range(0, len(publication_ids), SUMMARIES_BY_ID):
            chunk = publication_ids[start : start + SUMMARIES_BY_ID]
            queries.append(
                (f"{select} WHERE p.id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            )
    out: dict[int, str] = {}
    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute(sql, params)
            for pub_id, title, held_on, agenda, markers, drill in cursor.fetchall():
                out[pub_id] = summary_tail(
                    title, _date(held_on), _json(agenda), _json(markers), _json(drill)
                )
    return out


def search_rows(state: str, wanted: list[tuple[int, int, datetime]]) -> list[Row]:
    """``Row`` objects of search results, as ``summary_rows`` writes them, from the
    search's facts of ``state`` (``engine.facts``: every published meeting's
    summary tail, kept per process with them): no query and no cache. A meeting
    not published in ``state`` (not in its facts, or another publication) is left
    out; one whose summary the facts could not read (its publication gone while
    they were built) is read by ``summary_rows``."""
    from meetings.search import engine

    known = engine.facts(state)
    before, after = _escaped_url_parts(get_script_prefix(), get_urlconf())
    found: dict[int, str] = {}
    missing: list[tuple[int, int, datetime]] = []
    for triple in wanted:
        meeting_id, pub_id, _ = triple
        tail = known.summary(meeting_id, pub_id)
        if tail is None:
            continue
        if not tail:
            missing.append(triple)
            continue
        public_id = known.meetings[meeting_id].public_id
        found[pub_id] = f"{SUMMARY_HEAD}{before}{public_id}{after}{tail}"
    if missing:
        found.update((row.publication_id, row.summary) for row in summary_rows(missing))
    # SafeString, not mark_safe: the same for a str, without the lazy-string check
    # of each call (20 a page).
    return [
        Row(pub_id, SafeString(found[pub_id]))  # escaped by summary_tail
        for _, pub_id, _ in wanted
        if pub_id in found
    ]


@functools.lru_cache(maxsize=8)
def _escaped_url_parts(prefix: str, urlconf: str | None) -> tuple[str, str]:
    """``_meeting_url_parts`` escaped (``escape`` is per character: the escaped
    URL is the escaped parts around the public id, which has nothing to escape)."""
    before, after = _meeting_url_parts(prefix, urlconf)
    return escape(before), escape(after)


_URL_PLACEHOLDER = uuid.UUID(int=0)


@functools.lru_cache(maxsize=8)
def _meeting_url_parts(prefix: str, urlconf: str | None) -> tuple[str, str]:
    """A meeting page's URL around its public id (``Meeting.get_absolute_url``
    without a reversal per row)."""
    before, _, after = reverse(
        "public:meeting", kwargs={"public_id": _URL_PLACEHOLDER}
    ).partition(str(_URL_PLACEHOLDER))
    return before, after


def _forget_urls(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        _meeting_url_parts.cache_clear()
        _escaped_url_parts.cache_clear()


setting_changed.connect(_forget_urls, dispatch_uid="meetings.public.forget_urls")


def autoescaped(value: object) -> str:
    """What autoescape writes for a value: ``conditional_escape``'s text without
    its lazy-string wrapper (a results page calls it about a hundred times): what
    has ``__html__`` (safe HTML) as it gives it, anything else through
    ``html.escape``, which Django's calls."""
    html = getattr(value, "__html__", None)
    return html() if html is not None else escape(str(value))


def rows_html(rows: list[Row]) -> SafeString:
    """The ``<li>`` of a list's rows (archive, publication tree, search results):
    the summary, then in search results the snippet and the attachment pages that
    matched. Written here, not by a template loop: the template engine's lookups
    for 20 rows and their hits cost more than the search itself. Every value that
    is not already safe HTML is escaped (``conditional_escape``, as autoescape)."""
    out = []
    for row in rows:
        out.append(f'<li class="meeting-row">{row.summary}')
        if row.snippet:
            out.append(f'<p class="meeting-row-snippet">{autoescaped(row.snippet)}</p>')
        for hit in row.attachment_hits:
            more = f"(資料のほか{hit.more}ページにもあります)" if hit.more > 0 else ""
            out.append(
                '<p class="meeting-row-snippet meeting-row-attachment">'
                f'<a href="{escape(hit.url)}" title="{escape(hit.label)}">'
                f"会議資料(PDF) p.{autoescaped(hit.page)}</a> "
                f"{autoescaped(hit.snippet)}{more}</p>"
            )
        out.append("</li>")
    return mark_safe("".join(out))  # noqa: S308 - escaped above


def pagination_html(page: Page) -> SafeString:
    """The page links of a list (``page.links``, ``prev_url``, ``next_url``: see
    ``elide``), as ``includes/_pagination.html`` wrote them, without a template
    loop over the links. Nothing when there is one page only."""
    if not page.has_other_pages():
        return mark_safe("\n\n")
    prev_url: str = page.prev_url  # type: ignore[attr-defined]  # set by elide
    next_url: str = page.next_url  # type: ignore[attr-defined]  # set by elide
    links: list[tuple[int | None, str]] = page.links  # type: ignore[attr-defined]  # set by elide
    out = [
        '\n\n<nav class="pager" aria-label="ページ送り">\n  <ul class="pagination flex-wrap">\n    '
    ]
    if prev_url:
        out.append(
            '\n    <li class="page-item"><a class="page-link" '
            f'href="{escape(prev_url)}" rel="prev">前のページ</a></li>\n    '
        )
    out.append("\n    ")
    for number, url in links:
        if number == page.number:
            item = (
                '<li class="page-item active"><a class="page-link" '
                f'href="{escape(url)}" aria-current="page">{number}</a></li>'
            )
        elif number is None:
            item = (
                '<li class="page-item disabled"><span class="page-link">…</span></li>'
            )
        else:
            item = (
                '<li class="page-item"><a class="page-link" '
                f'href="{escape(url)}">{number}</a></li>'
            )
        out.append(f"\n      \n      {item}\n      \n    ")
    out.append("\n    ")
    if next_url:
        out.append(
            '\n    <li class="page-item"><a class="page-link" '
            f'href="{escape(next_url)}" rel="next">次のページ</a></li>\n    '
        )
    out.append("\n  </ul>\n</nav>\n\n")
    return mark_safe("".join(out))  # noqa: S308 - escaped above


def elide(page: Page, page_url: Callable[[int], str]) -> Page:
    """Give ``page`` the page links: 1 2 … 9 10 [11] 12 13 … 499 500.

    ``page.links`` holds (number, url) pairs, number None for a gap; ``prev_url``
    and ``next_url`` the neighbours. Computed here, not looped over in the
    template, so it costs the same for 5 or 500 pages. ``page_url`` gives a page's
    URL: a path (``/archive/page/2/``, files in the publication tree) or a query.
    """
    ellipsis = page.paginator.ELLIPSIS
    elided_range = list(
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    # Attributes for the templates, on Django's Page (hence the ignores).
    page.elided_range = elided_range  # type: ignore[attr-defined]  # for the templates
    page.links = [  # type: ignore[attr-defined]  # for the templates
        (None, "") if number == ellipsis else (number, page_url(int(number)))
        for number in elided_range
    ]
    page.prev_url = page_url(page.number - 1) if page.has_previous() else ""  # type: ignore[attr-defined]  # for the templates
    page.next_url = page_url(page.number + 1) if page.has_next() else ""  # type: ignore[attr-defined]  # for the templates
    return page


def query_page_url(request: HttpRequest) -> Callable[[int], str]:
    """Page links that keep the request's other GET parameters (?year=2024&page=2)."""
    query = _query_without_page(request)
    prefix = f"?{query}&page=" if query else "?page="
    return lambda number: f"{prefix}{number}"


def path_page_url(first: str, pattern: str) -> Callable[[int], str]:
    """Page links as paths: page 1 is ``first``, page n is ``pattern % n``."""
    return lambda number: first if number == 1 else pattern % number


def _agenda_lines(
    texts: list[str] | None, markers: list[str | None] | None
) -> list[str]:
    texts = texts or []
    markers = markers or [""] * len(texts)
    return [f"{m or ''}{t}" for m, t in zip(markers, texts, strict=False)]


def public_state(*, search_documents: bool = False) -> str:
    """A token that changes whenever the published set or the related records change.

    Read by primary key from the tokens database triggers write in the same
    transaction as every publication, correction, withdrawal, restoration, meeting
    type change and change of the registered related records
    (``extensions.related().state_tables()``; see ``meetings.public_state``), plus
    ``related().state_sql()`` if an extension gives subqueries. Keys cached values
    computed only from those rows (filter choices, a meeting's records). One small
    query, whatever the number of meetings. ``search_documents``: the search
    documents and the thesaurus (synonyms, organisation names) too (the search's
    in-process index and expansions follow them).
    """
    from meetings import public_state as tokens

    kinds: tuple[int, ...] = (tokens.PUBLISHED,)
    if search_documents:
        kinds += (tokens.DOCUMENTS, tokens.THESAURUS)
    return tokens.state(kinds, related().state_sql())


def _filter_choices(state: str) -> dict[str, list[tuple[str, str]]]:
    """年度, meeting types and related records that have published meetings (cached)."""

    def compute() -> dict[str, list[tuple[str, str]]]:
        return {
            "year": [(str(year), label) for year, label in _fiscal_years()],
            "type": list(
                MeetingType.objects.filter(
                    Exists(
                        Meeting.objects.published().filter(meeting_type=OuterRef("pk"))
                    )
                ).values_list("slug", "name")
            ),
            "related": related().choices(),
        }

    return safe_get_or_set(f"public:filter-choices:{state}", compute, CACHE_SECONDS)


def _filter_options(state: str, filters: dict[str, str]) -> dict[str, str]:
    """The <option> lists of the three filters, with the current ones selected.

    The cache key holds known values only: a filter value that is not one of the
    choices selects nothing, and is keyed as "" (no unbounded keys from queries).
    """
    choices = _filter_choices(state)
    known = {
        name: value if value in {v for v, _ in choices.get(name, [])} else ""
        for name, value in filters.items()
    }
    key = (
        f"public:filter-options:{state}:"
        + hashlib.sha256(repr(sorted(known.items())).encode()).hexdigest()[:16]
    )

    def compute() -> dict[str, str]:
        return {
            name: str(_options(values, known[name])) for name, values in choices.items()
        }

    options = safe_get_or_set(key, compute, CACHE_SECONDS)
    return {name: mark_safe(html) for name, html in options.items()}  # noqa: S308


def _options(choices: list[tuple[str, str]], selected: str) -> SafeString:
    """<option> elements; built here because a template loop costs more per option."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if value == selected else "", label)
            for value, label in choices
        ),
    )


# ---------------------------------------------------------------------------
# Archive
# ---------------------------------------------------------------------------


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _fiscal_years() -> list[tuple[int, str]]:
    """The 年度 that hold a published meeting, newest first (none with 0件)."""
    months = Meeting.objects.published().dates("current_publication__held_on", "month")
    years = sorted({wareki.fiscal_year(month) for month in months}, reverse=True)
    return [(year, wareki.format_fiscal_year(year)) for year in years]


def archive(request: HttpRequest) -> HttpResponse:
    """Published meetings, newest first, filtered by 年度, meeting type and related
    record (``extensions.related()``: the incidents app's 事案).

    ``/`` is the first page of the path-URL archive (a file in the publication
    tree). With a query string (the filter form, old links) it is a dynamic page
    with query-string page links.
    """
    if not request.GET:
        return _archive(request, page_url=path_page_url("/", "/archive/page/%d/"))
    year = _int_or_none(request.GET.get("year"))
    if year is not None and not 1900 <= year <= 2999:
        year = None
    return _archive(
        request,
        year=year,
        type_slug=request.GET.get("type") or "",
        related_id=_uuid_or_none(request.GET.get(related().param))
        if related().param
        else None,
        number=request.GET.get("page"),
        page_url=query_page_url(request),
    )


def _path_page(number: int | None) -> int:
    """The page number of a path URL. ``…/page/1/`` does not exist: page 1 is the
    list's own URL (one URL a page, as in the publication tree)."""
    if number is None:
        return 1
    if number < 2:
        raise Http404
    return number


def archive_page(request: HttpRequest, page: int) -> HttpResponse:
    """``/archive/page/<n>/``: page n of every published meeting."""
    page = _path_page(page)
    return _archive(
        request,
        number=page,
        strict=True,
        page_url=path_page_url("/", "/archive/page/%d/"),
    )


def archive_year(
    request: HttpRequest, year: int, page: int | None = None
) -> HttpResponse:
    """``/archive/<年度>/``: meetings held in fiscal year ``year`` (April–March)."""
    first = reverse("public:archive_year", args=[year])
    # The 年度 that hold a published meeting, cached for the public state (the
    # same list the filter offers), not a DISTINCT over every meeting per page.
    state = public_state()
    if str(year) not in dict(_filter_choices(state)["year"]):
        raise Http404
    page = _path_page(page)
    return _archive(
        request,
        year=year,
        number=page,
        strict=True,
        page_url=path_page_url(first, first + "page/%d/"),
        state=state,
    )


def archive_type(
    request: HttpRequest, slug: str, page: int | None = None
) -> HttpResponse:
    """``/archive/type/<slug>/``: meetings of one meeting type."""
    first = reverse("public:archive_type", args=[slug])
    if not Meeting.objects.published().filter(meeting_type__slug=slug).exists():
        raise Http404
    page = _path_page(page)
    return _archive(
        request,
        type_slug=slug,
        number=page,
        strict=True,
        page_url=path_page_url(first, first + "page/%d/"),
    )


def archive_related(
    request: HttpRequest, public_id: uuid.UUID, page: int | None = None
) -> HttpResponse:
    """``/archive/<param>/<uuid>/``: meetings of one public related record."""
    first = reverse("public:archive_related", args=[public_id])
    if not related().is_listed(public_id):
        raise Http404
    page = _path_page(page)
    return _archive(
        request,
        related_id=public_id,
        number=page,
        strict=True,
        page_url=path_page_url(first, first + "page/%d/"),
    )


def _archive(
    request: HttpRequest,
    *,
    page_url: Callable[[int], str],
    year: int | None = None,
    type_slug: str = "",
    related_id: uuid.UUID | None = None,
    number: str | int | None = None,
    strict: bool = False,
    state: str | None = None,
) -> HttpResponse:
    meetings = Meeting.objects.published()
    if year is not None:
        first, last = wareki.fiscal_year_range(year)
        meetings = meetings.filter(current_publication__held_on__range=(first, last))
    if type_slug:
        meetings = meetings.filter(meeting_type__slug=type_slug)
    if related_id is not None:
        of_record = related().meeting_ids(related_id)
        meetings = (
            meetings.filter(pk__in=of_record) if of_record is not None else meetings
        )
    page = _paginate(meetings, number, page_url=page_url, strict=strict)
    filters = {
        "year": str(year) if year is not None else "",
        "type": type_slug,
        "related": str(related_id) if related_id else "",
    }
    state = state or public_state()
    choices = _filter_choices(state)
    return render(
        request,
        "meetings/public/archive.html",
        {
            "page_obj": page,
            # Path links to each 年度 and meeting type list: they work without the
            # filter form (and from the publication tree alone).
            "browse_years": [
                (reverse("public:archive_year", args=[int(value)]), label)
                for value, label in choices["year"]
            ],
            "browse_types": [
                (reverse("public:archive_type", args=[value]), label)
                for value, label in choices["type"]
            ],
            "options": _filter_options(state, filters),
            "filters": filters,
            "is_filtered": any(filters.values()),
            "related_param": related().param,
            "related_label": related().label,
        },
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---------------------------------------------------------------------------
# Meeting page and files
# ---------------------------------------------------------------------------


def _withdrawn(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A withdrawn meeting's page says so, and when (410 Gone), instead of "not found".

    Only a meeting that was published can be withdrawn; drafts stay a plain 404.
    """
    meeting = (
        Meeting.objects.filter(
            public_id=public_id,
            status=Meeting.Status.WITHDRAWN,
            current_publication__isnull=False,
        )
        .only("pk")
        .first()
    )
    if meeting is None:
        raise Http404
    event = (
        MeetingEvent.objects.filter(
            meeting=meeting, action=MeetingEvent.Action.WITHDRAW
        )
        .order_by("-created_at")
        .only("created_at")
        .first()
    )
    return render(
        request,
        "meetings/public/withdrawn.html",
        # Nothing of the withdrawn content, not even its title: only the date.
        {"withdrawn_at": event.created_at if event else None},
        status=410,
    )


# The 410 notice for any URL of a withdrawn meeting (its files, its reading version).
withdrawn_response = _withdrawn


def meeting_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        meeting = _get_published_meeting(
            public_id, "title", "html", "number", "published_at", "text"
        )
    except Http404:
        return _withdrawn(request, public_id)
    publication = meeting.live_publication
    corrections: list[Publication] | QuerySet[Publication] = []
    if publication.number > 1:
        # Each correction is shown with its date (訂正), oldest first.
        corrections = (
            meeting.publications.exclude(correction_note="")
            .filter(number__lte=publication.number)
            .only("published_at", "correction_note", "number")
            .order_by("number")
        )
    return render(
        request,
        "meetings/public/meeting_detail.html",
        {
            "meeting": meeting,
            "publication": publication,
            "corrections": corrections,
            "related_html": related().meeting_panel(request, meeting),
            "is_drill": bool(meeting.drill),
            # Rendered once at publication from the escaped template.
            "body_html": mark_safe(publication.html),  # noqa: S308
            # Hidden, for the static search's index (meetings.search.text).
            "search_variants": static_variants(publication.text),
        },
    )


def meeting_text(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The published page as plain text (UTF-8), as the API's text form gives it;
    the tree holds it as ``meetings/<id>/text.txt`` (served when the app is down)."""
    text = (
        Meeting.objects.published()
        .filter(public_id=public_id)
        .values_list("current_publication__text", flat=True)
        .first()
    )
    if text is None:
        # A withdrawn meeting's text says it was withdrawn, as its page does (410).
        return _withdrawn(request, public_id)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def content_disposition(filename: str, *, inline: bool = True) -> str:
    """RFC 6266: an ASCII fallback plus the UTF-8 name (filename*=UTF-8''…)."""
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\%;' else "_"
        for ch in filename
    )
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def attachment_download(
    request: HttpRequest, public_id: uuid.UUID, attachment_id: int
) -> HttpResponse | FileResponse:
    """A file listed in the current publication of a published meeting.

    A withdrawn meeting's files (its 開催結果 PDF and 会議資料) answer as its page
    does: 410 with the notice of the withdrawal, not "not found"."""
    try:
        meeting = _get_published_meeting(public_id, "data")
    except Http404:
        return _withdrawn(request, public_id)
    listed = {
        a.get("id"): a for a in meeting.live_publication.data.get("attachments") or []
    }
    snapshot = listed.get(attachment_id)
    if snapshot is None:
        # Uploaded for a correction that is not published yet, or not this meeting's.
        raise Http404
    stored_name = snapshot.get("file")
    if stored_name:
        # Serve exactly what the publication listed, even if the row was removed since.
        if not default_storage.exists(stored_name):
            raise Http404
        handle = default_storage.open(stored_name, "rb")
        content_type = "application/pdf"
        size = handle.size
    else:  # publications made before the storage name was recorded
        attachment = get_object_or_404(Attachment, pk=attachment_id, meeting=meeting)
        handle, content_type = attachment.file.open("rb"), attachment.content_type
        size = attachment.size_bytes
    if size != snapshot.get("size_bytes"):
        handle.close()
        raise Http404  # the file was replaced after publication
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(f"{snapshot['label']}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------


def search(request: HttpRequest) -> HttpResponse:
    """Results with facets, expansions and snippets: see ``meetings.search.page``."""
    from meetings.search import page as search_page

    state = public_state(search_documents=True)
    context = search_page.results(
        request,
        state=state,
        # The rows' summaries from the search's facts (no query, no cache).
        rows=functools.partial(search_rows, state),
    )
    # search.html's title and content are written by search.page, not by template
    # nodes; base.html around them is rendered once (search.page.respond).
    return search_page.respond(request, context)


# ---------------------------------------------------------------------------
# Sitemap
# ---------------------------------------------------------------------------


def sitemap(request: HttpRequest) -> HttpResponse:
    """sitemap.xml of every public page; sections come from settings.PUBLIC_SITEMAPS.

    Apps built on meetings add their pages there, so meetings names none of them.
    """
    sections = {
        name: import_string(dotted)
        for name, dotted in getattr(
            settings,
            "PUBLIC_SITEMAPS",
            {"meetings": "meetings.sitemaps.MeetingSitemap"},
        ).items()
    }
    return sitemap_view(request, sitemaps=sections)


# ---------------------------------------------------------------------------
# robots.txt
# ---------------------------------------------------------------------------


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Everything public may be crawled; staff and search pages may not."""
    sitemap_url = request.build_absolute_uri(reverse("public:sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /staff/",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        f"Sitemap: {sitemap_url}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# ---------------------------------------------------------------------------
# favicon.ico (browsers ask for it on every page; also a file of the tree)
# ---------------------------------------------------------------------------


def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon (static/favicon.ico), at the URL browsers ask for."""
    from django.contrib.staticfiles import finders

    path = finders.find("favicon.ico")
    if not path:
        raise Http404
    with open(path, "rb") as icon:
        response = HttpResponse(icon.read(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
