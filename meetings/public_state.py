"""The public state: tokens that change whenever what the public sees changes,
read in one small query (no COUNT over the meetings), exact whoever writes.

Database triggers (installed by migration 0019 and again after every ``migrate``:
SQLite drops a table's triggers when a later migration rebuilds the table) write a
random token into ``PublicStateToken`` in the same transaction as every change of:

- ``PUBLISHED``: a meeting published, corrected (its current publication),
  withdrawn, restored, deleted; a meeting type; the related records' tables
  (``extensions.related().state_tables()``: the incidents app's 事案 and links);
- ``DOCUMENTS``: the search documents (a publication, a rebuilt index);
- ``THESAURUS``: the synonyms, organisations and their aliases.

PostgreSQL: each writing transaction upserts its own row (kind, txid) with a new
random token, and deletes the rows of transactions already committed, skipping any
row another transaction holds (``SKIP LOCKED``): no transaction ever waits for
another here, so no lock order is added to the application's (a single row updated
by everyone would make a publication and an incident edit deadlock-prone). A kind's
token is the set of its rows: every commit that changed something adds a row never
seen before, a rolled-back transaction leaves nothing, and the writing transaction
itself sees its own changes at once (tests run inside one transaction). SQLite
writes one transaction at a time: one row per kind, replaced.

``TRUNCATE`` (the test runner's flush) empties the token table with the others; an
empty kind then stands for "no change since everything was emptied". The rows are
created at installation, so "empty" never stands for the rows migrations seed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import InterfaceError, OperationalError
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

PUBLISHED = 1
DOCUMENTS = 2
THESAURUS = 3
KINDS = (PUBLISHED, DOCUMENTS, THESAURUS)

FUNCTION = "meetings_public_state_changed"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_kind smallint := TG_ARGV[0]::smallint;
    v_xact bigint := txid_current();
BEGIN
    DELETE FROM {table} WHERE id IN (
        SELECT id FROM {table} WHERE kind = v_kind AND xact <> v_xact
        FOR UPDATE SKIP LOCKED
    );
    INSERT INTO {table} (kind, xact, token)
    VALUES (v_kind, v_xact, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (kind, xact) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$;
"""


@dataclass(frozen=True)
class Watch:
    """A table whose changes change ``kind``; ``meeting``: only rows of published
    meetings, or a change of status or current publication."""

    table: str
    kind: int
    meeting: bool = False

    @property
    def name(self) -> str:
        return f"{self.table}_public_state"


def watched() -> list[Watch]:
    from meetings.extensions import related
    from meetings.models import (
        Meeting,
        MeetingType,
        Organisation,
        OrganisationAlias,
        SearchDocument,
        SearchSynonym,
    )

    return [
        Watch(Meeting._meta.db_table, PUBLISHED, meeting=True),
        Watch(MeetingType._meta.db_table, PUBLISHED),
        *(Watch(table, PUBLISHED) for table in related().state_tables()),
        Watch(SearchDocument._meta.db_table, DOCUMENTS),
        Watch(SearchSynonym._meta.db_table, THESAURUS),
        Watch(Organisation._meta.db_table, THESAURUS),
        Watch(OrganisationAlias._meta.db_table, THESAURUS),
    ]


def _table() -> str:
    from meetings.models import PublicStateToken

    return PublicStateToken._meta.db_table


def _meeting_sql(vendor: str) -> list[tuple[str, str, str]]:
    """(suffix, event, condition) of the three triggers on the meetings."""
    from meetings.models import Meeting

    published = f"'{Meeting.Status.PUBLISHED.value}'"
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return [
        ("insert", "INSERT", f"NEW.status = {published}"),
        ("delete", "DELETE", f"OLD.status = {published}"),
        (
            "update",
            "UPDATE OF status, current_publication_id",
            f"(OLD.status = {published} OR NEW.status = {published}) AND "
            f"(OLD.status {distinct} NEW.status OR OLD.current_publication_id "
            f"{distinct} NEW.current_publication_id)",
        ),
    ]


def _statements(watch: Watch, vendor: str) -> list[tuple[str, str]]:
    """(trigger name, CREATE statement) of ``watch``; the name ends with a digest
    of the statement, so that a changed definition replaces the installed one."""
    named = []
    for name, statement in _definitions(watch, vendor):
        digest = hashlib.sha256(statement.encode()).hexdigest()[:8]
        full = f"{name}_{digest}"
        named.append((full, statement.replace(f"TRIGGER {name} ", f"TRIGGER {full} ")))
    return named


def _definitions(watch: Watch, vendor: str) -> list[tuple[str, str]]:
    table = _table()
    out = []
    if vendor == "postgresql":
        call = f"EXECUTE FUNCTION {FUNCTION}('{watch.kind}')"
        if watch.meeting:
            for suffix, event, condition in _meeting_sql(vendor):
                name = f"{watch.name}_{suffix}"
                out.append(
                    (
                        name,
                        f'CREATE TRIGGER {name} AFTER {event} ON "{watch.table}" '
                        f"FOR EACH ROW WHEN ({condition}) {call}",
                    )
                )
        else:
            out.append(
                (
                    watch.name,
                    f"CREATE TRIGGER {watch.name} AFTER INSERT OR UPDATE OR DELETE "
                    f'ON "{watch.table}" FOR EACH STATEMENT {call}',
                )
            )
    elif vendor == "sqlite":
        body = (
            f"BEGIN INSERT OR REPLACE INTO {table} (kind, xact, token) "
            f"VALUES ({watch.kind}, 0, lower(hex(randomblob(16)))); END"
        )
        if watch.meeting:
            events = [
                (f"{watch.name}_{suffix}", event, f"WHEN {condition}")
                for suffix, event, condition in _meeting_sql(vendor)
            ]
        else:
            events = [
                (f"{watch.name}_{event.lower()}", event, "")
                for event in ("INSERT", "UPDATE", "DELETE")
            ]
        for name, event, when in events:
            out.append(
                (
                    name,
                    f'CREATE TRIGGER {name} AFTER {event} ON "{watch.table}" '
                    f"FOR EACH ROW {when} {body}",
                )
            )
    return out


def _existing(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The installed triggers of the public state: name → table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
                "WHERE NOT tgisinternal AND tgname LIKE %s",
                ["%\\_public\\_state\\_%"],
            )
        else:
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE %s ESCAPE '\\'",
                ["%\\_public\\_state\\_%"],
            )
        return {name: table for name, table in cursor.fetchall()}


def _drop(vendor: str, name: str, table: str) -> str:
    if vendor == "postgresql":
        return f"DROP TRIGGER IF EXISTS {name} ON {table}"
    return f"DROP TRIGGER IF EXISTS {name}"


def _existing_tables(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def install(connection: BaseDatabaseWrapper | None = None) -> int:
    """Create the missing triggers (idempotent) and a token for each kind that has
    none; returns how many triggers were created."""
    connection = connection or default_connection
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        return 0
    tables = _existing_tables(connection)
    table = _table()
    if table not in tables:
        return 0
    have = _existing(connection)
    wanted = {
        name: (watch.table, statement)
        for watch in watched()
        if watch.table in tables
        for name, statement in _statements(watch, vendor)
    }
    created = 0
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(PG_FUNCTION.format(function=FUNCTION, table=table))
        for name, on_table in have.items():
            if name not in wanted:  # an older definition
                cursor.execute(_drop(vendor, name, on_table))
        for name, (_, statement) in wanted.items():
            if name not in have:
                cursor.execute(statement)
                created += 1
        cursor.execute(f"SELECT DISTINCT kind FROM {table}")
        present = {row[0] for row in cursor.fetchall()}
        random = (
            "md5(random()::text || clock_timestamp()::text)"
            if vendor == "postgresql"
            else "lower(hex(randomblob(16)))"
        )
        for kind in KINDS:
            if kind not in present:
                cursor.execute(
                    f"INSERT INTO {table} (kind, xact, token) VALUES (%s, 0, {random})",
                    [kind],
                )
    return created


def remove(connection: BaseDatabaseWrapper | None = None) -> None:
    """Drop every trigger ``install`` creates (a migration going backwards)."""
    connection = connection or default_connection
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        return
    existing = _existing(connection)
    with connection.cursor() as cursor:
        for name, table in existing.items():
            cursor.execute(_drop(vendor, name, table))
        if vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def on_post_migrate(using: str = "default", **kwargs: Any) -> None:
    """Triggers a migration dropped (SQLite rebuilds tables) are created again."""
    from django.db import connections

    install(connections[using])


def tokens(extra_sql: list[str] | None = None) -> dict[int, str]:
    """Each kind's token (the sorted tokens of its rows), and with ``extra_sql``
    (scalar subqueries) their values as kinds -1, -2…; one query."""
    parts = [f"SELECT kind, token FROM {_table()}"]
    for number, sql in enumerate(extra_sql or [], start=1):
        parts.append(f"SELECT {-number}, CAST({sql} AS TEXT)")
    found: dict[int, list[str]] = {}
    for kind, token in _fetch_checking_health(" UNION ALL ".join(parts)):
        found.setdefault(kind, []).append(str(token))
    return {kind: ".".join(sorted(values)) for kind, values in found.items()}


def _fetch_checking_health(sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql``; the read is also the connection's health check.

    With CONN_HEALTH_CHECKS, Django checks a kept connection with a ``SELECT 1``
    before the first query of each request: one more round trip on every public
    page, whose first query is this read. Where that check is due (outside a
    transaction), this read takes its place: if it fails because the connection
    is no longer usable (the database restarted), the connection is closed and
    the read made once more on a new one, which is what the check would have
    done. Any other error is raised as before."""
    # Any: django-stubs lack the health-check attributes (Django 4.1's).
    connection: Any = default_connection
    checking = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if checking:
        connection.health_check_done = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    except (OperationalError, InterfaceError):
        if not checking or connection.is_usable():
            raise
        connection.close()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def state(kinds: tuple[int, ...], extra_sql: list[str] | None = None) -> str:
    """A short token of ``kinds`` (and of ``extra_sql``'s values)."""
    found = tokens(extra_sql)
    wanted = [*kinds, *range(-1, -len(extra_sql or []) - 1, -1)]
    joined = "|".join(f"{kind}:{found.get(kind, '')}" for kind in wanted)
    return hashlib.sha256(joined.encode()).hexdigest()[:32]
