"""The public state (meetings.public_state): tokens written by database triggers in
the same transaction as every change of what the public sees, read in one query."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from meetings import public_state, search, services
from meetings.models import (
    Meeting,
    MeetingType,
    Organisation,
    PublicStateToken,
    SearchDocument,
    SearchSynonym,
)
from meetings.views.public import public_state as state
from tests.factories import make_meeting
from tests.incidents.conftest import make_incident
from tests.meetings.public_builders import _fresh_public_cache, publish_many

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]


def _item(text: str) -> list[dict]:
    return [
        {
            "kind": "explanation",
            "speaker": "危機管理政策課",
            "group": "main",
            "items": [{"marker": "・", "text": text, "children": []}],
        }
    ]


def _both() -> tuple[str, str]:
    return state(), state(search_documents=True)


def test_state_is_one_query_whatever_the_number_of_meetings(
    django_assert_num_queries,
):
    publish_many(30)
    with django_assert_num_queries(1) as captured:
        state(search_documents=True)
    sql = captured.captured_queries[0]["sql"]
    assert "COUNT" not in sql.upper()
    assert Meeting._meta.db_table not in sql


def test_every_change_of_the_published_set_changes_the_state(approver):
    seen = {_both()}

    def changed() -> None:
        now = _both()
        assert now not in seen
        assert now[0] not in {s[0] for s in seen}
        seen.add(now)

    meeting = make_meeting(status="published", sections=_item("最初の版"))
    changed()
    # A correction: a new current publication.
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    meeting.refresh_from_db()
    services.meeting_publish(
        meeting=meeting, user=approver, correction_note="訂正", check_permission=False
    )
    changed()
    services.meeting_withdraw(meeting=meeting, user=approver)
    changed()
    # Published again (the same status as two steps ago: still a new state).
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED)
    changed()
    # Bulk inserts and raw updates, as the test builders and scripts write.
    publish_many(2)
    changed()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Meeting._meta.db_table} SET status = 'withdrawn' WHERE id = %s",
            [meeting.pk],
        )
    changed()
    MeetingType.objects.filter(pk=meeting.meeting_type_id).update(name="改名した会議")
    changed()
    published = Meeting.objects.published().first()
    assert published is not None
    # Published rows are protected from deletion; without a current publication
    # a meeting leaves the published set too.
    Meeting.objects.filter(pk=published.pk).update(current_publication=None)
    changed()


def test_related_records_change_the_state():
    meeting = make_meeting(status="published")
    before = state()
    incident = make_incident()
    after_incident = state()
    assert after_incident != before
    link = incident.links.create(meeting=meeting)
    after_link = state()
    assert after_link not in {before, after_incident}
    type(incident).objects.filter(pk=incident.pk).update(title="改題")
    after_title = state()
    assert after_title not in {before, after_incident, after_link}
    link.delete()
    assert state() not in {before, after_incident, after_link, after_title}


def test_drafts_and_unpublished_edits_leave_the_state_alone():
    published = make_meeting(status="published")
    draft = make_meeting()
    before = _both()
    Meeting.objects.filter(pk=draft.pk).update(lead="下書きのリード文")
    Meeting.objects.filter(pk=draft.pk).update(status=Meeting.Status.REVIEW)
    # A correction in progress: the live rows change, not the publication.
    Meeting.objects.filter(pk=published.pk).update(lead="訂正中のリード文")
    make_meeting(status="review")
    assert _both() == before


def test_search_documents_and_the_thesaurus_change_the_search_state_only():
    make_meeting(status="published", sections=_item("停電"))
    before = _both()
    SearchDocument.objects.update(speakers="危機管理政策課")
    after_documents = _both()
    assert after_documents[0] == before[0]
    assert after_documents[1] != before[1]
    SearchSynonym.objects.create(terms="停電\nブラックアウト")
    after_synonym = _both()
    assert after_synonym[0] == before[0]
    assert after_synonym[1] not in {before[1], after_documents[1]}
    seen = {before[1], after_documents[1], after_synonym[1]}
    organisation = Organisation.objects.create(name="旧名", kind="department")
    after_organisation = _both()
    assert after_organisation[0] == before[0]
    assert after_organisation[1] not in seen
    seen.add(after_organisation[1])
    Organisation.objects.filter(pk=organisation.pk).update(name="新名")
    assert _both()[1] not in seen


def test_a_synonym_written_without_signals_applies_to_the_next_search(client):
    make_meeting(status="published", sections=_item("大規模なブラックアウトが起きた。"))
    html = client.get(reverse("public:search"), {"q": "全域停止"}).content.decode()
    assert "ブラックアウト" not in html
    # bulk_create sends no post_save: only the trigger tells the search.
    SearchSynonym.objects.bulk_create([SearchSynonym(terms="全域停止\nブラックアウト")])
    html = client.get(reverse("public:search"), {"q": "全域停止"}).content.decode()
    assert "<mark>ブラックアウト</mark>" in html


def test_the_thesaurus_is_read_once_per_state(django_assert_num_queries):
    make_meeting(status="published", sections=_item("停電"))
    first = search.thesaurus(state(search_documents=True))
    key = state(search_documents=True)
    with django_assert_num_queries(0):
        again = search.thesaurus(key)
    assert again is first
    # A queryset update sends no signal: the state alone tells.
    SearchSynonym.objects.bulk_create([SearchSynonym(terms="停電\n電力途絶")])
    rebuilt = search.thesaurus(state(search_documents=True))
    assert rebuilt is not first
    assert ("電力途絶", search.normalize("電力途絶")) in [
        member
        for groups in rebuilt.equal.values()
        for group in groups
        for member in group
    ]


def test_every_trigger_is_installed_after_the_migrations():
    # A later migration that rebuilds a table (SQLite) drops its triggers; they
    # are installed again after every migrate, so none is missing in a test run.
    assert public_state.install() == 0
    expected = {
        name
        for watch in public_state.watched()
        for name, _ in public_state._statements(watch, connection.vendor)
    }
    assert expected <= public_state._existing(connection).keys()
    assert {"incidents_incident", "incidents_incidentlink"} <= {
        watch.table for watch in public_state.watched()
    }


def test_a_rolled_back_change_leaves_the_state_as_it_was():
    from django.db import transaction

    make_meeting(status="published")
    before = _both()
    with pytest.raises(RuntimeError), transaction.atomic():
        Meeting.objects.update(status=Meeting.Status.WITHDRAWN)
        assert state() != before[0]  # the writing transaction sees its change
        raise RuntimeError
    assert _both() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL"
)
def test_concurrent_writers_never_wait_for_each_other_and_both_change_the_state():
    first, second = publish_many(2)
    before = state()
    ready = threading.Event()
    release = threading.Event()
    failures: list[BaseException] = []

    def other_writer() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                Meeting.objects.filter(pk=first.pk).update(status="withdrawn")
                ready.set()
                release.wait(10)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert ready.wait(10)
    try:
        with connection.cursor() as cursor:
            # Would wait for the other transaction if both wrote one row.
            cursor.execute("SET lock_timeout = '2s'")
            Meeting.objects.filter(pk=second.pk).update(status="withdrawn")
            cursor.execute("SET lock_timeout = 0")
        after_mine = state()
        assert after_mine != before
    finally:
        release.set()
        thread.join(10)
    assert not failures
    after_both = state()
    assert after_both not in {before, after_mine}
    assert PublicStateToken.objects.filter(kind=public_state.PUBLISHED).count() <= 2


# -- the state read as the connection's health check ------------------------------

needs_health_checks = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="CONN_HEALTH_CHECKS: PostgreSQL"
)


@needs_health_checks
@pytest.mark.django_db(transaction=True)
def test_the_state_read_takes_the_place_of_the_health_check(monkeypatch):
    assert connection.health_check_enabled
    expected = state(search_documents=True)
    checks: list[bool] = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(True) or real())
    # What request_started does (close_old_connections) for a kept connection.
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is not None and not connection.health_check_done
    assert state(search_documents=True) == expected
    assert checks == []  # no SELECT 1 before the read
    assert connection.health_check_done


@needs_health_checks
@pytest.mark.django_db(transaction=True)
def test_a_dead_connection_is_replaced_when_the_state_read_checks_it():
    expected = state(search_documents=True)
    dead = connection.connection
    dead.close()  # the server went away under a kept connection
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is dead
    assert state(search_documents=True) == expected
    assert connection.connection is not dead and not connection.connection.closed


@needs_health_checks
@pytest.mark.django_db(transaction=True)
def test_without_a_check_due_a_dead_connection_still_fails_as_before():
    from django.db import InterfaceError

    state(search_documents=True)
    connection.connection.close()
    assert connection.health_check_done  # checked already in this request
    with pytest.raises(InterfaceError):
        state(search_documents=True)
    connection.close()
