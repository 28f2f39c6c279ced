"""Public full-text search over published 開催結果, for Japanese text.

- ``text``: the normalisation both sides share (NFKC, kana, long vowels, numerals);
- ``query``: the syntax (AND, OR, -word, "phrase") and the expansions (synonyms kept
  by admins, organisation names by date);
- ``documents``: what is searched: each publication's text and each page of its PDF
  attachments (``SearchDocument``), written at publication;
- ``engine``: matching, facets and order; ``snippets``: excerpts with marks.

Why bigrams: Japanese has no spaces, so any substring of two characters must match
(停電, 豚熱). The results page matches with ``index`` (in-process: positions of every
bigram, numpy arrays; exact, and fast for common words: see its docstring and
bench/bench_public.py). The API filters querysets in SQL: pg_trgm cannot serve a
two-character pattern (it needs three), pg_bigm and PGroonga are not packaged by
Debian; a GIN index over each document's distinct bigrams
(``string_to_array(bigrams, ' ')``) is pg_bigm made by hand, and a LIKE on the
folded text keeps the real matches.
"""

from __future__ import annotations

from django.db.models import QuerySet

from meetings.safe_cache import safe_get_or_set
from meetings.search.documents import index_publication, index_publications
from meetings.search.engine import (
    SORTS,
    Filters,
    Outcome,
    matching_meetings,
    parse_filters,
)
from meetings.search.engine import search as run
from meetings.search.query import (
    MAX_QUERY_LENGTH,
    MIN_TERM_LENGTH,
    Query,
    Thesaurus,
    build_thesaurus,
)
from meetings.search.query import parse_query as _parse_query
from meetings.search.snippets import snippet
from meetings.search.text import bigrams, fold, normalize

THESAURUS_KEY = "search:thesaurus:v1"
THESAURUS_SECONDS = 300
BIGRAM_INDEX_NAME = "search_document_bigrams_gin"

__all__ = [
    "BIGRAM_INDEX_NAME",
    "MAX_QUERY_LENGTH",
    "MIN_TERM_LENGTH",
    "SORTS",
    "Filters",
    "Outcome",
    "Query",
    "bigrams",
    "filter_meetings",
    "fold",
    "index_publication",
    "index_publications",
    "normalize",
    "parse_filters",
    "parse_query",
    "run",
    "snippet",
    "thesaurus",
]


# (state, thesaurus) of the last state seen by this process.
_memo: tuple[str, Thesaurus] | None = None


def thesaurus(state: str | None = None) -> Thesaurus:
    """The synonym groups and organisation names.

    With ``state`` (``public_state(search_documents=True)``, which database
    triggers change with every change of the synonyms, organisations and their
    aliases): kept in this process for that state, so a search reads no cache.
    Without: cached (admin changes clear it).
    """
    global _memo
    if state is None:
        return safe_get_or_set(THESAURUS_KEY, build_thesaurus, THESAURUS_SECONDS)
    memo = _memo
    if memo is not None and memo[0] == state:
        return memo[1]
    built = build_thesaurus()
    _memo = (state, built)
    return built


def forget_thesaurus(**kwargs: object) -> None:
    global _memo
    from django.core.cache import cache

    _memo = None

    try:
        cache.delete(THESAURUS_KEY)
    except Exception:  # noqa: BLE001 - an unreachable cache holds nothing either
        pass


def parse_query(
    raw: str, *, expand: bool = True, related: bool = False, state: str | None = None
) -> Query:
    """``raw`` parsed, with the expansions of the current thesaurus (``state``:
    see ``thesaurus``)."""
    return _parse_query(raw, expand=expand, related=related, thesaurus=thesaurus(state))


def filter_meetings(queryset: QuerySet, query: Query) -> QuerySet:
    """Meetings of ``queryset`` whose current publication matches ``query``."""
    return matching_meetings(queryset, query)
