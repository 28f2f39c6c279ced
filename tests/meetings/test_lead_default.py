"""The default lead uses 「、」; the data migration moves only the old default."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from meetings.models import MeetingType

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "meetings.migrations.0011_japanese_labels_and_lead_comma"
)


def test_new_meeting_type_lead_has_japanese_commas():
    kind = MeetingType.objects.create(name="水防連絡会議", slug="suibo-test")
    lead = kind.lead_for()
    assert (
        lead == "以下のとおり、水防連絡会議を開催いたしましたので、お知らせいたします。"
    )
    assert "," not in lead


def test_migration_replaces_the_old_default_and_keeps_staff_text():
    old = MeetingType.objects.create(
        name="旧既定", slug="old-default", lead_template=migration.OLD_DEFAULT
    )
    own = "令和7年度,{meeting_type}の結果です。"
    staff = MeetingType.objects.create(name="自作", slug="own", lead_template=own)
    migration.default_lead_with_japanese_commas(apps, None)
    old.refresh_from_db()
    staff.refresh_from_db()
    assert old.lead_template == migration.NEW_DEFAULT
    assert staff.lead_template == own  # what staff wrote stays as written
    assert staff.lead_for() == "令和7年度,自作の結果です。"
