"""The search documents of pages hold the text as the page reads
(``layout.page_text``: 掲載日 in 和暦, attachments by their link text) instead of
the official plain text, so that snippets quote the page.

Derived data: this uses the search code as it is when the migration runs
(``manage.py rebuild_search_index`` writes every document again at any time).
"""

from django.db import migrations


def rewrite(apps, schema_editor):
    from meetings.search import documents

    SearchDocument = apps.get_model("meetings", "SearchDocument")
    pages = (
        SearchDocument.objects.filter(kind="page")
        .select_related("publication")
        .order_by("pk")
    )
    batch = []
    for document in pages.iterator(chunk_size=500):
        fresh = documents.page_document(document.publication, SearchDocument)
        for field in ("text", "folded", "offsets", "bigrams"):
            setattr(document, field, getattr(fresh, field))
        batch.append(document)
        if len(batch) >= 500:
            SearchDocument.objects.bulk_update(
                batch, ["text", "folded", "offsets", "bigrams"]
            )
            batch = []
    SearchDocument.objects.bulk_update(batch, ["text", "folded", "offsets", "bigrams"])


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0017_glossary_labels"),
    ]

    operations = [
        migrations.RunPython(rewrite, migrations.RunPython.noop),
    ]
