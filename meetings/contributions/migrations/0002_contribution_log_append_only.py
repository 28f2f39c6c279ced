from django.db import migrations

from meetings import db_triggers

TABLES = ["contributions_contributionversion", "contributions_contributionevent"]


def install(apps, schema_editor):
    db_triggers.install(schema_editor, TABLES)


def remove(apps, schema_editor):
    db_triggers.remove(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0001_contribution_requests"),
        ("meetings", "0009_audit_trail_append_only"),
    ]

    operations = [migrations.RunPython(install, remove)]
