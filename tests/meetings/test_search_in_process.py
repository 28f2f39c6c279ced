"""What the search keeps in process: the snippets' originals in the index (byte
buffers, decoded offsets), facet counts over arrays; checked against the rows."""

from __future__ import annotations

import random

import numpy as np
import pytest
from django.urls import reverse

from meetings import search
from meetings.models import SearchDocument
from meetings.search import engine, index, snippets
from meetings.search.documents import decode_offsets
from meetings.views.public import public_state
from tests.factories import make_meeting
from tests.meetings.public_builders import _fresh_public_cache

__all__ = ["_fresh_public_cache"]


def test_strings_and_points_give_back_what_they_were_built_from():
    values = ["", "停電", "ａｂｃ　ランサム", "x" * 300, "絵文字🙂も"]
    strings = index.Strings(values)
    assert [strings[i] for i in range(len(values))] == values
    encoded = ["", "0:0", "3:4 7:9 12:20", "0:0 1:3"]
    points = index.Points(encoded)
    assert [points[i] for i in range(len(encoded))] == [
        decode_offsets(value) for value in encoded
    ]


@pytest.mark.django_db
def test_the_index_holds_each_documents_original_text_and_offsets(client):
    meetings = [
        make_meeting(
            status="published",
            held_on=f"2024-0{n + 1}-10",
            agenda=[f"「ﾗﾝｻﾑｳｪｱ第{n}報」について"],
        )
        for n in range(3)
    ]
    assert client.get(reverse("public:search"), {"q": "ランサム"}).status_code == 200
    state = public_state(search_documents=True)
    snap = index.snapshot(state, engine.facts(state))
    rows = {row.pk: row for row in SearchDocument.objects.filter(meeting__in=meetings)}
    assert len(rows) == snap.size == 3
    for document, pk in enumerate(snap.ids.tolist()):
        original = snap.original(document)
        row = rows[pk]
        assert original.text == row.text
        assert original.offsets == decode_offsets(row.offsets)
        assert (original.attachment_id, original.page) == (None, None)
        assert snap.folded(document) == row.folded
        # The same excerpt as from the stored columns.
        assert snippets.snippet(
            row.text, ["ランサム"], folded=row.folded, offsets=original.offsets
        ) == snippets.snippet(
            row.text, ["ランサム"], folded=row.folded, offsets=row.offsets
        )


def _random_columns(rng: random.Random, size: int) -> engine.Columns:
    """Columns of ``size`` meetings, newest first, with random types, incidents
    and speakers (0-4 of 12 departments each)."""

    def pairs(count: int, most: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        owner: list[int] = []
        code: list[int] = []
        for place in range(size):
            for name in rng.sample(range(count), rng.randint(0, most)):
                owner.append(place)
                code.append(name)
        return (
            [f"値{n}" for n in range(count)],
            np.array(owner, dtype=np.int64),
            np.array(code, dtype=np.int64),
        )

    years = sorted((rng.randint(2015, 2025) for _ in range(size)), reverse=True)
    return engine.Columns(
        list(range(size)),
        {pk: pk for pk in range(size)},
        np.arange(size, dtype=np.int64),
        np.array(years, dtype=np.int64),
        np.array([rng.choice([3, 5, 8]) for _ in range(size)], dtype=np.int64),
        np.arange(size, dtype=np.int64)[::-1].copy(),
        *pairs(5, 2),
        *pairs(12, 4),
    )


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("size", [1, 7, 400])
def test_facet_counts_equal_a_direct_count_as_bits_and_as_pairs(share, size):
    """Counted as rows of bits (``facet_bits``, any size: not a multiple of 8
    included) and as (owner, code) pairs, the counts are those of a loop."""
    rng = random.Random(f"{share}-{size}")
    columns = _random_columns(rng, size)
    assert columns.facet_bits is not None
    kept = np.array([rng.random() < share for _ in range(size)], dtype=bool)
    places = np.flatnonzero(kept).tolist()
    direct_years = [
        sum(columns.fiscal_year[p] == year for p in places) for year in columns.years
    ]
    direct_types = [
        sum(columns.type_id[p] == pk for p in places) for pk in columns.type_ids
    ]

    def direct_pairs(owner: np.ndarray, code: np.ndarray, count: int) -> list[int]:
        out = [0] * count
        for place, value in zip(owner.tolist(), code.tolist(), strict=True):
            if kept[place]:
                out[value] += 1
        return out

    direct = (
        direct_years,
        direct_types,
        direct_pairs(
            columns.incident_owner, columns.incident_code, len(columns.incident_keys)
        ),
        direct_pairs(
            columns.speaker_owner, columns.speaker_code, len(columns.speaker_names)
        ),
    )
    as_bits = columns.facet_counts(kept)
    columns.facet_bits = None
    as_pairs = columns.facet_counts(kept)
    for found in (as_bits, as_pairs):
        assert [list(map(int, counts)) for counts in found] == [
            list(map(int, counts)) for counts in direct
        ]


def test_too_many_facet_values_are_counted_as_pairs(monkeypatch):
    rng = random.Random(3)
    monkeypatch.setattr(engine, "FACET_BITS_MAX_ROWS", 10)
    columns = _random_columns(rng, 50)
    assert columns.facet_bits is None
    kept = np.ones(50, dtype=bool)
    years, types, incidents, speakers = columns.facet_counts(kept)
    assert sum(years) == sum(types) == 50
    assert int(incidents.sum()) == len(columns.incident_code)
    assert int(speakers.sum()) == len(columns.speaker_code)


def test_ranked_names_are_most_common_first_ties_in_first_seen_order():
    assert engine._ranked(["a", "b", "c", "d"], np.array([2, 5, 2, 0])) == [
        ("b", 5),
        ("a", 2),
        ("c", 2),
    ]


def test_a_snippet_escapes_as_django_does():
    html = str(search.snippet("<b>\"停電\"</b> & 'x'", ["停電"]))
    assert (
        html == "&lt;b&gt;&quot;<mark>停電</mark>&quot;&lt;/b&gt; &amp; &#x27;x&#x27;"
    )


@pytest.mark.django_db
def test_refs_of_published_are_refs_by_meeting_of_the_published_meetings(approver):
    from meetings import services
    from meetings.extensions import related
    from meetings.models import Meeting
    from tests.incidents.conftest import make_incident

    published = [make_meeting(status="published") for _ in range(3)]
    draft = make_meeting()
    withdrawn = make_meeting(status="published")
    services.meeting_withdraw(meeting=withdrawn, user=approver)
    public = make_incident(title="公開の事案", is_public=True)
    hidden = make_incident(title="非公開の事案", is_public=False)
    for meeting in [*published[:2], draft, withdrawn]:
        public.links.create(meeting=meeting)
        hidden.links.create(meeting=meeting)
    ids = list(Meeting.objects.published().values_list("pk", flat=True))
    expected = {pk: refs for pk, refs in related().refs_by_meeting(ids).items() if refs}
    found = related().refs_of_published()
    assert found == expected
    assert set(found) == {published[0].pk, published[1].pk}
    assert [ref.title for ref in found[published[0].pk]] == ["公開の事案"]
