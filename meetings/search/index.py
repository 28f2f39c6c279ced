"""An in-process index of the search documents that answers "which documents hold
this term" exactly, in time that depends on the term's rarest bigram, not on the
length of the texts.

``BigramIndex`` holds the folded texts of the documents as one array of character
codes (a separator between documents) and, for each bigram (two characters), the
positions where it occurs, grouped by bigram and sorted, plus the documents each
bigram occurs in. A two-character term is one lookup. A longer term takes the
positions of its rarest bigram and compares the term's other characters in place
(array gathers): an exact substring test, with no text scanned and no candidate
rechecked by LIKE.

Why not the database: the bigram GIN index picks candidates well, but a common
term's candidates are thousands of long texts that PostgreSQL detoasts and LIKEs
one by one (hundreds of ms for 職員 参集 体制 確認 over 10,000 meetings); pg_bigm and
PGroonga, which keep positions, are not packaged by Debian. Why numpy: the build
is a handful of array operations (a sort of the bigram occurrences), a lookup a
slice, and the sets of documents are boolean arrays.

``Snapshot`` (per process, rebuilt only when documents change) is the index of
every document of a published meeting's current publication: a base index built
from all documents once, and a small index of the documents added since (the
``delta``), so that a publication costs one small read, not a rebuild; base
documents that are no longer current (a correction, a withdrawal) are masked.
"""

from __future__ import annotations

import codecs
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

SEPARATOR = "\x00"
# A delta larger than this (documents, and a share of the base) is merged: the
# base is built again from every document.
DELTA_DOCUMENTS = 300
DELTA_SHARE = 0.05
# Below this many documents the base is simply built again on every change.
REBUILD_BELOW = 2000
# The codec itself: ``bytes.decode("utf-16-le")`` looks it up by name first
# (several times the decoding of a snippet's window).
_utf_16_le = codecs.utf_16_le_decode

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


class BigramIndex:
    """Positions of every bigram of some texts (see the module's docstring)."""

    def __init__(self, texts: list[str]) -> None:
        n = len(texts)
        self.size = n
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
        # Layout: a separator, then each text followed by a separator.
        self.starts: IntArray = np.ones(n, dtype=np.int64)
        if n:
            self.starts[1:] = 1 + np.cumsum(lengths + 1)[:-1]
        corpus = SEPARATOR + "".join(text + SEPARATOR for text in texts)
        codes32 = np.frombuffer(corpus.encode("utf-32-le"), dtype=np.uint32)
        del corpus
        # Characters as ranks in the corpus' alphabet (the separator is rank 0).
        counts = np.bincount(codes32)
        alphabet = np.flatnonzero(counts)
        del counts
        self.alphabet_size = len(alphabet)
        self.alphabet = alphabet.astype(np.uint32)
        self.lengths = lengths
        self.rank: dict[str, int] = {
            chr(code): rank for rank, code in enumerate(alphabet.tolist())
        }
        ranks = np.zeros(int(alphabet[-1]) + 1, dtype=np.uint32)
        ranks[alphabet] = np.arange(len(alphabet), dtype=np.uint32)
        code_type = np.uint16 if len(alphabet) <= 1 << 16 else np.uint32
        self.codes: npt.NDArray[Any] = ranks[codes32].astype(code_type)
        del codes32, ranks
        na = np.uint64(self.alphabet_size)
        where = np.flatnonzero((self.codes[:-1] != 0) & (self.codes[1:] != 0))
        keys = self.codes[where].astype(np.uint64) * na + self.codes[where + 1].astype(
            np.uint64
        )
        if self.alphabet_size <= 1 << 16 and len(self.codes) < 1 << 32:
            # One sort of (bigram, position) packed in 64 bits: grouped by
            # bigram, positions ascending within each group.
            packed = (keys << np.uint64(32)) | where.astype(np.uint64)
            del keys
            packed.sort()
            position_type = np.int32 if len(self.codes) < 1 << 31 else np.int64
            self.positions = (packed & np.uint64(0xFFFFFFFF)).astype(position_type)
            keys = packed >> np.uint64(32)
            del packed
        else:
            order = np.argsort(keys, kind="stable")
            self.positions = where[order]
            keys = keys[order]
            del order
        del where
        change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        self.bounds: IntArray = (
            np.concatenate([[0], change, [len(keys)]]).astype(np.int64)
            if len(keys)
            else np.zeros(1, dtype=np.int64)
        )
        self.keys = keys[self.bounds[:-1]].astype(np.int64)
        del keys, change
        # The documents of each bigram (for two-character terms): the position's
        # document, its first occurrence in each group kept.
        doc_type = np.uint16 if n <= 1 << 16 else np.int32
        owner = np.repeat(np.arange(n, dtype=doc_type), lengths + 1)
        owner = np.concatenate([np.zeros(1, dtype=doc_type), owner])
        documents = owner[self.positions]
        del owner
        keep = np.ones(len(documents), dtype=bool)
        keep[1:] = documents[1:] != documents[:-1]
        keep[self.bounds[:-1]] = True
        self.documents = documents[keep]
        kept = np.concatenate([[0], np.cumsum(keep)])
        self.document_bounds: IntArray = kept[self.bounds].astype(np.int64)
        # Each (bigram, document) run's length: its positions in the group, in
        # the order of ``documents`` (a longer term verifies each document's
        # first position, then the others only where that one failed).
        runs = np.diff(np.append(np.flatnonzero(keep), len(keep)))
        run_type = np.uint16 if not len(runs) or runs.max() < 1 << 16 else np.int32
        self.runs: npt.NDArray[Any] = runs.astype(run_type)
        del documents, keep, kept, runs
        # The codes read as UTF-16 are the ranks as characters (``ranked_text``):
        # 16-bit codes and no rank among the surrogates.
        self._ranked = code_type is np.uint16 and self.alphabet_size <= 0xD800

    @property
    def nbytes(self) -> int:
        return sum(
            array.nbytes
            for array in (
                self.codes,
                self.positions,
                self.keys,
                self.bounds,
                self.documents,
                self.document_bounds,
                self.runs,
                self.starts,
            )
        )

    def text(self, document: int) -> str:
        """The folded text of ``document`` (from the codes: nothing else is kept)."""
        start = self.starts.item(document)
        codes = self.codes[start : start + self.lengths.item(document)]
        return self.alphabet[codes].tobytes().decode("utf-32-le")

    def ranked_text(self, document: int) -> str:
        """``document``'s folded text with each character replaced by its rank
        (``chr(rank)``): a term's ``ranked`` form is found in it exactly where the
        term is in the folded text, and it is the codes as they are, decoded as
        UTF-16 (no gather: several times cheaper than ``text``). The folded text
        itself where ranks do not fit in one UTF-16 code unit."""
        if not self._ranked:
            return self.text(document)
        start = self.starts.item(document)
        codes = self.codes[start : start + self.lengths.item(document)]
        # The array's buffer, not a copy (numpy's stubs lack the buffer protocol).
        return _utf_16_le(codes, "strict", True)[0]  # type: ignore[arg-type]  # an ndarray is a buffer

    def ranked(self, term: str) -> str | None:
        """``term`` as found in ``ranked_text`` (None: a character no text holds)."""
        rank = self.rank
        ranks = [rank.get(ch) for ch in term]
        if any(r is None for r in ranks):
            return None
        if self._ranked:
            return "".join(map(chr, ranks))  # type: ignore[arg-type]  # no None
        return term

    def needles(self, terms: list[str]) -> list[tuple[str, int]]:
        """(``ranked`` term, its length) for each of ``terms`` that some text may
        hold, in order."""
        return [
            (ranked, len(term))
            for term in terms
            if (ranked := self.ranked(term)) is not None
        ]

    def _group(self, first: int, second: int) -> int:
        key = first * self.alphabet_size + second
        at = int(np.searchsorted(self.keys, key))
        if at < len(self.keys) and int(self.keys[at]) == key:
            return at
        return -1

    def match(self, term: str, out: BoolArray | None = None) -> BoolArray:
        """The documents whose text holds ``term`` (folded), as a boolean array
        (``out``, all False, filled if given)."""
        if out is None:
            out = np.zeros(self.size, dtype=bool)
        rank = self.rank
        ranks = [rank.get(ch) for ch in term]
        if not self.size or not term or None in ranks:
            return out
        if len(term) == 1:
            found = np.flatnonzero(self.codes == ranks[0])
            if len(found) > self.size:
                # More matches than documents: each document's first match at
                # or after its start (fewer binary searches, into the matches).
                first = np.searchsorted(found, self.starts)
                out |= np.append(first[1:], len(found)) > first
            else:
                out[np.searchsorted(self.starts, found, side="right") - 1] = True
            return out
        wanted = np.array(ranks, dtype=np.int64)
        wanted = wanted[:-1] * self.alphabet_size + wanted[1:]
        keys = self.keys
        if not len(keys):
            return out
        groups = keys.searchsorted(wanted)
        # A bigram past the last key is compared with the last (clipped): absent.
        if (keys.take(groups, mode="clip") != wanted).any():
            return out
        groups_list: list[int] = groups.tolist()
        if len(term) == 2:
            group = groups_list[0]
            bounds = self.document_bounds
            out[self.documents[bounds.item(group) : bounds.item(group + 1)]] = True
            return out
        # The rarest bigram: its positions, grouped by document (runs).
        sizes = (self.bounds[groups + 1] - self.bounds[groups]).tolist()
        offset = sizes.index(min(sizes))
        group = groups_list[offset]
        low = self.bounds.item(group)
        positions = self.positions[low : self.bounds.item(group + 1)]
        first_run, end_run = (
            self.document_bounds.item(group),
            self.document_bounds.item(group + 1),
        )
        documents = self.documents[first_run:end_run]
        lengths = self.runs[first_run:end_run]
        run_starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], dtype=np.int64, out=run_starts[1:])
        checks = [
            (at - offset, char)
            for at, char in enumerate(ranks)
            if at != offset and at != offset + 1
        ]
        # Each document's first position, the term's other characters read around
        # it: a start before the corpus or an end past it reads the separator at
        # the corpus' first or last code (clipped).
        codes = self.codes
        firsts = positions[run_starts]
        passed: BoolArray | None = None
        for shift, char in checks:
            same = codes.take(firsts + shift, mode="clip") == char
            if passed is None:
                passed = same
            else:
                passed &= same
        assert passed is not None  # a term of three characters has a check
        # ``out`` is all False and a bigram's documents are distinct.
        out[documents] = passed
        # The other positions of the documents whose first one failed.
        if np.count_nonzero(passed) == len(passed):
            return out
        failed = np.flatnonzero(~passed)
        failed = failed[lengths[failed] > 1]
        if not len(failed):
            return out
        counts = lengths[failed].astype(np.int64) - 1
        ends = np.cumsum(counts)
        total = ends.item(-1)
        into = np.repeat(run_starts[failed] + 1 - ends + counts, counts) + np.arange(
            total
        )
        owners = np.repeat(failed, counts)
        others = positions[into]
        for shift, char in checks:
            keep = codes.take(others + shift, mode="clip") == char
            others = others[keep]
            owners = owners[keep]
            if not len(owners):
                return out
        out[documents[owners]] = True
        return out


# ---------------------------------------------------------------------------
# The documents of the published meetings, per process
# ---------------------------------------------------------------------------


class Strings:
    """Strings in one bytes object with their bounds (numpy): no Python object
    per string, so that the pages of a gunicorn master's index stay shared by its
    forked workers (a list of str would be unshared by reference counting)."""

    def __init__(self, values: list[str], encoding: str = "utf-16-le") -> None:
        encoded = [value.encode(encoding) for value in values]
        self.encoding = encoding
        self.bounds: IntArray = np.zeros(len(encoded) + 1, dtype=np.int64)
        if encoded:
            np.cumsum(
                np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
                out=self.bounds[1:],
            )
        # One bytes object: its reference count lives in its first page only.
        self.data = b"".join(encoded)
        # Characters per string: a UTF-16 string of two bytes a character has
        # no astral character (𠮷 is two code units), so it is cut by bytes.
        self.lengths: IntArray = np.fromiter(
            map(len, values), dtype=np.int64, count=len(values)
        )
        self.unit = 2 if encoding == "utf-16-le" else 0

    def __getitem__(self, index: int) -> str:
        bounds = self.bounds
        data = self.data[bounds.item(index) : bounds.item(index + 1)]
        if self.unit:
            return _utf_16_le(data, "strict", True)[0]
        return data.decode(self.encoding)

    def length(self, index: int) -> int:
        """``len(self[index])``, nothing decoded."""
        return self.lengths.item(index)

    def cut(self, index: int, start: int, end: int) -> str:
        """``self[index][start:end]`` (``start`` and ``end`` not negative),
        decoding only that slice when the string's characters are one code unit
        each."""
        begin = self.bounds.item(index)
        size = self.bounds.item(index + 1) - begin
        length = self.lengths.item(index)
        unit = self.unit
        if unit and size == unit * length and start >= 0 and end >= 0:
            start, end = min(start, length), min(end, length)
            if start >= end:
                return ""
            return _utf_16_le(
                self.data[begin + unit * start : begin + unit * end], "strict", True
            )[0]
        return self[index][start:end]

    @property
    def nbytes(self) -> int:
        return len(self.data) + int(self.bounds.nbytes + self.lengths.nbytes)


class Points:
    """Each document's offsets (``documents.decode_offsets``: where the folded text
    shifts against the original) as two arrays, decoded once at the build."""

    def __init__(self, encoded: list[str]) -> None:
        from meetings.search.documents import decode_offsets

        decoded = [decode_offsets(value) for value in encoded]
        self.bounds: IntArray = np.zeros(len(decoded) + 1, dtype=np.int64)
        if decoded:
            np.cumsum(
                np.fromiter(map(len, decoded), dtype=np.int64, count=len(decoded)),
                out=self.bounds[1:],
            )
        flat = [number for points in decoded for point in points for number in point]
        pairs = np.array(flat, dtype=np.int64).reshape(-1, 2)
        self.folded: IntArray = pairs[:, 0].copy()
        self.original: IntArray = pairs[:, 1].copy()

    def __getitem__(self, index: int) -> list[tuple[int, int]]:
        start, end = self.bounds.item(index), self.bounds.item(index + 1)
        return list(
            zip(
                self.folded[start:end].tolist(),
                self.original[start:end].tolist(),
                strict=True,
            )
        )

    def lists(self, index: int) -> tuple[list[int], list[int]]:
        """The folded and the original index of each of ``index``'s points (the
        folded ones ascending), as two lists: no tuple per point."""
        start, end = self.bounds.item(index), self.bounds.item(index + 1)
        return self.folded[start:end].tolist(), self.original[start:end].tolist()

    @property
    def nbytes(self) -> int:
        return int(self.bounds.nbytes + self.folded.nbytes + self.original.nbytes)


class SnippetSource(NamedTuple):
    """What the snippets read of a part's documents, as views that give plain
    Python ints and slices (no numpy scalar per read: ``snippets.indexed_snippets``).
    Views of the part's arrays and bytes: nothing copied, nothing written."""

    codes: memoryview | None  # the ranks, one UTF-16 unit each (None: not ``_ranked``)
    starts: memoryview  # per document: its first code
    lengths: memoryview  # per document: its number of codes
    text: Any  # BigramIndex.ranked_text (where ``codes`` is None)
    data: memoryview  # the originals, UTF-16-LE
    bounds: memoryview  # per document: its original's first byte (and a last bound)
    text_lengths: memoryview  # per document: its original's length
    point_bounds: memoryview  # per document: its first point (and a last bound)
    folded: memoryview  # the points' folded indexes
    original: memoryview  # the points' original indexes


def _view(array: npt.NDArray[Any]) -> memoryview:
    return memoryview(np.ascontiguousarray(array))  # type: ignore[arg-type]  # an ndarray is a buffer


@dataclass(frozen=True)
class Original:
    """What a snippet needs of a document besides its folded text."""

    text: str
    offsets: list[tuple[int, int]]  # SearchDocument.offsets, decoded
    attachment_id: int | None
    attachment_label: str
    page: int | None


@dataclass
class Part:
    """An index with what the search needs of each of its documents."""

    index: BigramIndex
    ids: IntArray  # SearchDocument pk
    meetings: IntArray  # meeting pk
    publications: IntArray
    published: list[datetime]  # the publication's time (guards reused ids)
    pages: BoolArray  # kind == page
    max_id: int = 0
    # The originals of the snippets (no query for them per search).
    texts: Strings = field(default_factory=lambda: Strings([]))
    offsets: Points = field(default_factory=lambda: Points([]))
    labels: Strings = field(default_factory=lambda: Strings([]))
    attachment_ids: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    page_numbers: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    _source: SnippetSource | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _attachment_views: tuple[memoryview, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]], max_id: int) -> Part:
        return cls(
            BigramIndex([row[5] or "" for row in rows]),
            np.array([row[0] for row in rows], dtype=np.int64),
            np.array([row[1] for row in rows], dtype=np.int64),
            np.array([row[2] for row in rows], dtype=np.int64),
            [row[4] for row in rows],
            np.array([row[3] == "page" for row in rows], dtype=bool),
            max_id,
            Strings([row[6] or "" for row in rows]),
            Points([row[7] or "" for row in rows]),
            Strings([row[9] or "" for row in rows]),
            np.array(
                [-1 if row[8] is None else row[8] for row in rows], dtype=np.int64
            ),
            np.array([-1 if row[10] is None else row[10] for row in rows], np.int64),
        )

    @property
    def nbytes(self) -> int:
        return (
            self.index.nbytes
            + self.texts.nbytes
            + self.offsets.nbytes
            + self.labels.nbytes
            + sum(
                array.nbytes
                for array in (
                    self.ids,
                    self.meetings,
                    self.publications,
                    self.pages,
                    self.attachment_ids,
                    self.page_numbers,
                )
            )
        )

    def snippet_source(self) -> SnippetSource:
        """What the snippets read of this part (made once: views, no copy)."""
        source = self._source
        if source is None:
            index = self.index
            texts = self.texts
            points = self.offsets
            source = SnippetSource(
                _view(index.codes) if index._ranked else None,
                _view(index.starts),
                _view(index.lengths),
                index.ranked_text,
                memoryview(texts.data),
                _view(texts.bounds),
                _view(texts.lengths),
                _view(points.bounds),
                _view(points.folded),
                _view(points.original),
            )
            self._source = source
        return source

    def attachment(self, document: int) -> tuple[int | None, str, int | None]:
        """The attachment id, label and page of ``document`` (as in ``Original``),
        read through views (plain ints, the label's bytes decoded)."""
        views = self._attachment_views
        if views is None:
            labels = self.labels
            views = (
                _view(self.attachment_ids),
                _view(self.page_numbers),
                memoryview(labels.data),
                _view(labels.bounds),
            )
            self._attachment_views = views
        ids, pages, data, bounds = views
        attachment = ids[document]
        page = pages[document]
        return (
            None if attachment < 0 else attachment,
            _utf_16_le(data[bounds[document] : bounds[document + 1]], "strict", True)[
                0
            ],
            None if page < 0 else page,
        )

    def original(self, document: int) -> Original:
        return Original(
            self.texts[document], self.offsets[document], *self.attachment(document)
        )


@dataclass
class Snapshot:
    """Every searchable document: the base part, the delta, and per document its
    meeting's place in ``Facts.order`` (``meeting``) and whether it is current."""

    key: tuple[str, int]
    base: Part
    delta: Part
    alive: BoolArray
    meeting: IntArray  # index into Facts.order (0 where not alive)
    ids: IntArray
    pages: BoolArray
    built_seconds: float = 0.0

    @property
    def size(self) -> int:
        return len(self.ids)

    def folded(self, document: int) -> str:
        base = self.base.index
        if document < base.size:
            return base.text(document)
        return self.delta.index.text(document - base.size)

    @property
    def nbytes(self) -> int:
        return self.base.nbytes + self.delta.nbytes

    def locate(self, document: int) -> tuple[Part, int]:
        """The part that holds ``document`` and its place in that part."""
        size = self.base.index.size
        if document < size:
            return self.base, document
        return self.delta, document - size

    def attachment(self, document: int) -> tuple[int | None, str, int | None]:
        """The attachment id, label and page of ``document`` (as in ``Original``)."""
        part, local = self.locate(document)
        return part.attachment(local)

    def original(self, document: int) -> Original:
        """The original text, offsets and attachment of ``document`` (in memory)."""
        part, local = self.locate(document)
        return part.original(local)

    def match(self, term: str) -> BoolArray:
        """The current documents that hold ``term``."""
        out = np.zeros(len(self.alive), dtype=bool)
        size = self.base.index.size
        self.base.index.match(term, out[:size])
        self.delta.index.match(term, out[size:])
        out &= self.alive
        return out


_lock = threading.Lock()
_current: dict[str, Snapshot] = {}


def _rows(
    above: int = 0, up_to: int | None = None, ids: list[int] | None = None
) -> list[tuple[Any, ...]]:
    """(id, meeting, publication, kind, published_at, folded, text, offsets,
    attachment id, attachment label, page) of the documents of published meetings'
    current publications with ``above < id <= up_to`` (or among ``ids``)."""
    from django.db.models import F

    from meetings.models import Meeting, SearchDocument

    documents = SearchDocument.objects.filter(
        meeting__status=Meeting.Status.PUBLISHED,
        meeting__current_publication=F("publication"),
    )
    if ids is not None:
        documents = documents.filter(pk__in=ids)
    else:
        documents = documents.filter(pk__gt=above)
        if up_to is not None:
            documents = documents.filter(pk__lte=up_to)
    return list(
        documents.order_by("pk").values_list(
            "pk",
            "meeting_id",
            "publication_id",
            "kind",
            "publication__published_at",
            "folded",
            "text",
            "offsets",
            "attachment_id",
            "attachment_label",
            "page",
        )
    )


def documents_state() -> int:
    """The highest document id (one query, from the primary key): a publication,
    a correction or a rebuilt index adds documents with higher ids."""
    from django.db import connection

    from meetings.models import SearchDocument

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {SearchDocument._meta.db_table}")
        row = cursor.fetchone()
    return int(row[0] or 0)


def snapshot(state: str, facts: Any) -> Snapshot:
    """The index for the public ``state``, which must change when the documents
    do (``public_state(search_documents=True)``): no query while it holds."""
    import time

    found = _current.get("snapshot")
    if found is not None and found.key[0] == state:
        return found
    with _lock:
        found = _current.get("snapshot")
        if found is not None and found.key[0] == state:
            return found
        started = time.perf_counter()
        built = _update(found, (state, documents_state()), facts)
        built.built_seconds = time.perf_counter() - started
        _current["snapshot"] = built
        del found
        _release_memory()
        return built


def _release_memory() -> None:
    """Give the building's temporary memory back to the system (glibc keeps freed
    heap pages otherwise: a worker would stay at its peak)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc


def forget() -> None:
    _current.clear()


def warm() -> None:
    """Build the index of the current state now: in gunicorn's master before it
    forks (deploy/gunicorn.conf.py), so that every worker starts with it and
    shares its arrays (copy-on-write: numpy buffers are never written), and a
    worker only reads the documents published since (its delta). The database
    connection is closed again: a forked worker must open its own."""
    import logging

    from django.db import connections

    from meetings.search.engine import facts
    from meetings.views.public import public_state

    try:
        state = public_state(search_documents=True)
        snapshot(state, facts(state))
    except Exception:  # noqa: BLE001 - the workers build it at their first search
        logging.getLogger(__name__).exception("search: index not built in advance")
    finally:
        connections.close_all()


def _alive(parts: list[Part], facts: Any) -> tuple[BoolArray, IntArray]:
    """Per document of ``parts``: is it its meeting's current publication's (the
    publication's time too: a test database reuses ids), and the meeting's place."""
    size = sum(part.index.size for part in parts)
    alive = np.zeros(size, dtype=bool)
    place = np.zeros(size, dtype=np.int64)
    index_of = facts.index_of
    known = facts.meetings
    at = 0
    for part in parts:
        for meeting_id, publication_id, published_at in zip(
            part.meetings.tolist(),
            part.publications.tolist(),
            part.published,
            strict=True,
        ):
            fact = known.get(meeting_id)
            if (
                fact is not None
                and fact.publication_id == publication_id
                and fact.published_at == published_at
            ):
                alive[at] = True
                place[at] = index_of[meeting_id]
            at += 1
    return alive, place


def _update(previous: Snapshot | None, key: tuple[str, int], facts: Any) -> Snapshot:
    """The previous snapshot's base with a new delta, or a new base."""
    from meetings.models import SearchDocument

    max_id = key[1]
    base = previous.base if previous is not None else None
    delta = None
    present: IntArray | None = None
    if base is not None and base.index.size >= REBUILD_BELOW and max_id >= base.max_id:
        # Documents up to the base's last id: those deleted since are masked;
        # current ones the base lacks (ids reused, a meeting published again
        # with its documents) join the delta with the documents added since.
        rows = list(
            SearchDocument.objects.filter(pk__lte=base.max_id)
            .order_by()
            .values_list("pk", "meeting_id", "publication_id")
        )
        present = np.array([row[0] for row in rows], dtype=np.int64)
        base_alive, _ = _alive([base], facts)
        base_alive &= np.isin(base.ids, present)
        have = set(base.ids[base_alive].tolist())
        known = facts.meetings
        missing = [
            pk
            for pk, meeting_id, publication_id in rows
            if pk not in have
            and meeting_id in known
            and known[meeting_id].publication_id == publication_id
        ]
        delta_rows = _rows(base.max_id, max_id)
        if missing:
            delta_rows += _rows(ids=missing)
        if len(delta_rows) <= max(DELTA_DOCUMENTS, DELTA_SHARE * base.index.size):
            delta = Part.from_rows(delta_rows, max_id)
    if delta is None or base is None:
        base = Part.from_rows(_rows(0, max_id), max_id)
        delta = Part.from_rows([], max_id)
        present = None
    alive, place = _alive([base, delta], facts)
    if present is not None:
        alive[: base.index.size] &= np.isin(base.ids, present)
    return Snapshot(
        key,
        base,
        delta,
        alive,
        place,
        np.concatenate([base.ids, delta.ids]),
        np.concatenate([base.pages, delta.pages]),
    )
