"""Data: normalise search_text and fill search_bigrams of existing publications.

The rules are copied here (not imported from meetings.search) so that this migration
keeps doing what it did when the search module changes.
"""

import unicodedata

from django.db import migrations


def _normalize(text):
    return "".join(
        ch.lower() if ch < "\x80" else unicodedata.normalize("NFKC", ch).casefold()
        for ch in text
    )


def fill(apps, schema_editor):
    Publication = apps.get_model("meetings", "Publication")
    for publication in Publication.objects.only("pk", "text").iterator():
        normalized = _normalize(publication.text)
        grams = {normalized[i : i + 2] for i in range(len(normalized) - 1)}
        bigrams = sorted(g for g in grams if not any(c.isspace() for c in g))
        Publication.objects.filter(pk=publication.pk).update(
            search_text=normalized, search_bigrams=" ".join(bigrams)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0003_add_publication_search_bigrams"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
