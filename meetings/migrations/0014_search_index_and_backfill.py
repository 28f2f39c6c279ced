"""The bigram GIN index of the search documents (PostgreSQL), and the documents of
every current publication (its text and its PDF attachments' pages).

The documents are derived data: this uses the search code as it is when the
migration runs (``manage.py rebuild_search_index`` writes them again at any time).
The old index over the publications' own search columns went with the columns.
"""

from django.db import migrations

INDEX = "search_document_bigrams_gin"
# string_to_array(bigrams, ' ') as a function the planner knows to be costly per row:
# with the builtin (cost 1) it reads every row's bigrams (a TOASTed value) rather than
# the index when a fifth of the documents match (3 s instead of 3 ms over 13,000).
# PL/pgSQL, so that it is not inlined (an inlined SQL function loses its cost).
FUNCTION = """
CREATE OR REPLACE FUNCTION search_bigram_array(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
BEGIN
    RETURN string_to_array(value, ' ');
END
$$;
"""


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON meetings_searchdocument "
            "USING gin (search_bigram_array(bigrams))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute("DROP FUNCTION IF EXISTS search_bigram_array(text)")


def backfill(apps, schema_editor):
    from meetings.search import documents

    Meeting = apps.get_model("meetings", "Meeting")
    Publication = apps.get_model("meetings", "Publication")
    SearchDocument = apps.get_model("meetings", "SearchDocument")
    current = Meeting.objects.filter(current_publication__isnull=False).values(
        "current_publication_id"
    )
    publications = Publication.objects.filter(pk__in=current).order_by("pk")
    batch = []
    for publication in publications.iterator(chunk_size=500):
        batch.append(documents.page_document(publication, SearchDocument))
        batch += documents.attachment_documents(publication, {}, SearchDocument)
        if len(batch) >= 500:
            SearchDocument.objects.bulk_create(batch)
            batch = []
    SearchDocument.objects.bulk_create(batch)


def clear(apps, schema_editor):
    apps.get_model("meetings", "SearchDocument").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0013_search_documents_and_synonyms"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(backfill, clear),
    ]
