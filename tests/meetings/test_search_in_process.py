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


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_facet_counts_over_pairs_equal_a_direct_count(share):
    rng = random.Random(share)
    size = 400
    names = [f"課{n}" for n in range(12)]
    owner: list[int] = []
    code: list[int] = []
    for place in range(size):
        for name in rng.sample(range(len(names)), rng.randint(0, 4)):
            owner.append(place)
            code.append(name)
    owner_array = np.array(owner, dtype=np.int64)
    kept = np.array([rng.random() < share for _ in range(size)], dtype=bool)
    counted = dict(
        engine._counts(names, engine._starts(owner_array, size), np.array(code), kept)
    )
    direct: dict[str, int] = {}
    for place, name in zip(owner, code, strict=True):
        if kept[place]:
            direct[names[name]] = direct.get(names[name], 0) + 1
    assert counted == direct


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
