"""Database triggers that make audit tables append-only (used by migrations).

PostgreSQL: a BEFORE UPDATE OR DELETE trigger raises ``integrity_constraint_violation``
(Django raises ``IntegrityError``), whoever writes: the app, the admin, raw SQL.
TRUNCATE is not refused (it needs the table owner; the test runner's flush uses it).

SQLite: a BEFORE UPDATE trigger aborts. DELETE is refused by the model layer only
(``meetings.models.AppendOnlyQuerySet``), because Django flushes SQLite test
databases with ``DELETE FROM``. SQLite drops a table's triggers when a later migration
rebuilds the table: ``tests/meetings/test_audit_trail.py`` checks they still exist.
"""

from __future__ import annotations

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %: the audit trail is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
"""


def _name(table: str) -> str:
    return f"{table}_append_only"


def install(schema_editor: BaseDatabaseSchemaEditor, tables: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in tables:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {_name(table)} ON "{table}"')
            schema_editor.execute(
                f'CREATE TRIGGER {_name(table)} BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
            )
    elif vendor == "sqlite":
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table)}")
            schema_editor.execute(
                f'CREATE TRIGGER {_name(table)} BEFORE UPDATE ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, 'UPDATE on {table}: "
                "the audit trail is append-only'); END"
            )


def remove(schema_editor: BaseDatabaseSchemaEditor, tables: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {_name(table)} ON "{table}"')
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table)}")
