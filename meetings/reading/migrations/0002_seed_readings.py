from django.db import migrations


def seed(apps, schema_editor):
    from meetings.reading.seed import ORGANISATIONS, PLACES, VENUES

    model = apps.get_model("reading", "ReadingOverride")
    for notes, table in (("組織", ORGANISATIONS), ("会場", VENUES), ("地名", PLACES)):
        for surface, reading in table.items():
            model.objects.get_or_create(
                surface=surface, defaults={"reading": reading, "note": notes}
            )


class Migration(migrations.Migration):
    dependencies = [("reading", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
