"""The search results' rows come from the search's facts (``engine.facts``: each
published meeting's summary, kept per process with its facets), not from a query
or the cache: the same HTML as ``views.public.summary_rows`` (``render_summary``),
the current publication only, and a rebuild reads only the publications it has not
seen."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix

from meetings import services
from meetings.models import Meeting, Publication
from meetings.search import engine
from meetings.search.documents import index_publication
from meetings.views import public
from tests.meetings.public_builders import _fresh_public_cache, publish_many
from tests.meetings.test_public_summary import _make_cases, _old_summaries, _wanted

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]

# The query that reads publications for their summaries (publication_summaries).
SUMMARY_SELECT = "SELECT p.id, p.title, p.held_on"


def _state() -> str:
    return public.public_state(search_documents=True)


def _search(client, q: str, **params) -> str:
    response = client.get(reverse("public:search"), {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def _titles(html: str) -> list[str]:
    return re.findall(r'<p class="meeting-row-title"><a href="[^"]+">([^<]+)</a>', html)


def _summary_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if SUMMARY_SELECT in q["sql"]]


def _correct(meeting: Meeting, title: str) -> Publication:
    """A correction as ``services.meeting_publish`` writes it: a new publication
    (the old one kept), the meeting's current publication, its documents."""
    assert meeting.current_publication_id is not None
    old = Publication.objects.get(pk=meeting.current_publication_id)
    new = Publication.objects.create(
        meeting=meeting,
        number=old.number + 1,
        published_at=old.published_at + timedelta(seconds=1),
        meeting_version=old.meeting_version,
        title=title,
        held_on=old.held_on,
        data={**old.data, "agenda": ["「訂正後の議題」について"]},
        text=old.text,
        html=old.html,
    )
    Meeting.objects.filter(pk=meeting.pk).update(current_publication=new)
    index_publication(new)
    return new


@pytest.fixture
def no_row_cache(monkeypatch):
    """Fail if the rows' summaries are read from or written to the cache."""

    def refuse(*args, **kwargs):
        raise AssertionError("the search read or wrote the rows' cache")

    monkeypatch.setattr(public, "safe_get_many", refuse)
    monkeypatch.setattr(public, "safe_set_many", refuse)


@pytest.mark.parametrize("prefix", ["/", "/kiki/"])
def test_rows_from_the_facts_equal_summary_rows(prefix):
    cases = _make_cases()
    wanted = _wanted(list(cases.values()))
    state = _state()
    engine.facts(state)
    try:
        set_script_prefix(prefix)
        expected = [str(row.summary) for row in public.summary_rows(wanted)]
        with CaptureQueriesContext(connection) as captured:
            rows = public.search_rows(state, wanted)
    finally:
        set_script_prefix("/")
    assert captured.captured_queries == []
    assert [row.publication_id for row in rows] == [pub for _, pub, _ in wanted]
    assert [str(row.summary) for row in rows] == expected
    assert len(set(expected)) == len(cases)
    for (pk, _, _), row in zip(wanted, rows, strict=True):
        public_id = Meeting.objects.get(pk=pk).public_id
        assert f'<a href="{prefix}meetings/{public_id}/">' in str(row.summary)


def test_search_page_shows_the_summaries_as_the_template_rendered_them(
    client, no_row_cache
):
    cases = _make_cases()
    expected = _old_summaries([m.pk for m in cases.values()])
    html = _search(client, "テストの説明")
    rows = re.findall(
        r'<li class="meeting-row">(.*?)<p class="meeting-row-snippet"', html, re.S
    )
    assert len(rows) == len(cases)
    assert set(rows) == set(expected.values())


@pytest.mark.parametrize("page", [1, 2])
def test_first_time_search_reads_no_row_whatever_the_number_of_hits(
    client, django_assert_num_queries, no_row_cache, page
):
    from django.core.cache import cache

    publish_many(3, extra_text="共通語句{n}")
    _search(client, "該当なし")  # the thesaurus and the facts, once a state
    cache.clear()
    # The public state only (before: a second query for the rows not cached).
    with django_assert_num_queries(1):
        html = _search(client, "共通語句")
    assert len(_titles(html)) == 3
    publish_many(200, first_day=date(2022, 4, 1), extra_text="共通語句{n}")
    _search(client, "該当なし")
    cache.clear()
    with django_assert_num_queries(1):
        html = _search(client, "共通語句", page=page)
    assert "開催結果:203件" in html
    assert len(_titles(html)) == 20


def test_a_correction_shows_its_new_title_at_the_next_search(
    client, monkeypatch, no_row_cache
):
    (meeting,) = publish_many(1, extra_text="訂正対象の語句")
    old_title = meeting.title
    assert _titles(_search(client, "訂正対象")) == [old_title]
    new = _correct(meeting, "訂正後の表題<&>")
    html = _search(client, "訂正対象")
    assert _titles(html) == ["訂正後の表題&lt;&amp;&gt;"]
    assert "「訂正後の議題」について" in html
    assert old_title not in html
    # The same HTML as the archive's rows.
    monkeypatch.undo()
    (expected,) = public.summary_rows(_wanted([meeting]))
    assert expected.publication_id == new.pk
    assert str(expected.summary) in html


def test_a_withdrawn_meeting_disappears(
    client, approver, no_row_cache, django_assert_num_queries
):
    kept, withdrawn = publish_many(2, extra_text="取下げ確認の語句")
    assert sorted(_titles(_search(client, "取下げ確認"))) == sorted(
        [kept.title, withdrawn.title]
    )
    stale = _wanted([withdrawn])
    services.meeting_withdraw(meeting=withdrawn, user=approver)
    html = _search(client, "取下げ確認")
    assert _titles(html) == [kept.title]
    assert str(withdrawn.public_id) not in html
    # Asked with the row of an older state: the new facts do not have it (not
    # published in this state): left out, without a query.
    state = _state()
    engine.facts(state)
    with django_assert_num_queries(0):
        assert public.search_rows(state, stale) == []


def test_first_build_reads_every_summary_in_one_query():
    meetings = publish_many(5)
    engine._facts.clear()
    with CaptureQueriesContext(connection) as captured:
        known = engine.facts(_state())
    (sql,) = _summary_queries(captured)
    assert " IN (" not in sql  # every published meeting's current publication
    assert known.summaries is not None
    assert known.summaries.rendered == len(meetings)


def test_a_rebuild_reads_only_the_publications_not_seen_before():
    meetings = publish_many(30)
    engine._facts.clear()
    first = engine.facts(_state())
    assert first.summaries is not None and first.summaries.rendered == 30
    corrected = _correct(meetings[3], "訂正後の表題")
    (added,) = publish_many(1, first_day=date(2025, 1, 6))
    with CaptureQueriesContext(connection) as captured:
        second = engine.facts(_state())
    assert second is not first
    # One query, by primary key, for the two publications not seen before (the
    # SQL as logged, with its parameters in place).
    (sql,) = _summary_queries(captured)
    (ids,) = re.findall(r" IN \(([^)]*)\)", sql)
    assert {int(pk) for pk in ids.split(",")} == {
        corrected.pk,
        added.current_publication_id,
    }
    assert second.summaries is not None and second.summaries.rendered == 2
    wanted = _wanted([*meetings, added])
    assert [str(row.summary) for row in public.search_rows(_state(), wanted)] == [
        str(row.summary) for row in public.summary_rows(wanted)
    ]
    # A change of the state without a new publication reads no summary.
    third_state = _bump_state()
    with CaptureQueriesContext(connection) as captured:
        third = engine.facts(third_state)
    assert _summary_queries(captured) == []
    assert third.summaries is not None and third.summaries.rendered == 0
    assert [str(row.summary) for row in public.search_rows(third_state, wanted)] == [
        str(row.summary) for row in public.summary_rows(wanted)
    ]


def _bump_state() -> str:
    """A new public state with the same publications: a meeting type renamed and
    back (its triggers write a new token)."""
    from meetings.models import MeetingType

    kind = MeetingType.objects.first()
    assert kind is not None
    name = kind.name
    MeetingType.objects.filter(pk=kind.pk).update(name=name + "x")
    MeetingType.objects.filter(pk=kind.pk).update(name=name)
    state = _state()
    assert state not in engine._facts
    return state


def test_a_summary_the_facts_could_not_read_is_read_by_summary_rows(monkeypatch):
    meetings = publish_many(3)
    wanted = _wanted(meetings)
    expected = [str(row.summary) for row in public.summary_rows(wanted)]
    # The facts built while the publications could not be read (gone meanwhile).
    monkeypatch.setattr(public, "publication_summaries", lambda ids: {})
    engine._facts.clear()
    state = _state()
    assert engine.facts(state).summary(wanted[0][0], wanted[0][1]) == ""
    monkeypatch.undo()
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        rows = public.search_rows(state, wanted)
    assert len(_summary_queries(captured)) == 0
    assert len(captured.captured_queries) == 1  # summary_rows' query
    assert [str(row.summary) for row in rows] == expected
