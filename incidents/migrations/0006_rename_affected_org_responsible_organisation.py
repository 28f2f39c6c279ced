# The foreign key named affected_org held the organisation in charge (所管組織), not
# the one affected (affected_organisation, free text): renamed, data kept.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_japanese_labels"),
    ]

    operations = [
        migrations.RenameField(
            model_name="incident",
            old_name="affected_org",
            new_name="responsible_organisation",
        ),
    ]
