from django.db import migrations


def seed(apps, schema_editor):
    from meetings.reading.seed import ensure_seeded

    ensure_seeded(apps.get_model("reading", "ReadingOverride"))


class Migration(migrations.Migration):
    dependencies = [("reading", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
