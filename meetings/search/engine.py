"""Running a query: matching documents, facets, order and the page's snippets.

One query finds the matching documents (on PostgreSQL a GIN index over each
document's bigrams picks the candidates, a LIKE on the folded text keeps the real
matches; SQLite runs the LIKE alone). What a facet needs of a meeting (年度, type,
incidents, speakers) comes from ``facts()``: one small table of every published
meeting, kept per process and rebuilt when the published set changes
(``public_state``), so that counting facets costs no query and the number of queries
never depends on the number of hits.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from typing import Any

from django.db import connection, models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL

from meetings import wareki
from meetings.extensions import related
from meetings.search.query import Alternative, Query, Word, matching_alternatives
from meetings.search.text import bigrams

SPEAKER_FACET_SIZE = 15
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


_facts_lock = threading.Lock()
_facts: dict[str, Facts] = {}


def facts(state: str) -> Facts:
    """Every published meeting's facets (three queries when the state changed)."""
    found = _facts.get(state)
    if found is not None:
        return found
    built = _build_facts()
    with _facts_lock:
        _facts.clear()
        _facts[state] = built
    return built


def _build_facts() -> Facts:
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
    for meeting_id, refs in related().refs_by_meeting([r[0] for r in rows]).items():
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
    return Facts(meetings, rank, types, titles)


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


def documents(query: Query) -> models.QuerySet:
    """Search documents that match every clause of ``query``, without the meetings
    that hold an excluded word anywhere."""
    from meetings.models import SearchDocument

    docs = SearchDocument.objects.order_by()
    if connection.vendor != "postgresql":
        for clause in query.clauses:
            docs = docs.filter(_word_q(clause))
        if query.excluded:
            unwanted = SearchDocument.objects.filter(_word_q(query.excluded))
            docs = docs.exclude(meeting_id__in=unwanted.values("meeting_id"))
        return docs
    # Clauses intersected, each the union of its alternatives' documents.
    parts = [_words_sql(clause) for clause in query.clauses]
    sql = " INTERSECT ".join(f"({part})" for part, _ in parts)
    params = [param for _, part_params in parts for param in part_params]
    docs = docs.filter(pk__in=RawSQL(sql, params))
    if query.excluded:
        table = SearchDocument._meta.db_table
        unwanted_sql, unwanted_params = _words_sql(query.excluded)
        docs = docs.exclude(
            meeting_id__in=RawSQL(
                f"SELECT meeting_id FROM {table} WHERE id IN ({unwanted_sql})",
                unwanted_params,
            )
        )
    return docs


def document_rows(query: Query) -> list[tuple[int, int, int, str]]:
    """(id, meeting id, publication id, kind) of the matching documents.

    On PostgreSQL one statement whose parts each read the bigram index (no join
    back to the table: the parts select the columns), through the cursor: a broad
    query returns thousands of rows and a model row costs more than the search.
    """
    from meetings.models import SearchDocument

    if connection.vendor != "postgresql":
        return list(
            documents(query).values_list("pk", "meeting_id", "publication_id", "kind")
        )
    table = SearchDocument._meta.db_table
    parts = [_words_sql(clause, ROW_COLUMNS) for clause in query.clauses]
    sql = " INTERSECT ".join(f"({part})" for part, _ in parts)
    params = [param for _, part_params in parts for param in part_params]
    if query.excluded:
        unwanted_sql, unwanted_params = _words_sql(query.excluded)
        sql = (
            f"SELECT * FROM ({sql}) AS hits WHERE meeting_id NOT IN "
            f"(SELECT meeting_id FROM {table} WHERE id IN ({unwanted_sql}))"
        )
        params += unwanted_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def matching_meetings(queryset: models.QuerySet, query: Query) -> models.QuerySet:
    """Meetings of ``queryset`` with a current document that matches (the API)."""
    matched = documents(query).filter(publication_id=F("meeting__current_publication"))
    return queryset.filter(pk__in=matched.values("meeting_id"))


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


@dataclass
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
    meeting_ids: list[int]  # filtered and in order
    facets: list[Facet]
    total_unfiltered: int
    known: Facts
    page_documents: dict[int, int]  # meeting id → its matching page document
    attachment_documents: dict[int, list[int]]  # meeting id → matching PDF pages

    def hit(self, meeting_id: int) -> Hit:
        """The details of one result (built for the results shown only)."""
        return Hit(
            meeting_id,
            self.known.meetings[meeting_id],
            self.page_documents.get(meeting_id),
            sorted(self.attachment_documents.get(meeting_id, [])),
        )


def search(query: Query, filters: Filters, state: str) -> Outcome:
    """The meetings that match, filtered and ordered, with facet counts over them.

    Plain sets and dicts of ids, not an object per hit: a broad query matches
    every meeting, and this loop is most of its time.
    """
    known = facts(state)
    meetings = known.meetings
    pages: dict[int, int] = {}
    attachments: dict[int, list[int]] = {}
    for pk, meeting_id, publication_id, kind in document_rows(query):
        fact = meetings.get(meeting_id)
        if fact is None or fact.publication_id != publication_id:
            continue  # not published, or not its current publication
        if kind == "page":
            pages[meeting_id] = pk
        else:
            attachments.setdefault(meeting_id, []).append(pk)
    found = pages.keys() | attachments.keys()
    total = len(found)
    kept = (
        [
            m
            for m in found
            if _passes(m, meetings[m], filters, known, pages, attachments)
        ]
        if filters.narrows
        else list(found)
    )
    facets = _facets(kept, filters, known, pages, attachments)
    rank = known.rank
    if filters.sort == "relevance":

        def score(meeting_id: int) -> tuple[int, int]:
            found_in = 3 * (meeting_id in pages) + min(
                len(attachments.get(meeting_id, ())), 3
            )
            return (-found_in, rank[meeting_id])

        kept.sort(key=score)
    else:
        kept.sort(key=rank.__getitem__)
    return Outcome(kept, facets, total, known, pages, attachments)


def _passes(
    meeting_id: int,
    fact: MeetingFacts,
    filters: Filters,
    known: Facts,
    pages: dict[int, int],
    attachments: dict[int, list[int]],
) -> bool:
    if filters.year is not None and fact.fiscal_year != filters.year:
        return False
    if filters.type and known.types.get(fact.type_id, ("", ""))[0] != filters.type:
        return False
    if filters.incident and filters.incident not in fact.incidents:
        return False
    if filters.speaker and filters.speaker not in fact.speakers:
        return False
    if filters.source == "page" and meeting_id not in pages:
        return False
    if filters.source == "attachment" and meeting_id not in attachments:
        return False
    if filters.start and fact.held_on < filters.start:
        return False
    return not (filters.end and fact.held_on > filters.end)


def _facets(
    kept: list[int],
    filters: Filters,
    known: Facts,
    pages: dict[int, int],
    attachments: dict[int, list[int]],
) -> list[Facet]:
    facts_of = list(map(known.meetings.__getitem__, kept))
    years = Counter(fact.fiscal_year for fact in facts_of)
    types = Counter(fact.type_id for fact in facts_of)
    incidents = Counter(chain.from_iterable(fact.incidents for fact in facts_of))
    speakers = Counter(chain.from_iterable(fact.speakers for fact in facts_of))
    sources = Counter(
        {
            "page": len(pages.keys() & set(kept)),
            "attachment": len(attachments.keys() & set(kept)),
        }
    )
    return [
        Facet(
            "year",
            "年度",
            [
                FacetValue(
                    str(y),
                    wareki.format_fiscal_year(y),
                    n,
                    filters.year == y,
                )
                for y, n in sorted(years.items(), reverse=True)
            ],
        ),
        Facet(
            "type",
            "会議の種類",
            [
                FacetValue(slug, name, types[pk], filters.type == slug)
                for pk, (slug, name) in sorted(
                    known.types.items(), key=lambda item: -types[item[0]]
                )
                if types[pk]
            ],
        ),
        Facet(
            "incident",
            "事案",
            [
                FacetValue(
                    key, known.incidents.get(key, key), n, filters.incident == key
                )
                for key, n in incidents.most_common()
            ],
        ),
        Facet(
            "dept",
            "説明・報告した組織",
            [
                FacetValue(name, name, n, filters.speaker == name)
                for name, n in speakers.most_common(SPEAKER_FACET_SIZE)
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
