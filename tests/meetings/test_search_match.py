"""The in-process index's matching (``index.BigramIndex.match``, ``Snapshot.match``)
against a plain ``term in text``, and the search's list of meetings found."""

from datetime import UTC, datetime
from random import Random

import numpy as np
import pytest
from django.core.paginator import Paginator

from meetings.search import engine, index
from meetings.search.index import BigramIndex

# Folded alphabets (no character beyond the BMP: the folded texts hold none),
# small so that terms repeat, overlap and run across documents' bounds.
ALPHABETS = ["あ", "あい", "あいう", "情報提供", "ab", "ほむぺじ報"]


def _texts(rng: Random, alphabet: str) -> list[str]:
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for _ in range(rng.randint(1, 14))
    ]


def _terms(rng: Random, alphabet: str, texts: list[str]) -> list[str]:
    """Random terms of 1 to 6 characters, and pieces of the texts (found), at
    their starts and ends included."""
    terms = [
        "".join(rng.choice(alphabet + "x") for _ in range(rng.randint(1, 6)))
        for _ in range(25)
    ]
    for text in texts:
        if text:
            length = rng.randint(1, min(6, len(text)))
            terms += [text[:length], text[-length:]]
            start = rng.randrange(len(text))
            terms.append(text[start : start + rng.randint(1, 6)])
    return terms


@pytest.mark.parametrize("seed", range(6))
def test_a_term_matches_exactly_the_texts_that_hold_it(seed):
    rng = Random(seed)
    for _ in range(40):
        alphabet = rng.choice(ALPHABETS)
        texts = _texts(rng, alphabet)
        built = BigramIndex(texts)
        for term in _terms(rng, alphabet, texts):
            assert built.match(term).tolist() == [term in text for text in texts], (
                texts,
                term,
            )


def test_overlapping_repeats_and_the_documents_bounds():
    texts = ["あああ", "ああああ", "あ", "", "あああxああああ", "ああ", "あいああ"]
    built = BigramIndex(texts)
    for term in ["あ", "ああ", "あああ", "ああああ", "あああああ", "ああい", "いああ"]:
        assert built.match(term).tolist() == [term in text for text in texts], term
    # Never across the separator between two documents, nor past the corpus'
    # ends (the term's rarest bigram at the first text's start, the last's end).
    texts = ["供情報", "提供情", "報提"]
    built = BigramIndex(texts)
    for term in ["情報提供", "報提供", "提供情報", "供情報提", "報提供情", "情報提"]:
        assert not built.match(term).any(), term
    assert built.match("提供情").tolist() == [False, True, False]
    assert built.match("供情報").tolist() == [True, False, False]


def test_a_document_whose_first_occurrence_fails_is_matched_by_a_later_one():
    # いう is the term's rarest bigram; its first occurrence in each text is not
    # the term's, a later one (or none) is.
    texts = [
        "xいう yいう あいう",
        "いういう",
        "あい あい あい あい あい",
        "zいうあいう",
    ]
    built = BigramIndex(texts)
    assert built.match("あいう").tolist() == [True, False, False, True]
    assert built.match("いうあ").tolist() == [False, False, False, True]
    assert built.match("いういう").tolist() == [False, True, False, False]


def test_a_bigram_repeated_beyond_sixteen_bits_in_one_text():
    texts = ["あ" * 70_000 + "い", "いあああ", "ああい"]
    built = BigramIndex(texts)
    assert built.runs.dtype == np.int32
    assert built.match("あああい").tolist() == [True, False, False]
    assert built.match("ああい").tolist() == [True, False, True]
    assert built.match("いああ").tolist() == [False, True, False]
    assert built.nbytes >= built.runs.nbytes + built.codes.nbytes


def _part(texts: list[str], first_id: int) -> index.Part:
    published = datetime(2024, 4, 1, tzinfo=UTC)
    rows = [
        (first_id + i, first_id + i, first_id + i, "page", published, text, text)
        + ("", None, "", None)
        for i, text in enumerate(texts)
    ]
    return index.Part.from_rows(rows, first_id + len(texts))


@pytest.mark.parametrize("seed", range(3))
def test_the_snapshot_matches_its_base_and_delta_current_documents(seed):
    rng = Random(100 + seed)
    for _ in range(20):
        alphabet = rng.choice(ALPHABETS)
        base_texts, delta_texts = _texts(rng, alphabet), _texts(rng, alphabet)
        texts = base_texts + delta_texts
        alive = np.array([rng.random() < 0.7 for _ in texts], dtype=bool)
        base = _part(base_texts, 1)
        delta = _part(delta_texts, 1000)
        snap = index.Snapshot(
            ("state", 0),
            base,
            delta,
            alive,
            np.zeros(len(texts), dtype=np.int64),
            np.concatenate([base.ids, delta.ids]),
            np.concatenate([base.pages, delta.pages]),
        )
        for term in _terms(rng, alphabet, texts):
            assert snap.match(term).tolist() == [
                bool(current) and term in text
                for text, current in zip(texts, alive, strict=True)
            ], (texts, term)


def test_the_meetings_found_are_read_by_the_paginator_a_page_at_a_time():
    pks = np.array([50, 40, 30, 20, 10], dtype=np.int64)
    ids = engine.MeetingIds(pks, np.array([4, 0, 3, 1], dtype=np.int64))
    assert len(ids) == 4
    assert ids[1:3] == [50, 20]
    assert all(type(pk) is int for pk in ids[0:4])
    assert ids[0] == 10 and ids[-1] == 40
    assert list(ids) == [10, 50, 20, 40] and ids == [10, 50, 20, 40]
    page = Paginator(ids, 3).get_page(2)
    assert page.object_list == [40]
    assert page.paginator.count == 4 and page.paginator.num_pages == 2
    assert engine.MeetingIds(pks, np.zeros(0, dtype=np.int64)) == []
