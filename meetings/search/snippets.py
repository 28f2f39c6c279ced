"""Excerpts of the original text around a match, the matches in <mark>.

The match is found in the stored folded text; its place in the original comes from
the stored offsets; only a window of the original around it is folded again to mark
every term inside it, so a snippet costs the same for a short or a long text.
"""

from __future__ import annotations

import re
from html import escape

from django.utils.safestring import SafeString, mark_safe

from meetings.search.documents import decode_offsets, original_index
from meetings.search.query import Query
from meetings.search.text import fold

SNIPPET_RADIUS = 40
_SPACE = re.compile(r"\s+")
# The numbers of the header fields (1 日時 … 4 協議概要) at the start of a line: in a
# one-line excerpt they read as stray numbers (「計21名 4 協議概要」).
# A piece of the excerpt may end right before a match (「…会議室\n3 」<mark>出席</mark>).
_FIELD_NUMBER = re.compile(r"(?:^|(?<=\n))[ \t]*[0-9]{1,2}[ \t]+(?=[^\s0-9]|\Z)")


def snippet(
    text: str,
    terms: list[str] | Query,
    *,
    folded: str | None = None,
    offsets: str | list[tuple[int, int]] | None = None,
    radius: int = SNIPPET_RADIUS,
) -> SafeString:
    """An escaped excerpt of ``text`` around the first match of any of ``terms``
    (folded; or a ``Query``'s terms), every match in the excerpt marked.

    With the stored ``folded`` text and ``offsets`` (as stored, or decoded: the
    search index keeps them decoded) nothing is folded again: the matches are
    found in the folded text and mapped back to the original. Escaped with
    ``html.escape``, which is what Django's ``escape`` calls (without its lazy
    string wrapper)."""
    if isinstance(terms, Query):
        terms = terms.terms
    if folded is None or offsets is None:
        folded, origin = fold(text)
        points = None
    else:
        origin = None
        points = decode_offsets(offsets) if isinstance(offsets, str) else offsets
    first = -1
    first_term = ""
    for term in terms:
        found = folded.find(term)
        if found != -1 and (first == -1 or found < first):
            first, first_term = found, term
    if first == -1:
        excerpt = _flat(text[: radius * 2]).strip()
        return mark_safe(escape(excerpt) + ("…" if len(text) > radius * 2 else ""))

    def to_original(index: int) -> int:
        if origin is not None:
            return origin[min(index, len(origin) - 1)]
        assert points is not None
        return original_index(points, index)

    # The window and every match in it, found in the folded text and mapped back.
    folded_start = max(0, first - radius)
    folded_end = min(len(folded), first + len(first_term) + radius)
    window_start = to_original(folded_start)
    window_end = min(len(text), to_original(folded_end - 1) + 1)
    spans: list[tuple[int, int]] = []
    for term in terms:
        at = folded.find(term, folded_start)
        while at != -1 and at < folded_end:
            stop = at + len(term)
            start = to_original(at) - window_start
            end = min(to_original(stop - 1) + 1, window_end) - window_start
            if start >= 0 and end > start:
                spans.append((start, end))
            at = folded.find(term, stop)
    window = text[window_start:window_end]
    parts: list[str] = ["…" if window_start > 0 else ""]
    cursor = 0
    for span_start, span_end in _merge(sorted(spans)):
        parts.append(escape(_flat(window[cursor:span_start])))
        parts.append(f"<mark>{escape(_flat(window[span_start:span_end]))}</mark>")
        cursor = span_end
    parts.append(escape(_flat(window[cursor:])))
    parts.append("…" if window_end < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


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
