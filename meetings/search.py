"""Public full-text search over published 開催結果, for Japanese text.

Japanese has no spaces between words, so any substring of two or more characters
must match (停電, 豚熱, ランサム). Each publication stores, at publication time:

- ``search_text``: its plain text normalised character by character (NFKC, casefold),
  so that ＰＣ, PC and pc match each other;
- ``search_bigrams``: the distinct two-character substrings of that text, separated
  by spaces.

On PostgreSQL a GIN index over ``string_to_array(search_bigrams, ' ')`` finds the
candidates that hold every bigram of the query (a hand-made pg_bigm: pg_trgm cannot
serve two-character queries and pg_bigm is not packaged by Debian); a plain LIKE on
``search_text`` then keeps the real matches. SQLite runs the LIKE alone.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import F, Func, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MIN_TERM_LENGTH = 2
MAX_TERMS = 5
MAX_QUERY_LENGTH = 100
SNIPPET_RADIUS = 40
BIGRAM_INDEX_NAME = "publication_search_bigrams_gin"
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC and casefold, one character to one character.

    Character by character, so the same function applied to a query and to a text
    always agrees, and the result is as long as the text: a match found in the
    stored normalised text is at the same place in the original. A character whose
    folded form is longer (Ⅱ -> ii, ß -> ss) is only lower-cased, or kept.
    """
    return "".join(map(_normalize_char, text))


@functools.cache
def _normalize_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).casefold()
    if len(folded) == 1:
        return folded
    lowered = ch.lower()
    return lowered if len(lowered) == 1 else ch


def _normalized(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the original index."""
    out: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = _normalize_char(ch)
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


def bigrams(normalized_text: str) -> list[str]:
    """Distinct two-character substrings without whitespace, sorted."""
    grams = {normalized_text[i : i + 2] for i in range(len(normalized_text) - 1)}
    return sorted(g for g in grams if not any(ch.isspace() for ch in g))


def index_fields(text: str) -> dict[str, str]:
    """The search columns of a publication whose plain text is ``text``."""
    normalized = normalize(text)
    return {"search_text": normalized, "search_bigrams": " ".join(bigrams(normalized))}


@dataclass(frozen=True)
class Query:
    raw: str
    terms: tuple[str, ...]  # normalised, each at least MIN_TERM_LENGTH characters
    error: str = ""

    def __bool__(self) -> bool:
        return bool(self.terms) and not self.error


def parse_query(raw: str) -> Query:
    """Split on spaces (also 全角スペース); every term must hold 2+ characters."""
    raw = (raw or "").strip()[:MAX_QUERY_LENGTH]
    if not raw:
        return Query(raw, ())
    terms = tuple(dict.fromkeys(normalize(t) for t in _SPACE.split(raw) if t))
    terms = tuple(t for t in terms if t.strip())
    if any(len(t) < MIN_TERM_LENGTH for t in terms):
        return Query(raw, terms, f"{MIN_TERM_LENGTH}文字以上の語句で検索してください。")
    if len(terms) > MAX_TERMS:
        return Query(raw, terms, f"語句は{MAX_TERMS}つまでにしてください。")
    return Query(raw, terms)


class _StringToArray(Func):
    function = "string_to_array"
    output_field = ArrayField(models.TextField())


def filter_meetings(queryset: models.QuerySet, query: Query) -> models.QuerySet:
    """Meetings of ``queryset`` whose current publication holds every query term."""
    return _filter(queryset, query, prefix="current_publication__")


def filter_publications(queryset: models.QuerySet, query: Query) -> models.QuerySet:
    """Publications of ``queryset`` whose text holds every term of ``query``."""
    return _filter(queryset, query, prefix="")


def _filter(queryset: models.QuerySet, query: Query, *, prefix: str) -> models.QuerySet:
    if connection.vendor == "postgresql":
        needed = sorted({g for term in query.terms for g in bigrams(term)})
        # string_to_array(search_bigrams, ' ') is the indexed expression.
        queryset = queryset.alias(
            _bigrams=_StringToArray(F(f"{prefix}search_bigrams"), Value(" "))
        ).filter(_bigrams__contains=needed)
    for term in query.terms:
        # search_text is already casefolded: a plain (case-sensitive) LIKE suffices.
        queryset = queryset.filter(**{f"{prefix}search_text__contains": term})
    return queryset


def snippet(
    text: str,
    query: Query,
    *,
    normalized: str | None = None,
    radius: int = SNIPPET_RADIUS,
) -> SafeString:
    """An escaped excerpt of ``text`` around the first match, matches in <mark>.

    ``normalized`` is ``normalize(text)`` when the caller has it (the stored
    search_text): when it is as long as ``text``, every character normalised to one
    character and positions are shared, so the text is not normalised again.
    """
    if normalized is None or len(normalized) != len(text):
        normalized, origin = _normalized(text)
    else:
        origin = None
    spans: list[tuple[int, int]] = []
    for term in query.terms:
        start = normalized.find(term)
        while start != -1:
            end = start + len(term)
            if origin is None:
                spans.append((start, end))
            else:
                spans.append((origin[start], origin[end - 1] + 1))
            start = normalized.find(term, end)
    if not spans:
        excerpt = _flat(text[: radius * 2]).strip()
        return mark_safe(escape(excerpt) + ("…" if len(text) > radius * 2 else ""))
    spans.sort()
    window_start = max(0, spans[0][0] - radius)
    window_end = min(len(text), spans[0][1] + radius)
    parts: list[str] = ["…" if window_start > 0 else ""]
    cursor = window_start
    for start, end in _merge(spans):
        if end <= window_start or start >= window_end:
            continue
        start, end = max(start, window_start), min(end, window_end)
        parts.append(escape(_flat(text[cursor:start])))
        parts.append(f"<mark>{escape(_flat(text[start:end]))}</mark>")
        cursor = end
    parts.append(escape(_flat(text[cursor:window_end])))
    parts.append("…" if window_end < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


# The numbers of the header fields (1 日時 … 4 協議概要) at the start of a line: in a
# one-line excerpt they read as stray numbers (「計21名 4 協議概要」).
# A piece of the excerpt may end right before a match (「…会議室\n3 」<mark>出席</mark>).
_FIELD_NUMBER = re.compile(r"(?:^|(?<=\n))[ \t]*[0-9]{1,2}[ \t]+(?=[^\s0-9]|\Z)")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", _FIELD_NUMBER.sub("", text))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
