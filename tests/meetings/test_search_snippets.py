"""Snippets from the in-process index (``snippets.indexed_snippet``: the match found
in the document's ranked codes, only the points of its offsets read, only a window
of its original decoded) and ``snippets.snippet``: byte for byte the excerpt of
the first implementation, kept here as the reference, on the edge cases (a match
at either end, astral characters before it, characters whose folded form is
longer or shorter, several terms, an attachment page)."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from html import escape
from http import HTTPStatus

import numpy as np
import pytest
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from meetings import search, services
from meetings.models import SearchDocument
from meetings.search import documents, engine, index, snippets
from meetings.search.text import fold
from meetings.views.public import public_state
from tests.factories import make_meeting
from tests.meetings.public_builders import _fresh_public_cache

__all__ = ["_fresh_public_cache"]

# ---------------------------------------------------------------------------
# The reference: the first implementation of ``snippet``, as it was
# ---------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
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


def reference(
    text: str,
    terms: list[str],
    *,
    folded: str | None = None,
    offsets: str | list[tuple[int, int]] | None = None,
    radius: int = snippets.SNIPPET_RADIUS,
) -> SafeString:
    if folded is None or offsets is None:
        folded, origin = fold(text)
        points = None
    else:
        origin = None
        points = (
            documents.decode_offsets(offsets) if isinstance(offsets, str) else offsets
        )
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
        return documents.original_index(points, index)

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
    return mark_safe("".join(parts))  # noqa: S308


# ---------------------------------------------------------------------------
# Texts and terms
# ---------------------------------------------------------------------------

PAD = "前置きの文。" * 12  # longer than a radius
CASES: list[tuple[str, list[str]]] = [
    # A match at the very start, at the very end, the whole text.
    ("停電が発生した。" + PAD, ["停電"]),
    (PAD + "最後に停電", ["停電"]),
    ("停電", ["停電"]),
    (PAD + "復旧" + PAD, ["復旧"]),
    # Astral characters (two UTF-16 code units) before, inside, after the match.
    ("𠮷野家の" * 20 + "停電の報告" + "𩸽" * 50, ["停電"]),
    ("𠮷" * 45 + "停電", ["停電"]),
    (PAD + "𠮷野家で停電", ["𠮷野家", "停電"]),
    ("🙂" * 100, ["🙂"]),
    # Half-width kana and NFKC: folded longer or shorter than the original.
    (PAD + "ｼｽﾃﾑがﾗﾝｻﾑｳｪｱに感染" + PAD, ["らんさむ"]),
    ("ﾗﾝｻﾑ" * 30, ["らんさむ"]),
    (PAD + "㈱停電商事と①②③の報告" + PAD, ["停電", "1"]),
    ("㈱" * 50 + "の停電", ["停電", "(株)"]),
    (PAD + "㍻三十一年の第三回会議" + PAD, ["3回", "平成"]),
    ("ｶﾞｽ漏れ、サーバーとサーバの停止、ヴァイオリン" + PAD, ["がす", "さーば", "ばい"]),
    # Several terms, overlapping, repeated, one missing.
    (PAD + "停電と復旧と停電復旧の作業" + PAD, ["停電", "復旧", "電復"]),
    (PAD + "停電停電停電" + PAD, ["停電停電", "電停"]),
    (PAD + "停電" + PAD, ["ない語", "停電"]),
    # No match: the start of the text, "…" when it is longer.
    (PAD + "停電" + PAD, ["ない語"]),
    ("短い", ["ない語"]),
    # Whitespace runs, field numbers, HTML to escape around and in a match.
    ("1 日時 令和6年\n2 場所 会議室\n3 出席 計21名\n4 協議概要\n停電<b>&", ["出席"]),
    (PAD + "\n\n  停電 \t\u3000 復旧\xa0<a href='x'>", ["停電 復旧", "<a"]),
    ("「…会議室\n3 出席", ["出席"]),
]


def _row(
    pk: int, text: str, attachment: int | None = None, page: int | None = None
) -> tuple:
    fields = documents.folded_fields(text)
    kind = "page" if attachment is None else "attachment"
    return (
        pk,
        pk,  # meeting
        pk,  # publication
        kind,
        datetime(2024, 4, 1, tzinfo=UTC),
        fields["folded"],
        text,
        fields["offsets"],
        attachment,
        "会議資料(R6.7.1)" if attachment else "",
        page,
    )


def _snapshot(rows: list[tuple], in_delta: int = 0) -> index.Snapshot:
    """An index of ``rows``, the last ``in_delta`` of them in its delta."""
    split = len(rows) - in_delta
    base = index.Part.from_rows(rows[:split], rows[split - 1][0] if split else 0)
    delta = index.Part.from_rows(rows[split:], rows[-1][0])
    size = len(rows)
    return index.Snapshot(
        ("state", rows[-1][0]),
        base,
        delta,
        np.ones(size, dtype=bool),
        np.arange(size, dtype=np.int64),
        np.array([row[0] for row in rows], dtype=np.int64),
        np.array([row[3] == "page" for row in rows], dtype=bool),
    )


def _fuzz_texts(count: int, seed: int) -> list[str]:
    """Texts of the characters whose folding or width is special."""
    rng = random.Random(seed)
    alphabet = list("停電復旧のを会議 \n\t\u3000\xa0123４５") + [
        "𠮷",
        "🙂",
        "ﾗ",
        "ﾝ",
        "ｻ",
        "ﾑ",
        "ｶ",
        "ﾞ",
        "㈱",
        "①",
        "㍻",
        "ー",
        "三",
        "回",
        "<",
        "&",
    ]
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        for _ in range(count)
    ]


def _fuzz_terms(text: str, rng: random.Random) -> list[str]:
    folded = fold(text)[0]
    terms = ["停電", "らんさむ", "1"]
    if folded:
        at = rng.randrange(len(folded))
        terms.append(folded[at : at + rng.randint(1, 4)])
    return [term for term in dict.fromkeys(terms) if term]


# ---------------------------------------------------------------------------
# ``snippet``: the same as the reference
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "terms"), CASES)
@pytest.mark.parametrize("radius", [snippets.SNIPPET_RADIUS, 3])
def test_snippet_is_the_reference_folding_or_with_stored_offsets(text, terms, radius):
    fields = documents.folded_fields(text)
    expected = reference(text, terms, radius=radius)
    assert snippets.snippet(text, terms, radius=radius) == expected
    stored = reference(
        text, terms, folded=fields["folded"], offsets=fields["offsets"], radius=radius
    )
    for offsets in (fields["offsets"], documents.decode_offsets(fields["offsets"])):
        got = snippets.snippet(
            text, terms, folded=fields["folded"], offsets=offsets, radius=radius
        )
        assert isinstance(got, SafeString)
        assert got == stored


def test_snippet_is_the_reference_on_random_texts():
    rng = random.Random(7)
    for text in _fuzz_texts(400, seed=7):
        fields = documents.folded_fields(text)
        terms = _fuzz_terms(text, rng)
        for radius in (40, 2):
            assert snippets.snippet(text, terms, radius=radius) == reference(
                text, terms, radius=radius
            )
            assert snippets.snippet(
                text,
                terms,
                folded=fields["folded"],
                offsets=fields["offsets"],
                radius=radius,
            ) == reference(
                text,
                terms,
                folded=fields["folded"],
                offsets=fields["offsets"],
                radius=radius,
            )


def test_snippet_marks_a_match_after_astral_characters_where_it_is():
    html = str(snippets.snippet("𠮷" * 45 + "停電の報告", ["停電"]))
    assert html == "…" + "𠮷" * 40 + "<mark>停電</mark>の報告"


def test_the_fast_flattening_is_the_regular_expressions():
    rng = random.Random(3)
    alphabet = "停電 \n\t\r\u3000\xa0\u2028\x1c0123456789４" + "&<>\"'"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert snippets._flat(text) == _flat(text)
        expected = escape(_flat(text))
        assert snippets._clean(text) == expected
        # The cleaning chosen by what the window holds.
        digit = re.search("[0-9]", text) is not None
        special = re.search("[&<>\"']", text) is not None
        assert snippets._CLEAN[digit, special](text) == expected


# ---------------------------------------------------------------------------
# ``indexed_snippet``: the same as the reference over the stored columns
# ---------------------------------------------------------------------------


def _assert_indexed_is_reference(snap, rows, terms_of, radii=(40, 3)):
    assert snap.size == len(rows)
    for document, row in enumerate(rows):
        text, folded, offsets = row[6], row[5], row[7]
        for terms in terms_of(document, row):
            for radius in radii:
                got = snippets.indexed_snippet(snap, document, terms, radius)
                assert isinstance(got, SafeString)
                assert str(got) == str(
                    reference(
                        text, terms, folded=folded, offsets=offsets, radius=radius
                    )
                ), (text, terms, radius)


@pytest.mark.parametrize("in_delta", [0, 5])
def test_indexed_snippet_is_the_reference_on_the_edge_cases(in_delta):
    rows = [_row(pk, text) for pk, (text, _) in enumerate(CASES, start=1)]
    snap = _snapshot(rows, in_delta)
    cases = dict(enumerate(terms for _, terms in CASES))
    _assert_indexed_is_reference(
        snap, rows, lambda document, row: [cases[document], ["停電"], ["らんさむ"]]
    )


def test_indexed_snippet_is_the_reference_on_random_texts():
    rng = random.Random(11)
    texts = _fuzz_texts(300, seed=11)
    rows = [_row(pk, text) for pk, text in enumerate(texts, start=1)]
    snap = _snapshot(rows, in_delta=40)
    _assert_indexed_is_reference(
        snap, rows, lambda document, row: [_fuzz_terms(row[6], rng)]
    )


def test_indexed_snippet_without_ranked_codes_reads_the_folded_text():
    """Where ranks do not fit in a UTF-16 code unit (an alphabet of more than
    55,296 characters) the folded text itself is searched: the same excerpt."""
    rows = [_row(pk, text) for pk, (text, _) in enumerate(CASES, start=1)]
    snap = _snapshot(rows)
    assert snap.base.index._ranked
    snap.base.index._ranked = False
    assert snap.base.index.ranked_text(0) == rows[0][5]
    assert snap.base.index.ranked("停電") == "停電"
    cases = dict(enumerate(terms for _, terms in CASES))
    _assert_indexed_is_reference(snap, rows, lambda document, row: [cases[document]])


def test_ranked_text_finds_a_term_where_the_folded_text_does():
    texts = ["らんさむの被害と停電", "停電", "", "𠮷野家の停電"]
    built = index.BigramIndex(texts)
    for document, text in enumerate(texts):
        ranked = built.ranked_text(document)
        assert len(ranked) == len(text)
        for term in ("停電", "𠮷野家", "の", "らんさむの"):
            needle = built.ranked(term)
            assert needle is not None
            assert ranked.find(needle) == text.find(term)
    assert built.ranked("無い字") is None
    # A search's terms: those some text may hold, in order, with their length.
    terms = ["停電", "無い字", "𠮷野家", "の"]
    expected = [(built.ranked("停電"), 2), (built.ranked("𠮷野家"), 3)]
    expected.append((built.ranked("の"), 1))
    assert built.needles(terms) == expected
    assert built.needles(terms) == expected  # the same again
    assert built.needles(["無い字"]) == []


def test_strings_cut_is_a_slice_of_the_string():
    values = ["", "停電の報告", "𠮷野家の停電", "ab🙂c", "x" * 90]
    strings = index.Strings(values)
    for at, value in enumerate(values):
        assert strings.length(at) == len(value)
        for start in range(len(value) + 3):
            for end in range(len(value) + 3):
                assert strings.cut(at, start, end) == value[start:end]


# ---------------------------------------------------------------------------
# ``indexed_snippets``: a page's snippets at once, the window cleaned at once
# ---------------------------------------------------------------------------

# The window is cleaned at once with its marks in it (as tags, or as \x01/\x02
# where it holds something to escape): what a piece's start or end changes.
WINDOW_CASES: list[tuple[str, list[str]]] = [
    # A field number right after a mark's end (a piece's start), or not.
    (PAD + "出席3 日時\n4 協議" + PAD, ["出席"]),
    (PAD + "出席 3 日時" + PAD, ["出席"]),
    (PAD + "出席12\t場所" + PAD, ["出席"]),
    (PAD + "出席123 場所" + PAD, ["出席"]),
    (PAD + "出席3 " + "\n" + PAD, ["出席"]),
    (PAD + "出席3 <b>" + PAD, ["出席"]),
    (PAD + "出席3 日時 & 場所" + PAD, ["出席"]),
    # ... right after a mark's start: a term that starts with a digit and a space.
    (PAD + "会議室\n3 出席 計21名" + PAD, ["3 出席"]),
    (PAD + "会議室\n3 出席 計21名 <" + PAD, ["3 出席", "21"]),
    ("3 出席", ["3 出席"]),
    # A field number at the window's start (mid-line in the text).
    ("あ" * 37 + "計21 名の出席" + PAD, ["出席"]),
    ("あ" * 40 + "\n21 名の出席" + PAD, ["出席"]),
    # Whitespace at a mark's edges, whitespace only between marks.
    (PAD + "停電 \n 復旧" + PAD, ["停電", "復旧"]),
    (PAD + "停電\n\n" + PAD, ["停電"]),
    (PAD + "停電 \t 停電" + PAD, ["停電"]),
    (PAD + "停電 復旧" + PAD, ["停電 復旧", "停電"]),
    # The window holds the marks' control characters itself.
    (PAD + "停電\x01復旧\x02" + PAD, ["停電", "復旧"]),
    (PAD + "停電\x01復旧\x02<&>" + PAD, ["停電", "復旧"]),
    (PAD + "\x02停電\x01 3 日時 '\"" + PAD, ["停電"]),
    # A ">" of the text (escaped): not a mark's end for the field numbers.
    (PAD + "停電>3 日時" + PAD, ["停電"]),
    (PAD + "停電>\n3 日時" + PAD, ["停電"]),
    # Adjacent and overlapping matches of several terms (merged), unsorted.
    (PAD + "復旧停電停電復旧" + PAD, ["復旧", "停電", "電停"]),
    (PAD + "停電復旧" + PAD, ["電復", "停電", "復旧"]),
    # Points in the window (whitespace runs, NFKC, half-width kana) or none.
    (PAD + "停  電の  停電  と  ﾗﾝｻﾑ ㍻" + PAD, ["停電", "らんさむ", "平成"]),
    ("㍻" * 60 + "停電" + "㍻" * 60, ["停電", "成平"]),
    ("ﾗﾝｻﾑ" * 20 + "停電" + "ｶﾞｽ" * 20, ["停電", "がす", "むら"]),
    # Astral characters in the window (the original decoded whole).
    ("𠮷 3 日時" * 10 + "停電" + " 4 場所𠮷" * 10, ["停電", "日時"]),
]


def _window_texts(count: int, seed: int) -> list[str]:
    """Texts of what the window's cleaning looks at: digits and blanks (field
    numbers), whitespace runs, characters to escape, the marks' control
    characters, characters whose folding shifts the text."""
    rng = random.Random(seed)
    alphabet = [
        *"停電復旧の会 \n\t\u3000123<>&\"'\x01\x02",
        "\n3 ",
        " 12\t",
        "ﾗﾝ",
        "㍻",
        "𠮷",
    ]
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))
        for _ in range(count)
    ]


@pytest.mark.parametrize("in_delta", [0, 4])
def test_indexed_snippet_is_the_reference_on_the_window_cases(in_delta):
    rows = [_row(pk, text) for pk, (text, _) in enumerate(WINDOW_CASES, start=1)]
    snap = _snapshot(rows, in_delta)
    cases = dict(enumerate(terms for _, terms in WINDOW_CASES))
    _assert_indexed_is_reference(
        snap,
        rows,
        lambda document, row: [cases[document], ["停電"], ["3 日", "出席"]],
        radii=(40, 6, 2),
    )


def test_indexed_snippet_before_the_first_point_is_the_same_index():
    """Offsets without their first point "0:0" (the same text: before the first
    point a folded index is its original one): the same excerpts, by the
    mapping's identity before the first point, in and out of the window."""
    texts = [text for text, _ in CASES + WINDOW_CASES]
    texts += [PAD + "停電の  復旧" + PAD, "停電の  復旧と停電", "停電  " * 30]
    texts += ["停電あ  いう", "停電あい  う"]
    rows = []
    for pk, text in enumerate(texts, start=1):
        row = _row(pk, text)
        points = row[7].split()
        if points and points[0] == "0:0":
            row = (*row[:7], " ".join(points[1:]), *row[8:])
        rows.append(row)
    assert any(row[7] and not row[7].startswith("0:") for row in rows)
    snap = _snapshot(rows, in_delta=3)
    _assert_indexed_is_reference(
        snap,
        rows,
        lambda document, row: [["停電", "復旧"], ["出席"]],
        radii=(40, 3, 1),
    )


def test_indexed_snippet_is_the_reference_on_random_windows():
    rng = random.Random(5)
    texts = _window_texts(400, seed=5)
    rows = [_row(pk, text) for pk, text in enumerate(texts, start=1)]
    snap = _snapshot(rows, in_delta=50)
    terms = ["停電", "1", "3 ", "電復", "<"]

    def terms_of(document: int, row: tuple) -> list[list[str]]:
        folded = row[5]
        chosen = list(terms)
        if folded:
            at = rng.randrange(len(folded))
            chosen.append(folded[at : at + rng.randint(1, 3)])
        return [[term for term in dict.fromkeys(chosen) if term]]

    _assert_indexed_is_reference(snap, rows, terms_of, radii=(40, 5, 1))


def test_indexed_snippets_are_each_documents_snippet_in_order():
    """A page's snippets at once: documents of the base and of the delta mixed,
    repeated, in any order; each the reference."""
    rows = [_row(pk, text) for pk, (text, _) in enumerate(CASES, start=1)]
    snap = _snapshot(rows, in_delta=6)
    order = list(range(len(rows))) * 2
    random.Random(2).shuffle(order)
    terms = ["停電", "らんさむ", "出席"]
    got = snippets.indexed_snippets([(snap, document) for document in order], terms)
    assert len(got) == len(order)
    for document, excerpt in zip(order, got, strict=True):
        assert isinstance(excerpt, SafeString)
        text, folded, offsets = rows[document][6], rows[document][5], rows[document][7]
        expected = reference(text, terms, folded=folded, offsets=offsets)
        assert str(excerpt) == str(expected)
    # Only the base, only the delta, nothing.
    assert snippets.indexed_snippets([(snap, 0)], terms) == [
        snippets.indexed_snippet(snap, 0, terms)
    ]
    last = len(rows) - 1
    assert (
        snippets.indexed_snippets([(snap, last), (snap, last)], terms)
        == [snippets.indexed_snippet(snap, last, terms)] * 2
    )
    assert snippets.indexed_snippets([], terms) == []


def test_a_parts_attachment_is_read_through_its_views():
    rows = [
        _row(1, "停電"),
        _row(2, "給水車", attachment=7, page=3),
        _row(3, "復旧", attachment=9, page=None),
    ]
    rows[1] = (*rows[1][:9], "𠮷野家の資料", rows[1][10])
    part = index.Part.from_rows(rows, 3)
    assert part.attachment(0) == (None, "", None)
    assert part.attachment(1) == (7, "𠮷野家の資料", 3)
    assert part.attachment(2) == (9, "会議資料(R6.7.1)", None)
    # Plain ints, not numpy scalars.
    assert type(part.attachment(1)[0]) is int
    assert type(part.attachment(1)[2]) is int
    snap = _snapshot(rows, in_delta=1)
    assert [snap.attachment(document) for document in range(3)] == [
        part.attachment(document) for document in range(3)
    ]


# ---------------------------------------------------------------------------
# Through the search page: a page and an attachment page
# ---------------------------------------------------------------------------


def _section(text: str) -> list[dict]:
    return [
        {
            "kind": "explanation",
            "speaker": "危機管理政策課",
            "group": "main",
            "items": [{"marker": "・", "text": text, "children": []}],
        }
    ]


def _pdf(*pages: str) -> bytes:
    from weasyprint import HTML

    body = "".join(f'<p style="page-break-after: always">{text}</p>' for text in pages)
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


@pytest.mark.django_db
def test_the_page_shows_the_reference_snippets_of_a_page_and_an_attachment_page(
    client, approver
):
    meeting = make_meeting(
        status="review",
        sections=_section("𠮷野家の前で" + "ﾗﾝｻﾑｳｪｱ" + "の被害。" * 20 + "給水車"),
    )
    services.attachment_add(
        meeting=meeting,
        label="会議資料(R6.7.1)",
        content=_pdf("表紙", "避難所の開設状況と給水車の配置"),
    )
    services.meeting_publish(meeting=meeting, user=approver, check_permission=False)
    query = "らんさむ 給水車"
    response = client.get(reverse("public:search"), {"q": query})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    terms = search.parse_query(query).terms
    rows = SearchDocument.objects.filter(meeting=meeting)
    page = rows.get(kind="page")
    attachment = rows.get(kind="attachment", page=2)
    for row in (page, attachment):
        expected = str(
            reference(row.text, terms, folded=row.folded, offsets=row.offsets)
        )
        assert "<mark>" in expected
        assert expected in html
    # らんさむ is expanded (らんさむうぇあ): the longer match is marked.
    assert "・𠮷野家の前で<mark>ﾗﾝｻﾑｳｪｱ</mark>の被害。" in html
    assert "<mark>給水車</mark>の配置" in html
    # The hit names the documents shown by their place in the index.
    state = public_state(search_documents=True)
    outcome = engine.search(search.parse_query(query), engine.parse_filters({}), state)
    (hit,) = outcome.hits([meeting.pk])
    assert hit.snapshot is outcome.snapshot
    assert hit.page_document == page.pk
    assert hit.attachment_documents == [attachment.pk]
    assert {pk: hit.snapshot.ids[at] for pk, at in hit.shown.items()} == {
        page.pk: page.pk,
        attachment.pk: attachment.pk,
    }
    assert hit.snapshot.attachment(hit.shown[attachment.pk])[1:] == (
        "会議資料(R6.7.1)",
        2,
    )
