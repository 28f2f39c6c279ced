"""Running a query: matching documents, facets, order and the page's snippets.

The public search matches in-process (``index``: a bigram index of every current
document's folded text, per process, following publications), so a query costs
no SQL of its own and never scans a text. What a facet needs of a meeting (年度,
type, incidents, speakers) comes from ``facts()``: one small table of every
published meeting, kept per process and rebuilt when the published set changes
(``public_state``), with its ``Columns`` as arrays, so that filtering and counting
facets is a few array operations and the number of queries never depends on the
number of hits; with it each meeting's summary (``Summaries``: the results' rows,
rendered once per publication). ``matching_meetings()`` is the SQL form (the API filters a
queryset with it): on PostgreSQL a GIN index over each document's
bigrams picks the candidates and a LIKE on the folded text keeps the real matches;
SQLite runs the LIKE alone.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload

import numpy as np
import numpy.typing as npt
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL

from meetings import wareki
from meetings.extensions import related
from meetings.search import index
from meetings.search.query import Alternative, Query, Word, matching_alternatives
from meetings.search.text import bigrams

SPEAKER_FACET_SIZE = 15
# Facet values (years, types, incidents, speakers) up to which they are counted
# as rows of bits (``Columns.facet_bits``): 512 rows of 10,000 meetings are 640 KB.
FACET_BITS_MAX_ROWS = 512
# Attachment pages with a snippet under one result (the others are counted).
ATTACHMENTS_SHOWN = 1
SORTS = {"date": "新しい順", "relevance": "関連度順"}


# ---------------------------------------------------------------------------
# Facts about every published meeting (per process, keyed by the public state)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFacts:
    public_id: uuid.UUID
    publication_id: int
    published_at: datetime
    held_on: date
    fiscal_year: int
    type_id: int
    incidents: tuple[str, ...]
    speakers: tuple[str, ...]


@dataclass
class Facts:
    meetings: dict[int, MeetingFacts]
    rank: dict[int, int]  # meeting id → position, newest first
    types: dict[int, tuple[str, str]]  # id → (slug, name)
    incidents: dict[str, str]  # public id → title
    columns: Columns = field(init=False)
    # Each meeting's summary (set by _build_facts): the results page's rows.
    summaries: Summaries | None = None

    def __post_init__(self) -> None:
        self.columns = Columns.of(self)

    def summary(self, meeting_id: int, publication_id: int) -> str | None:
        """``views.public.summary_tail`` of the meeting's publication if it is the
        current one in these facts (None otherwise: not published here); "" if it
        could not be read when they were built."""
        place = self.columns.index_of.get(meeting_id)
        if place is None or self.summaries is None:
            return None
        return self.summaries.tail(place, publication_id)

    @property
    def order(self) -> list[int]:
        return self.columns.order

    @property
    def index_of(self) -> dict[int, int]:
        return self.columns.index_of


@dataclass
class Columns:
    """The facts as arrays over the meetings, newest first (index = place), so
    that filtering and counting a facet over thousands of hits is one array
    operation; multi-valued facts (incidents, speakers) as (owner, code) pairs."""

    order: list[int]  # meeting pks, newest first
    index_of: dict[int, int]
    pks: npt.NDArray[np.int64]
    fiscal_year: npt.NDArray[np.int64]
    type_id: npt.NDArray[np.int64]
    held_on: npt.NDArray[np.int64]  # ordinal
    incident_keys: list[str]
    incident_owner: npt.NDArray[np.int64]
    incident_code: npt.NDArray[np.int64]
    speaker_names: list[str]
    speaker_owner: npt.NDArray[np.int64]
    speaker_code: npt.NDArray[np.int64]
    # 年度 and types as codes into their sorted distinct values (facets count
    # them with one bincount, no sort per search).
    years: list[int] = field(default_factory=list)
    year_code: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros(0, np.int64)
    )
    type_ids: list[int] = field(default_factory=list)
    type_code: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros(0, np.int64)
    )

    incident_starts: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros(1, np.int64)
    )
    speaker_starts: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros(1, np.int64)
    )
    # Each facet value's meetings as a row of bits (8 places a byte): years, then
    # types, incidents and speakers. A search packs its kept places the same way
    # and counts every facet value at once (AND, popcount), instead of a gather
    # and a bincount per facet. None when there are too many values for that to
    # pay (FACET_BITS_MAX_ROWS): the facets are then counted one by one.
    facet_bits: npt.NDArray[np.uint64] | None = None

    def __post_init__(self) -> None:
        self.incident_starts = _starts(self.incident_owner, len(self.order))
        self.speaker_starts = _starts(self.speaker_owner, len(self.order))
        years, self.year_code = np.unique(self.fiscal_year, return_inverse=True)
        self.years = years.tolist()
        type_ids, self.type_code = np.unique(self.type_id, return_inverse=True)
        self.type_ids = type_ids.tolist()
        self.facet_bits = self._facet_bits()

    def _facet_bits(self) -> npt.NDArray[np.uint64] | None:
        size = len(self.order)
        years, types = len(self.years), len(self.type_ids)
        incidents, speakers = len(self.incident_keys), len(self.speaker_names)
        rows = years + types + incidents + speakers
        if not size or rows > FACET_BITS_MAX_ROWS:
            return None
        member = np.zeros((rows, size), dtype=bool)
        places = np.arange(size)
        member[self.year_code, places] = True
        member[years + self.type_code, places] = True
        member[years + types + self.incident_code, self.incident_owner] = True
        member[years + types + incidents + self.speaker_code, self.speaker_owner] = True
        return _words(np.packbits(member, axis=1))

    def facet_counts(
        self, kept: npt.NDArray[np.bool_]
    ) -> tuple[list[int], list[int], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The kept meetings' count of each year (``years``' order), type
        (``type_ids``), incident (``incident_keys``) and speaker (``speaker_names``)."""
        if self.facet_bits is not None:
            counts = np.bitwise_count(
                self.facet_bits & _words(np.packbits(kept)[np.newaxis])
            ).sum(axis=1, dtype=np.int64)
            years, types = len(self.years), len(self.type_ids)
            incidents = years + types + len(self.incident_keys)
            return (
                counts[:years].tolist(),
                counts[years : years + types].tolist(),
                counts[years + types : incidents],
                counts[incidents:],
            )
        return (
            np.bincount(self.year_code[kept], minlength=len(self.years)).tolist(),
            np.bincount(self.type_code[kept], minlength=len(self.type_ids)).tolist(),
            _counted(
                self.incident_starts, self.incident_code, kept, len(self.incident_keys)
            ),
            _counted(
                self.speaker_starts, self.speaker_code, kept, len(self.speaker_names)
            ),
        )

    @classmethod
    def of(cls, known: Facts) -> Columns:
        order = sorted(known.meetings, key=known.rank.__getitem__)
        facts_in_order = [known.meetings[pk] for pk in order]

        def pairs(values: list[tuple[str, ...]]) -> tuple[list[str], Any, Any]:
            codes: dict[str, int] = {}
            owner: list[int] = []
            code: list[int] = []
            for place, names in enumerate(values):
                for name in names:
                    owner.append(place)
                    code.append(codes.setdefault(name, len(codes)))
            return (
                list(codes),
                np.array(owner, dtype=np.int64),
                np.array(code, dtype=np.int64),
            )

        incidents = pairs([f.incidents for f in facts_in_order])
        speakers = pairs([f.speakers for f in facts_in_order])
        return cls(
            order,
            {pk: place for place, pk in enumerate(order)},
            np.array(order, dtype=np.int64),
            np.array([f.fiscal_year for f in facts_in_order], dtype=np.int64),
            np.array([f.type_id for f in facts_in_order], dtype=np.int64),
            np.array([f.held_on.toordinal() for f in facts_in_order], dtype=np.int64),
            *incidents,
            *speakers,
        )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _microseconds(moment: datetime) -> int:
    """A publication's time as an exact integer (aware, or naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


@dataclass
class Summaries:
    """Each meeting's summary HTML after its URL (``views.public.summary_tail``),
    in ``Columns.order``, with its publication (id and time: a test database
    reuses ids). The HTML in one bytes object with its bounds, like
    ``index.Strings``: no Python object per meeting, so the pages stay shared by
    the workers forked from gunicorn's master. A publication never changes: a
    rebuild keeps the previous facts' summaries and renders only the publications
    it has not seen (``rendered``: how many)."""

    publications: npt.NDArray[np.int64]
    published: npt.NDArray[np.int64]  # microseconds since 1970 (UTC)
    bounds: npt.NDArray[np.int64]
    data: bytes
    rendered: int = 0

    def piece(self, place: int) -> bytes:
        return self.data[self.bounds.item(place) : self.bounds.item(place + 1)]

    def tail(self, place: int, publication_id: int) -> str | None:
        if self.publications.item(place) != publication_id:
            return None
        # Empty: the publication could not be read (see build).
        return self.piece(place).decode()

    @property
    def nbytes(self) -> int:
        return len(self.data) + int(
            self.bounds.nbytes + self.publications.nbytes + self.published.nbytes
        )

    @classmethod
    def build(cls, known: Facts, previous: Summaries | None) -> Summaries:
        """The summaries of ``known``'s meetings: those of ``previous`` for the
        publications it holds, the others read and rendered (one query)."""
        from meetings.views.public import publication_summaries

        meetings = [known.meetings[pk] for pk in known.columns.order]
        publications = np.array([f.publication_id for f in meetings], dtype=np.int64)
        published = np.array(
            [_microseconds(f.published_at) for f in meetings], dtype=np.int64
        )
        reused = np.full(len(meetings), -1, dtype=np.int64)  # previous place
        if previous is not None and len(previous.publications):
            by_id = np.argsort(previous.publications, kind="stable")
            sorted_ids = previous.publications[by_id]
            at = np.minimum(
                np.searchsorted(sorted_ids, publications), len(sorted_ids) - 1
            )
            candidate = by_id[at]
            same = (sorted_ids[at] == publications) & (
                previous.published[candidate] == published
            )
            reused[same] = candidate[same]
        pieces: list[bytes] = [b""] * len(meetings)
        if previous is not None:
            for place, old in enumerate(reused.tolist()):
                if old >= 0:
                    pieces[place] = previous.piece(old)
        new = [place for place in range(len(meetings)) if not pieces[place]]
        if new:
            wanted = [int(publications.item(place)) for place in new]
            # The first build reads every published meeting's current publication
            # (no list of ids), a later one only the publications it has not seen.
            tails = publication_summaries(None if len(new) == len(meetings) else wanted)
            missed = [pub for pub in wanted if pub not in tails]
            if missed and len(new) == len(meetings):
                # Corrected while the facts were read: by id.
                tails.update(publication_summaries(missed))
            for place, pub in zip(new, wanted, strict=True):
                pieces[place] = tails.get(pub, "").encode()
        bounds = np.zeros(len(pieces) + 1, dtype=np.int64)
        if pieces:
            np.cumsum(
                np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)),
                out=bounds[1:],
            )
        return cls(publications, published, bounds, b"".join(pieces), len(new))


_facts_lock = threading.Lock()
_facts: dict[str, Facts] = {}


def facts(state: str) -> Facts:
    """Every published meeting's facets and summaries (four queries when the
    state changed; the summaries' query reads only the publications the previous
    facts did not hold, and is skipped when there are none)."""
    found = _facts.get(state)
    if found is not None:
        return found
    previous = next(iter(list(_facts.values())), None)
    built = _build_facts(previous)
    with _facts_lock:
        _facts.clear()
        _facts[state] = built
    return built


def _build_facts(previous: Facts | None = None) -> Facts:
    from meetings.models import Meeting, MeetingType, SearchDocument

    rows = list(
        Meeting.objects.published()
        .order_by()
        .values_list(
            "pk",
            "public_id",
            "current_publication_id",
            "current_publication__published_at",
            "current_publication__held_on",
            "meeting_type_id",
        )
    )
    # The related records (the incidents app's 事案) of each published meeting,
    # through the one extension point (meetings never names that app).
    incidents_of: dict[int, list[str]] = {}
    titles: dict[str, str] = {}
    for meeting_id, refs in related().refs_of_published().items():
        for ref in refs:
            key = str(ref.public_id)
            incidents_of.setdefault(meeting_id, []).append(key)
            titles[key] = str(ref)
    speakers = dict(
        SearchDocument.objects.filter(kind="page").values_list("meeting_id", "speakers")
    )
    meetings = {
        pk: MeetingFacts(
            public_id,
            publication_id,
            published_at,
            held_on,
            wareki.fiscal_year(held_on),
            type_id,
            tuple(dict.fromkeys(incidents_of.get(pk, ()))),
            tuple((speakers.get(pk) or "").split("\n")) if speakers.get(pk) else (),
        )
        for pk, public_id, publication_id, published_at, held_on, type_id in rows
    }
    used = {f.type_id for f in meetings.values()}
    types = {
        pk: (slug, name)
        for pk, slug, name in MeetingType.objects.filter(pk__in=used).values_list(
            "pk", "slug", "name"
        )
    }
    newest_first = sorted(
        meetings, key=lambda pk: (meetings[pk].held_on, meetings[pk].publication_id)
    )
    rank = {pk: -position for position, pk in enumerate(newest_first)}
    built = Facts(meetings, rank, types, titles)
    built.summaries = Summaries.build(
        built, previous.summaries if previous is not None else None
    )
    return built


# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------


def _alternative_q(alternative: Alternative) -> Q:
    """SQLite: a LIKE on the folded text (and the dates of an organisation's name)."""
    condition = Q(folded__contains=alternative.term)
    if alternative.start is not None:
        condition &= Q(held_on__gte=alternative.start)
    if alternative.end is not None:
        condition &= Q(held_on__lte=alternative.end)
    return condition


def _word_q(words: list[Word]) -> Q:
    condition = Q()
    for word in words:
        for alternative in matching_alternatives(word):
            condition |= _alternative_q(alternative)
    return condition


ROW_COLUMNS = "id, meeting_id, publication_id, kind"


def _alternative_sql(
    alternative: Alternative, columns: str = "id"
) -> tuple[str, list[Any]]:
    """PostgreSQL: the ids of the documents holding ``alternative``.

    One SELECT per alternative, each served by the GIN index alone, its LIKE a
    filter on the candidates only: OR-ing alternatives in one WHERE would make the
    planner recheck the whole condition, bigrams included, row by row.
    """
    from meetings.models import SearchDocument

    table = SearchDocument._meta.db_table
    term = alternative.term
    grams = bigrams(term)
    conditions: list[str] = []
    params: list[Any] = []
    if grams:
        conditions.append("search_bigram_array(bigrams) @> %s::text[]")
        params.append(grams)
    # Two characters without a space: the bigram is the term, the index is exact.
    if not (len(term) == 2 and grams == [term]):
        conditions.append("folded LIKE %s")
        params.append(f"%{connection.ops.prep_for_like_query(term)}%")
    if alternative.start is not None:
        conditions.append("held_on >= %s")
        params.append(alternative.start)
    if alternative.end is not None:
        conditions.append("held_on <= %s")
        params.append(alternative.end)
    where = " AND ".join(conditions)
    return f"SELECT {columns} FROM {table} WHERE {where}", params


def _words_sql(words: list[Word], columns: str = "id") -> tuple[str, list[Any]]:
    parts = [
        _alternative_sql(alternative, columns)
        for word in words
        for alternative in matching_alternatives(word)
    ]
    return (
        " UNION ".join(sql for sql, _ in parts),
        [param for _, params in parts for param in params],
    )


def sql_holding(words: list[Word]) -> models.QuerySet:
    """The current documents that hold one of ``words``."""
    from meetings.models import SearchDocument

    docs = SearchDocument.objects.order_by().filter(
        publication_id=F("meeting__current_publication")
    )
    if connection.vendor != "postgresql":
        return docs.filter(_word_q(words))
    sql, params = _words_sql(words)
    return docs.filter(pk__in=RawSQL(sql, params))


def matching_meetings(queryset: models.QuerySet, query: Query) -> models.QuerySet:
    """Meetings of ``queryset`` that match (the API): as on the results page, each
    clause in one of the meeting's current documents (its page or a PDF page), and
    no excluded word in any of them."""
    for clause in query.clauses:
        queryset = queryset.filter(pk__in=sql_holding(clause).values("meeting_id"))
    if query.excluded:
        queryset = queryset.exclude(
            pk__in=sql_holding(query.excluded).values("meeting_id")
        )
    return queryset


# ---------------------------------------------------------------------------
# A search with facets
# ---------------------------------------------------------------------------


@dataclass
class Filters:
    year: int | None = None
    type: str = ""
    incident: str = ""
    speaker: str = ""
    source: str = ""  # page, attachment
    start: date | None = None
    end: date | None = None
    sort: str = "date"

    @property
    def narrows(self) -> bool:
        return bool(
            self.year is not None
            or self.type
            or self.incident
            or self.speaker
            or self.source
            or self.start
            or self.end
        )

    def as_params(self) -> dict[str, str]:
        params = {
            "year": str(self.year) if self.year is not None else "",
            "type": self.type,
            "incident": self.incident,
            "dept": self.speaker,
            "src": self.source,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "sort": self.sort if self.sort != "date" else "",
        }
        return {k: v for k, v in params.items() if v}


def parse_filters(params: Mapping[str, str]) -> Filters:
    def integer(value: str | None) -> int | None:
        try:
            number = int(value or "")
        except ValueError:
            return None
        return number if 1900 <= number <= 2999 else None

    def day(value: str | None) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    incident = params.get("incident") or ""
    try:
        incident = str(uuid.UUID(incident)) if incident else ""
    except ValueError:
        incident = ""
    source = params.get("src") or ""
    sort = params.get("sort") or "date"
    return Filters(
        year=integer(params.get("year")),
        type=(params.get("type") or "")[:100],
        incident=incident,
        speaker=(params.get("dept") or "")[:200],
        source=source if source in {"page", "attachment"} else "",
        start=day(params.get("from")),
        end=day(params.get("to")),
        sort=sort if sort in SORTS else "date",
    )


@dataclass(slots=True)
class Hit:
    meeting_id: int
    facts: MeetingFacts
    page_document: int | None = None
    attachment_documents: list[int] = field(default_factory=list)
    score: int = 0
    # pk → its place in ``snapshot`` (the documents shown: the page, the first
    # attachment pages), whose texts the snippets read (no query).
    shown: dict[int, int] = field(default_factory=dict)
    snapshot: index.Snapshot | None = None


@dataclass(slots=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str  # the GET parameter
    label: str
    values: list[FacetValue]


@dataclass
class Outcome:
    meeting_ids: MeetingIds  # filtered and in order
    facets: list[Facet]
    total_unfiltered: int
    known: Facts
    snapshot: index.Snapshot
    held: npt.NDArray[np.bool_]  # per document: holds a word of a found meeting

    def hits(self, meeting_ids: list[int]) -> list[Hit]:
        """The details of the results shown (their documents that hold a word)."""
        snap = self.snapshot
        index_of = self.known.index_of
        places = [index_of[pk] for pk in meeting_ids]
        # Per place, pk → (document, is a page), in the documents' order.
        mine: dict[int, dict[int, tuple[int, bool]]] = {place: {} for place in places}
        on_page = np.zeros(len(self.known.order), dtype=bool)
        on_page[places] = True
        held = np.flatnonzero(self.held)
        held_places = snap.meeting[held]
        kept = on_page[held_places]
        documents_shown = held[kept]
        for document, place, pk, is_page in zip(
            documents_shown.tolist(),
            held_places[kept].tolist(),
            snap.ids[documents_shown].tolist(),
            snap.pages[documents_shown].tolist(),
            strict=True,
        ):
            mine[place][pk] = (document, is_page)
        out = []
        meetings = self.known.meetings
        for meeting_id, place in zip(meeting_ids, places, strict=True):
            documents = mine[place]
            page = None
            attachments = []
            for pk, (_, is_page) in documents.items():
                if not is_page:
                    attachments.append(pk)
                elif page is None:
                    page = pk
            shown = {} if page is None else {page: documents[page][0]}
            if attachments:
                attachments.sort()
                for pk in attachments[:ATTACHMENTS_SHOWN]:
                    shown[pk] = documents[pk][0]
            out.append(
                Hit(
                    meeting_id,
                    meetings[meeting_id],
                    page,
                    attachments,
                    shown=shown,
                    snapshot=snap,
                )
            )
        return out


def search(query: Query, filters: Filters, state: str) -> Outcome:
    """The meetings that match, filtered and ordered, with facet counts over them.

    A meeting matches when each clause (AND) is found in one of its documents, the
    page or a page of a PDF: words may be found in different documents. Everything
    is an array over the documents or the meetings (``index``, ``Columns``): a broad
    query matches every meeting, and nothing here is done per hit.
    """
    known = facts(state)
    columns = known.columns
    snap = index.snapshot(state, known)
    size = len(columns.order)
    meeting = snap.meeting
    matched: dict[str, npt.NDArray[np.bool_]] = {}

    def holding(words: list[Word]) -> npt.NDArray[np.bool_]:
        """The (current) documents that hold one of ``words`` (any alternative):
        an array of ``matched`` itself when one term answers (never written)."""
        out: npt.NDArray[np.bool_] | None = None
        for word in words:
            for alternative in matching_alternatives(word):
                term = alternative.term
                found = matched.get(term)
                if found is None:
                    found = matched[term] = snap.match(term)
                if alternative.dated:
                    held_on = columns.held_on.take(meeting)
                    if alternative.start is not None:
                        found = found & (held_on >= alternative.start.toordinal())
                    if alternative.end is not None:
                        found = found & (held_on <= alternative.end.toordinal())
                out = found if out is None else out | found
        return np.zeros(snap.size, dtype=bool) if out is None else out

    def meetings_of(documents: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        out = np.zeros(size, dtype=bool)
        out[meeting[documents]] = True
        return out

    pages = snap.pages
    if len(query.clauses) == 1 and not query.excluded:
        # One clause: the meetings found are those of its documents, all held;
        # every held document is current (``Snapshot.match``). For booleans
        # ``a > b`` is ``a & ~b``.
        held = holding(query.clauses[0])
        in_page = meetings_of(held & pages)
        in_attachments = meetings_of(np.greater(held, pages))
        found = in_page | in_attachments
    else:
        if query.clauses:
            held = holding(query.clauses[0])
            found = meetings_of(held)
        else:
            held = np.zeros(snap.size, dtype=bool)
            found = np.ones(size, dtype=bool)
        for clause in query.clauses[1:]:
            documents = holding(clause)
            held = held | documents
            found &= meetings_of(documents)
        if query.excluded:
            found &= ~meetings_of(holding(query.excluded))
        # The held documents of the meetings found (a new array: ``held`` may be
        # one of ``matched``).
        held = held & found.take(meeting)
        in_page = meetings_of(held & pages)
        in_attachments = meetings_of(np.greater(held, pages))
    total = int(np.count_nonzero(found))
    kept = (
        found & _passing(filters, known, in_page, in_attachments)
        if filters.narrows
        else found
    )
    facets = _facets(kept, filters, known, in_page, in_attachments)
    places = np.flatnonzero(kept)  # newest first
    if filters.sort == "relevance":
        attachments = np.bincount(meeting[np.greater(held, pages)], minlength=size)
        score = 3 * in_page[places] + np.minimum(attachments[places], 3)
        places = places[np.lexsort((places, -score))]
    return Outcome(MeetingIds(columns.pks, places), facets, total, known, snap, held)


class MeetingIds:
    """The pks of the meetings found, in order, as a sequence read by the page's
    paginator: its length and one page's slice (a list of int), without a list
    of every pk (thousands for a broad query, twenty shown)."""

    __slots__ = ("_pks", "_places")

    def __init__(self, pks: npt.NDArray[np.int64], places: npt.NDArray[Any]) -> None:
        self._pks = pks
        self._places = places

    def __len__(self) -> int:
        return len(self._places)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return self._pks.take(self._places[index]).tolist()
        return int(self._pks.item(self._places[index]))

    def __iter__(self) -> Iterator[int]:
        return iter(self.tolist())

    def tolist(self) -> list[int]:
        return self._pks.take(self._places).tolist()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MeetingIds):
            other = other.tolist()
        return isinstance(other, list) and self.tolist() == other

    __hash__ = None  # type: ignore[assignment]  # compared by value, like a list

    def __repr__(self) -> str:
        return f"MeetingIds({self.tolist()!r})"


def _passing(
    filters: Filters,
    known: Facts,
    in_page: npt.NDArray[np.bool_],
    in_attachments: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """The meetings the filters keep (``in_page``, ``in_attachments``: the
    meetings with a document found in their page, in an attachment)."""
    columns = known.columns
    keep = np.ones(len(columns.order), dtype=bool)
    if not filters.narrows:
        return keep
    if filters.year is not None:
        keep &= columns.fiscal_year == filters.year
    if filters.type:
        ids = [pk for pk, (slug, _) in known.types.items() if slug == filters.type]
        keep &= np.isin(columns.type_id, ids)
    if filters.incident:
        keep &= _having(
            columns.incident_keys,
            columns.incident_owner,
            columns.incident_code,
            filters.incident,
            len(keep),
        )
    if filters.speaker:
        keep &= _having(
            columns.speaker_names,
            columns.speaker_owner,
            columns.speaker_code,
            filters.speaker,
            len(keep),
        )
    if filters.source == "page":
        keep &= in_page
    if filters.source == "attachment":
        keep &= in_attachments
    if filters.start:
        keep &= columns.held_on >= filters.start.toordinal()
    if filters.end:
        keep &= columns.held_on <= filters.end.toordinal()
    return keep


def _having(
    names: list[str], owner: Any, code: Any, wanted: str, size: int
) -> npt.NDArray[np.bool_]:
    out = np.zeros(size, dtype=bool)
    if wanted in names:
        out[owner[code == names.index(wanted)]] = True
    return out


def _starts(owner: Any, size: int) -> npt.NDArray[np.int64]:
    """Where each meeting's pairs start (``owner`` ascending: the pairs are
    written in the order of the meetings), and the end."""
    return np.searchsorted(owner, np.arange(size + 1)).astype(np.int64)


def _pairs_of(starts: Any, places: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The indexes of the (owner, code) pairs of ``places``."""
    low = starts[places]
    lengths = starts[places + 1] - low
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.repeat(low - ends + lengths, lengths) + np.arange(total)


def _words(packed: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """Rows of packed bits as 64-bit words (zero bytes added to fill the last):
    AND and popcount then work on 8 bytes at a time."""
    rows, width = packed.shape
    padded = np.zeros((rows, -(-width // 8) * 8), dtype=np.uint8)
    padded[:, :width] = packed
    return padded.view(np.uint64)


def _counted(
    starts: Any, code: Any, kept: npt.NDArray[np.bool_], size: int
) -> npt.NDArray[np.int64]:
    """Each code's count over the kept meetings' (owner, code) pairs.

    Only the pairs of the kept meetings are read, or, when most are kept, those
    of the others, subtracted from every pair's count."""
    places = np.flatnonzero(kept)
    if 2 * len(places) <= len(kept):
        counts = np.bincount(code[_pairs_of(starts, places)], minlength=size)
    else:
        others = np.flatnonzero(~kept)
        counts = np.bincount(code, minlength=size) - np.bincount(
            code[_pairs_of(starts, others)], minlength=size
        )
    return counts


def _ranked(names: list[str], counts: npt.NDArray[np.int64]) -> list[tuple[str, int]]:
    """(name, count) of the names counted, most common first (ties: first seen)."""
    order = np.argsort(-counts, kind="stable")
    values = counts.tolist()
    return [(names[i], values[i]) for i in order.tolist() if values[i]]


@functools.lru_cache(maxsize=256)
def _fiscal_year_label(year: int) -> str:
    return wareki.format_fiscal_year(year)


@functools.lru_cache(maxsize=256)
def _fiscal_year_value(year: int) -> tuple[str, str]:
    """A 年度 facet value's parameter and label."""
    return str(year), _fiscal_year_label(year)


def _facets(
    kept: npt.NDArray[np.bool_],
    filters: Filters,
    known: Facts,
    in_page: npt.NDArray[np.bool_],
    in_attachments: npt.NDArray[np.bool_],
) -> list[Facet]:
    columns = known.columns
    year_counts, type_counts, incident_counts, speaker_counts = columns.facet_counts(
        kept
    )
    types = {t: n for t, n in zip(columns.type_ids, type_counts, strict=True) if n}
    incidents = _ranked(columns.incident_keys, incident_counts)
    speakers = _ranked(columns.speaker_names, speaker_counts)
    if filters.narrows:
        sources = {
            "page": int(np.count_nonzero(in_page & kept)),
            "attachment": int(np.count_nonzero(in_attachments & kept)),
        }
    else:
        # Nothing filtered out: the meetings kept are those found, and a meeting
        # with a document found is one of them.
        sources = {
            "page": int(np.count_nonzero(in_page)),
            "attachment": int(np.count_nonzero(in_attachments)),
        }
    chosen_year = filters.year
    year_values = []
    # ``years`` ascending: the newest first.
    for year, n in zip(reversed(columns.years), reversed(year_counts), strict=True):
        if n:
            value, label = _fiscal_year_value(year)
            year_values.append(FacetValue(value, label, n, chosen_year == year))
    return [
        Facet("year", "年度", year_values),
        Facet(
            "type",
            "会議の種類",
            [
                FacetValue(slug, name, types.get(pk, 0), filters.type == slug)
                for pk, (slug, name) in sorted(
                    known.types.items(), key=lambda item: -types.get(item[0], 0)
                )
                if types.get(pk, 0)
            ],
        ),
        Facet(
            "incident",
            "事案",
            [
                FacetValue(
                    key, known.incidents.get(key, key), n, filters.incident == key
                )
                for key, n in incidents
            ],
        ),
        Facet(
            "dept",
            "説明・報告した組織",
            [
                FacetValue(name, name, n, filters.speaker == name)
                for name, n in speakers[:SPEAKER_FACET_SIZE]
            ],
        ),
        Facet(
            "src",
            "見つかった場所",
            [
                FacetValue(value, label, sources[value], filters.source == value)
                for value, label in (("page", "本文"), ("attachment", "会議資料(PDF)"))
                if sources[value]
            ],
        ),
    ]
