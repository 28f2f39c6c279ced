"""Excerpts of the original text around a match, the matches in <mark>.

The match is found in the stored folded text; its place in the original comes from
the stored offsets (the points where the folded text shifts against the original);
only a window of the original around it is cut, escaped and marked.

From the in-process index (``indexed_snippet``, the search page) a document's
folded text is read as the ranks of its characters (its codes as they are, no
gather: ``index.BigramIndex.ranked_text``), only its offsets' points are read and
only the window of its original is decoded (``index.Strings.cut``): the excerpt is
byte for byte the one of ``snippet`` over the stored columns.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

from meetings.search.documents import decode_offsets
from meetings.search.query import Query
from meetings.search.text import fold

if TYPE_CHECKING:
    from meetings.search.index import Part, Snapshot, SnippetSource

# The codec itself (``bytes.decode`` looks it up by name first).
_utf_16_le = codecs.utf_16_le_decode

SNIPPET_RADIUS = 40
# The numbers of the header fields (1 日時 … 4 協議概要) at the start of a line: in a
# one-line excerpt they read as stray numbers (「計21名 4 協議概要」).
# A piece of the excerpt may end right before a match (「…会議室\n3 」<mark>出席</mark>).
# (Multiline ^: at the start and after each newline, as (?:^|(?<=\n)) but faster.)
_FIELD_NUMBER = re.compile(r"(?m)^[ \t]*[0-9]{1,2}[ \t]+(?=[^\s0-9]|\Z)")
_DIGIT = re.compile(r"[0-9]")
# What html.escape replaces.
_SPECIAL = re.compile(r"[&<>\"']")
# What str.split splits on (str.isspace, as \s for a str pattern).
_SPACE = re.compile(r"\s")
# What a field number holds: a digit, then a space or a tab (a window without it
# has none).
_FIELD_LEAD = re.compile(r"[0-9][ \t]")
# _FIELD_NUMBER over a window whose marks are its tags (a window without & < >
# " '): a piece starts at the start, after a newline or after a tag's ">"; and
# over a window whose marks are \x01 (start) and \x02 (end).
_TAG_FIELD_NUMBER = re.compile(r"(?m)(?:^|(?<=>))[ \t]*[0-9]{1,2}[ \t]+(?=[^\s0-9]|\Z)")
_CONTROL_FIELD_NUMBER = re.compile(
    r"(?m)(?:^|(?<=[\x01\x02]))[ \t]*[0-9]{1,2}[ \t]+(?=[^\s0-9]|\Z)"
)
# A piece that may start with a field number, right after a mark's start or end.
_AFTER_TAG = re.compile(r">[ \t0-9]")
_AFTER_CONTROL = re.compile(r"[\x01\x02][ \t0-9]")


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
    to_original: Callable[[int], int]
    if folded is None or offsets is None:
        folded, origin = fold(text)
        last = len(origin) - 1

        def to_original(index: int) -> int:
            return origin[min(index, last)]

    else:
        points = decode_offsets(offsets) if isinstance(offsets, str) else offsets
        to_original = _mapping(
            [point[0] for point in points], [point[1] for point in points]
        )
    return _excerpt(
        folded,
        [(term, len(term)) for term in terms],
        to_original,
        len(text),
        lambda start, end: text[start:end],
        radius,
    )


def indexed_snippet(
    snapshot: Snapshot,
    document: int,
    terms: list[str],
    radius: int = SNIPPET_RADIUS,
) -> SafeString:
    """``snippet`` of the in-process index's ``document`` (see the module's
    docstring): the same excerpt, no query."""
    return indexed_snippets([(snapshot, document)], terms, radius)[0]


def indexed_snippets(
    documents: Sequence[tuple[Snapshot, int]],
    terms: list[str],
    radius: int = SNIPPET_RADIUS,
) -> list[SafeString]:
    """``indexed_snippet`` of each (snapshot, document), in order: a page's
    snippets in one call (each part's views and the terms' ranks read once)."""
    # Per part (a snapshot's base or delta): its documents' places in the output
    # and in the part.
    if not documents:
        return []
    parts: dict[int, tuple[Part, list[int], list[int]]] = {}
    last = documents[0][0]
    base, delta = last.base, last.delta
    size = base.index.size
    for place, (snapshot, document) in enumerate(documents):
        if snapshot is not last:  # ``Snapshot.locate`` inline
            last, base, delta = snapshot, snapshot.base, snapshot.delta
            size = base.index.size
        if document < size:
            part, local = base, document
        else:
            part, local = delta, document - size
        group = parts.get(id(part))
        if group is None:
            group = parts[id(part)] = (part, [], [])
        group[1].append(place)
        group[2].append(local)
    if len(parts) == 1:
        ((part, _, locals_),) = parts.values()
        return _indexed(
            part.snippet_source(), locals_, part.index.needles(terms), radius
        )
    out: list[SafeString] = [SafeString("")] * len(documents)
    for part, places, locals_ in parts.values():
        excerpts = _indexed(
            part.snippet_source(), locals_, part.index.needles(terms), radius
        )
        for place, excerpt in zip(places, excerpts, strict=True):
            out[place] = excerpt
    return out


def _indexed(
    source: SnippetSource,
    documents: list[int],
    needles: list[tuple[str, int]],
    radius: int,
) -> list[SafeString]:
    """``_excerpt`` of each of the part's ``documents``, inline (the part's views
    read once): its ranked text decoded from the codes' view, the window mapped
    by one shift where no point of its offsets falls in it (else point by point
    over the views), only the window of its original decoded, then cleaned at
    once with its marks in it."""
    (
        codes,
        starts,
        lengths,
        text_of,
        data,
        bounds,
        text_lengths,
        point_bounds,
        points_folded,
        points_original,
    ) = source
    excerpts: list[SafeString] = []
    for local in documents:
        if codes is not None:
            begin = starts[local]
            folded = _utf_16_le(codes[begin : begin + lengths[local]], "strict", True)[
                0
            ]
        else:
            folded = text_of(local)
        find = folded.find
        first = -1
        first_size = 0
        widest = 0
        found: list[tuple[str, int, int]] = []  # (needle, size, first match)
        for needle, size in needles:
            at = find(needle)
            if at != -1:
                found.append((needle, size, at))
                if first == -1 or at < first:
                    first, first_size = at, size
                if size > widest:
                    widest = size
        byte_start = bounds[local]
        byte_size = bounds[local + 1] - byte_start
        length = text_lengths[local]
        # One UTF-16 unit a character (no astral character): cut by bytes.
        by_units = byte_size == 2 * length
        if first == -1:
            head = radius * 2
            if by_units:
                opening_text = _utf_16_le(
                    data[byte_start : byte_start + 2 * min(head, length)],
                    "strict",
                    True,
                )[0]
            else:
                opening_text = _utf_16_le(
                    data[byte_start : byte_start + byte_size], "strict", True
                )[0][:head]
            excerpt = _flat(opening_text).strip()
            excerpts.append(
                SafeString(escape(excerpt) + ("…" if length > head else ""))
            )
            continue

        folded_start = first - radius
        if folded_start < 0:
            folded_start = 0
        folded_end = first + first_size + radius
        if folded_end > len(folded):
            folded_end = len(folded)
        low = point_bounds[local]
        high = point_bounds[local + 1]
        spans: list[tuple[int, int]] = []
        # The point in force at the window's start; the window is one shift of the
        # folded text where the next point is past every index mapped (the last
        # match may end ``widest`` - 1 after the window).
        at_point = (
            bisect_right(points_folded, folded_start, low, high) - 1
            if low < high
            else low - 1
        )
        if at_point + 1 >= high or points_folded[at_point + 1] >= folded_end + widest:
            shift = (
                points_original[at_point] - points_folded[at_point]
                if at_point >= low
                else 0
            )
            window_start = folded_start + shift
            window_end = folded_end + shift
            if window_end > length:
                window_end = length
            for needle, size, at in found:
                limit = folded_end - 1 + size
                if at < folded_start:
                    at = find(needle, folded_start, limit)
                elif at >= folded_end:
                    continue
                while at != -1:
                    stop = at + size
                    end = stop + shift
                    if end > window_end:
                        end = window_end
                    end -= window_start
                    start = at - folded_start
                    if end > start:
                        spans.append((start, end))
                    at = find(needle, stop, limit)
        else:
            # Point by point (``_mapping`` inline, over the views: no list made):
            # the point in force at a folded index is the last one at or before it,
            # none (the same index) before the document's first point.
            window_start = (
                points_original[at_point] + folded_start - points_folded[at_point]
                if at_point >= low
                else folded_start
            )
            last = folded_end - 1
            at_last = bisect_right(points_folded, last, low, high) - 1
            window_end = (
                points_original[at_last] + last - points_folded[at_last] + 1
                if at_last >= low
                else folded_end
            )
            if window_end > length:
                window_end = length
            for needle, size, at in found:
                limit = folded_end - 1 + size
                if at < folded_start:
                    at = find(needle, folded_start, limit)
                elif at >= folded_end:
                    continue
                while at != -1:
                    stop = at + size
                    last = stop - 1
                    point = bisect_right(points_folded, at, low, high) - 1
                    if point >= low:
                        shift = points_original[point] - points_folded[point]
                        start = at + shift - window_start
                        if point + 1 >= high or last < points_folded[point + 1]:
                            # The match's end under the same point (mostly).
                            end = stop + shift
                        else:
                            point = bisect_right(points_folded, last, point, high) - 1
                            end = (
                                points_original[point] + last - points_folded[point] + 1
                            )
                    else:
                        start = at - window_start
                        point = bisect_right(points_folded, last, low, high) - 1
                        end = (
                            points_original[point] + last - points_folded[point] + 1
                            if point >= low
                            else stop
                        )
                    if end > window_end:
                        end = window_end
                    end -= window_start
                    if start >= 0 and end > start:
                        spans.append((start, end))
                    at = find(needle, stop, limit)
        if by_units and window_start >= 0:
            start = window_start if window_start < length else length
            end = window_end if window_end < length else length
            window = (
                _utf_16_le(
                    data[byte_start + 2 * start : byte_start + 2 * end], "strict", True
                )[0]
                if start < end
                else ""
            )
        else:
            window = _utf_16_le(
                data[byte_start : byte_start + byte_size], "strict", True
            )[0][window_start:window_end]
        # The window with its marks, cleaned at once: the marks are the tags
        # themselves where the window holds nothing to escape, else two control
        # characters (escaped, then replaced). Neither holds whitespace or a digit:
        # each piece's cleaning stops at them as at its ends.
        special = (
            "&" in window
            or "<" in window
            or ">" in window
            or '"' in window
            or "'" in window
        )
        if special:
            if "\x01" in window or "\x02" in window:
                excerpts.append(
                    SafeString(
                        ("…" if window_start > 0 else "")
                        + _pieces(
                            window, _merge(sorted(spans)) if len(spans) > 1 else spans
                        )
                        + ("…" if window_end < length else "")
                    )
                )
                continue
            opening, closing = "\x01", "\x02"
        else:
            opening, closing = "<mark>", "</mark>"
        if len(spans) == 1:
            span_start, span_end = spans[0]
            marked = (
                f"{window[:span_start]}{opening}{window[span_start:span_end]}"
                f"{closing}{window[span_end:]}"
            )
        elif spans:
            # ``_merge`` and the pieces in one pass over the spans in order.
            spans.sort()
            pieces: list[str] = []
            cursor = 0
            mark_start, mark_end = spans[0]
            for span_start, span_end in spans:
                if span_start <= mark_end:
                    if span_end > mark_end:
                        mark_end = span_end
                else:
                    pieces += (
                        window[cursor:mark_start],
                        opening,
                        window[mark_start:mark_end],
                        closing,
                    )
                    cursor = mark_end
                    mark_start, mark_end = span_start, span_end
            pieces += (
                window[cursor:mark_start],
                opening,
                window[mark_start:mark_end],
                closing,
                window[mark_end:],
            )
            marked = "".join(pieces)
        else:
            marked = window
        if (" " in marked or "\t" in marked) and _FIELD_LEAD.search(marked) is not None:
            # A field number stands at a line's start or at a piece's start: after
            # a mark's start or end (rare: the slower expression).
            if special:
                after_mark = _AFTER_CONTROL.search(marked) is not None
                numbers = _CONTROL_FIELD_NUMBER if after_mark else _FIELD_NUMBER
            else:
                after_mark = _AFTER_TAG.search(marked) is not None
                numbers = _TAG_FIELD_NUMBER if after_mark else _FIELD_NUMBER
            marked = numbers.sub("", marked)
        # _spaces inline.
        words = marked.split()
        if not words:
            marked = " " if marked else ""
        else:
            flat = " ".join(words)
            if marked[0].isspace():
                flat = " " + flat
            if marked[-1].isspace():
                flat += " "
            marked = flat
        if special:
            marked = escape(marked).replace("\x01", "<mark>").replace("\x02", "</mark>")
        excerpts.append(
            SafeString(  # every piece is escaped above
                f"{'…' if window_start > 0 else ''}{marked}"
                f"{'…' if window_end < length else ''}"
            )
        )
    return excerpts


def _pieces(window: str, spans: list[tuple[int, int]]) -> str:
    """The window's pieces cleaned one by one, the marked ones in <mark> (what the
    window holds chooses the cleaning: the same result; no digit, no field number;
    nothing to escape, no escaping)."""
    clean = _cleaning(window)
    parts: list[str] = []
    cursor = 0
    for span_start, span_end in spans:
        parts.append(clean(window[cursor:span_start]))
        parts.append(f"<mark>{clean(window[span_start:span_end])}</mark>")
        cursor = span_end
    parts.append(clean(window[cursor:]))
    return "".join(parts)


def _mapping(folded: list[int], original: list[int]) -> Callable[[int], int]:
    """``documents.original_index`` over the points as two lists (the folded
    indexes strictly ascending)."""

    def to_original(index: int) -> int:
        at = bisect_right(folded, index) - 1
        if at < 0:
            return index
        return original[at] + (index - folded[at])

    return to_original


def _excerpt(
    folded: str,
    needles: Sequence[tuple[str, int]],
    to_original: Callable[[int], int],
    length: int,
    cut: Callable[[int, int], str],
    radius: int,
) -> SafeString:
    """The excerpt of an original text of ``length`` characters (``cut`` gives
    a slice of it) whose folded text is ``folded``, or the same with every
    character replaced one for one (``index.BigramIndex.ranked_text``).
    ``needles``: each term as found in ``folded``, and its length."""
    find = folded.find
    first = -1
    first_size = 0
    found: list[tuple[str, int, int]] = []  # (needle, size, first match)
    for needle, size in needles:
        at = find(needle)
        if at != -1:
            found.append((needle, size, at))
            if first == -1 or at < first:
                first, first_size = at, size
    if first == -1:
        excerpt = _flat(cut(0, radius * 2)).strip()
        return SafeString(escape(excerpt) + ("…" if length > radius * 2 else ""))

    # The window and every match in it, found in the folded text and mapped back.
    folded_start = max(0, first - radius)
    folded_end = min(len(folded), first + first_size + radius)
    window_start = to_original(folded_start)
    window_end = min(length, to_original(folded_end - 1) + 1)
    spans: list[tuple[int, int]] = []
    for needle, size, at in found:
        # The matches that start in the window (they may end after it).
        limit = folded_end - 1 + size
        if at < folded_start:
            at = find(needle, folded_start, limit)
        elif at >= folded_end:
            continue
        while at != -1:
            stop = at + size
            start = to_original(at) - window_start
            end = min(to_original(stop - 1) + 1, window_end) - window_start
            if start >= 0 and end > start:
                spans.append((start, end))
            at = find(needle, stop, limit)
    if len(spans) > 1:
        spans = _merge(sorted(spans))
    marked = _pieces(cut(window_start, window_end), spans)
    # Every piece is escaped by _pieces.
    return SafeString(
        f"{'…' if window_start > 0 else ''}{marked}{'…' if window_end < length else ''}"
    )


def _cleaning(window: str) -> Callable[[str], str]:
    """The cleaning of a window's pieces by what the window holds (the same
    result: no whitespace, no field number and no run of spaces; no digit, no
    field number; nothing to escape, no escaping)."""
    special = _SPECIAL.search(window) is not None
    if _SPACE.search(window) is None:
        return escape if special else _as_it_is
    return _CLEAN[_DIGIT.search(window) is not None, special]


def _as_it_is(text: str) -> str:
    return text


def _flat(text: str) -> str:
    """The field numbers dropped, every whitespace run as one space."""
    return _spaces(_FIELD_NUMBER.sub("", text))


def _spaces(text: str) -> str:
    r"""``re.sub(r"\s+", " ", text)``, by ``str.split`` (its whitespace is the
    same: ``str.isspace``), which is several times faster."""
    words = text.split()
    if not words:
        return " " if text else ""
    out = " ".join(words)
    if text[0].isspace():
        out = " " + out
    if text[-1].isspace():
        out += " "
    return out


def _clean(text: str) -> str:
    """``escape(_flat(text))``; letters only (a match, mostly) are as they are:
    no space, no digit, nothing to escape."""
    if text.isalpha():
        return text
    return escape(_spaces(_FIELD_NUMBER.sub("", text)))


def _clean_no_digit(text: str) -> str:
    """``_clean`` of a text without an ASCII digit (no field number)."""
    if text.isalpha():
        return text
    return escape(_spaces(text))


def _clean_plain(text: str) -> str:
    """``_clean`` of a text without & < > " ' (nothing to escape)."""
    if text.isalpha():
        return text
    return _spaces(_FIELD_NUMBER.sub("", text))


def _clean_no_digit_plain(text: str) -> str:
    """``_clean`` of a text without an ASCII digit and without & < > " '."""
    if text.isalpha():
        return text
    return _spaces(text)


# By (holds an ASCII digit, holds a character to escape).
_CLEAN: dict[tuple[bool, bool], Callable[[str], str]] = {
    (True, True): _clean,
    (False, True): _clean_no_digit,
    (True, False): _clean_plain,
    (False, False): _clean_no_digit_plain,
}


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
