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

from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import F, Func, Q, Value

from meetings import wareki
from meetings.search.query import Alternative, Query, Word, matching_alternatives
from meetings.search.text import bigrams

SPEAKER_FACET_SIZE = 15
SORTS = {"date": "新しい順", "relevance": "関連度順"}


class _StringToArray(Func):
    function = "string_to_array"
    output_field = ArrayField(models.TextField())


# ---------------------------------------------------------------------------
# Facts about every published meeting (per process, keyed by the public state)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFacts:
    public_id: uuid.UUID
    publication_id: int
    published_at: datetime
    held_on: date
    type_id: int
    incidents: tuple[str, ...]
    speakers: tuple[str, ...]


@dataclass
class Facts:
    meetings: dict[int, MeetingFacts]
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

    incidents_of: dict[int, list[str]] = {}
    titles: dict[str, str] = {}
    if apps.is_installed("incidents"):
        link_model = apps.get_model("incidents", "IncidentLink")
        for meeting_id, public_id, title, drill in link_model.objects.filter(
            incident__is_public=True
        ).values_list(
            "meeting_id", "incident__public_id", "incident__title", "incident__is_drill"
        ):
            key = str(public_id)
            incidents_of.setdefault(meeting_id, []).append(key)
            titles[key] = f"【訓練】{title}" if drill else title
    speakers = dict(
        SearchDocument.objects.filter(kind="page").values_list("meeting_id", "speakers")
    )
    meetings = {
        pk: MeetingFacts(
            public_id,
            publication_id,
            published_at,
            held_on,
            type_id,
            tuple(dict.fromkeys(incidents_of.get(pk, ()))),
            tuple((speakers.get(pk) or "").split("\n")) if speakers.get(pk) else (),
        )
        for pk, public_id, publication_id, published_at, held_on, type_id in (
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
    }
    used = {f.type_id for f in meetings.values()}
    types = {
        pk: (slug, name)
        for pk, slug, name in MeetingType.objects.filter(pk__in=used).values_list(
            "pk", "slug", "name"
        )
    }
    return Facts(meetings, types, titles)


# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------


def _alternative_q(alternative: Alternative, *, postgres: bool) -> Q:
    term = alternative.term
    condition = Q()
    grams = bigrams(term)
    if postgres and grams:
        condition &= Q(_grams__contains=grams)
    # Two characters without a space: the bigram is the term, the index is exact.
    if not (postgres and len(term) == 2 and grams == [term]):
        condition &= Q(folded__contains=term)
    if alternative.start is not None:
        condition &= Q(held_on__gte=alternative.start)
    if alternative.end is not None:
        condition &= Q(held_on__lte=alternative.end)
    return condition


def _word_q(words: list[Word], *, postgres: bool) -> Q:
    condition = Q()
    for word in words:
        for alternative in matching_alternatives(word):
            condition |= _alternative_q(alternative, postgres=postgres)
    return condition


def documents(query: Query) -> models.QuerySet:
    """Search documents that match every clause of ``query``, without the meetings
    that hold an excluded word anywhere."""
    from meetings.models import SearchDocument

    postgres = connection.vendor == "postgresql"

    def base() -> models.QuerySet:
        docs = SearchDocument.objects.order_by()
        if postgres:
            # string_to_array(bigrams, ' ') is the indexed expression.
            docs = docs.alias(_grams=_StringToArray(F("bigrams"), Value(" ")))
        return docs

    docs = base()
    for clause in query.clauses:
        docs = docs.filter(_word_q(clause, postgres=postgres))
    if query.excluded:
        unwanted = base().filter(_word_q(query.excluded, postgres=postgres))
        docs = docs.exclude(meeting_id__in=unwanted.values("meeting_id"))
    return docs


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


@dataclass
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
    hits: list[Hit]  # filtered and in order
    facets: list[Facet]
    total_unfiltered: int


def search(query: Query, filters: Filters, state: str) -> Outcome:
    """The meetings that match, filtered and ordered, with facet counts over them."""
    known = facts(state)
    rows = documents(query).values_list("pk", "meeting_id", "publication_id", "kind")
    hits: dict[int, Hit] = {}
    for pk, meeting_id, publication_id, kind in rows:
        fact = known.meetings.get(meeting_id)
        if fact is None or fact.publication_id != publication_id:
            continue  # not published, or not its current publication
        hit = hits.get(meeting_id) or hits.setdefault(meeting_id, Hit(meeting_id, fact))
        if kind == "page":
            hit.page_document = pk
        else:
            hit.attachment_documents.append(pk)
    total = len(hits)
    kept = [hit for hit in hits.values() if _passes(hit, filters, known)]
    facets = _facets(kept, filters, known)
    if filters.sort == "relevance":
        for hit in kept:
            hit.score = 3 * (hit.page_document is not None) + min(
                len(hit.attachment_documents), 3
            )
        kept.sort(
            key=lambda h: (h.score, h.facts.held_on, h.facts.publication_id),
            reverse=True,
        )
    else:
        kept.sort(key=lambda h: (h.facts.held_on, h.facts.publication_id), reverse=True)
    for hit in kept:
        hit.attachment_documents.sort()
    return Outcome(kept, facets, total)


def _passes(hit: Hit, filters: Filters, known: Facts) -> bool:
    fact = hit.facts
    if filters.year is not None and wareki.fiscal_year(fact.held_on) != filters.year:
        return False
    if filters.type and known.types.get(fact.type_id, ("", ""))[0] != filters.type:
        return False
    if filters.incident and filters.incident not in fact.incidents:
        return False
    if filters.speaker and filters.speaker not in fact.speakers:
        return False
    if filters.source == "page" and hit.page_document is None:
        return False
    if filters.source == "attachment" and not hit.attachment_documents:
        return False
    if filters.start and fact.held_on < filters.start:
        return False
    return not (filters.end and fact.held_on > filters.end)


def _facets(hits: list[Hit], filters: Filters, known: Facts) -> list[Facet]:
    years: Counter[int] = Counter()
    types: Counter[int] = Counter()
    incidents: Counter[str] = Counter()
    speakers: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    for hit in hits:
        fact = hit.facts
        years[wareki.fiscal_year(fact.held_on)] += 1
        types[fact.type_id] += 1
        incidents.update(fact.incidents)
        speakers.update(fact.speakers)
        if hit.page_document is not None:
            sources["page"] += 1
        if hit.attachment_documents:
            sources["attachment"] += 1
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
