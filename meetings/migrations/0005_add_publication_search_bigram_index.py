"""A GIN index over the bigrams of each publication, on PostgreSQL only.

It serves every search of two or more characters (see meetings.search). SQLite has
no GIN and searches with LIKE alone.
"""

from django.db import migrations

INDEX = "publication_search_bigrams_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON meetings_publication "
            "USING gin (string_to_array(search_bigrams, ' '))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_fill_publication_search_fields"),
    ]

    operations = [migrations.RunPython(create, drop)]
