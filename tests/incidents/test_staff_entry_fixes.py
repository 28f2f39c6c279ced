"""Issue 14 on the staff incident pages: typed 和暦 dates and times, 所管組織 that can
be told apart, the link-a-meeting picker, and 「新しい事案を登録」 back to the link step."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from incidents.models import Incident, IncidentLink
from meetings.models import Organisation
from tests.factories import make_meeting
from tests.incidents.conftest import at, make_incident

pytestmark = pytest.mark.django_db


def _incident_data(**overrides) -> dict:
    data = {
        "title": "年末年始の危機事象対応",
        "category": "other",
        "status": "active",
        "started_at": "平成24年12月26日(水) 17:30",
        "public_summary": "",
    }
    data.update(overrides)
    return data


def test_the_incident_form_takes_typed_wareki_dates_and_times(client, editor):
    client.force_login(editor)
    url = reverse("incidents_staff:create")
    form_page = client.get(url).content.decode()
    assert 'type="datetime-local"' not in form_page
    assert 'name="started_at"' in form_page and "R6.9.1 10:00" in form_page

    refused = client.post(url, _incident_data(started_at="R4.2.30 10:00"))
    assert refused.status_code == 400
    assert "「R4.2.30」という日付はありません" in refused.content.decode()
    assert "R4.2.30 10:00" in refused.content.decode()  # kept as typed

    saved = client.post(url, _incident_data(ended_at="H24.12.27 0900"))

    assert saved.status_code == 302
    incident = Incident.objects.get()
    assert incident.started_at == at(2012, 12, 26, 17, 30)
    assert incident.ended_at == at(2012, 12, 27, 9, 0)


def test_organisations_with_the_same_name_are_told_apart(client, editor):
    old = Organisation.objects.create(
        name="危機管理部",
        kind="department",
        valid_from=date(2012, 4, 1),
        valid_until=date(2019, 3, 31),
    )
    Organisation.objects.create(
        name="危機管理部", kind="department", valid_from=date(2022, 4, 1)
    )
    Organisation.objects.create(name="危機管理政策課", kind="division", parent=old)
    client.force_login(editor)

    html = client.get(reverse("incidents_staff:create")).content.decode()

    assert "危機管理部(H24.4.1～H31.3.31)" in html
    assert "危機管理部(R4.4.1～)" in html
    assert "危機管理政策課(危機管理部、" not in html
    assert "危機管理政策課(危機管理部)" in html


def test_the_link_picker_lists_each_meeting_once_and_not_linked_ones(client, editor):
    incident = make_incident()
    linked = make_meeting(held_on="2024-05-10")
    free = make_meeting(held_on="2024-05-11")
    twin = make_meeting(held_on="2024-05-11")  # the same label as ``free``
    IncidentLink.objects.create(incident=incident, meeting=linked)
    client.force_login(editor)

    response = client.get(incident.get_staff_url())

    values = [value for value, _ in response.context["meeting_choices"] if value]
    assert [int(str(v)) for v in values] == [twin.pk, free.pk]
    labels = [label for _, label in response.context["meeting_choices"]]
    assert len(set(labels)) == len(labels)  # each one can be told apart


def test_new_incident_from_the_link_step_returns_to_it(client, editor):
    meeting = make_meeting()
    client.force_login(editor)
    link_page = client.get(
        reverse("incidents_staff:meeting_incidents", kwargs={"meeting_pk": meeting.pk})
    ).content.decode()
    create = reverse("incidents_staff:create") + f"?meeting={meeting.pk}"
    assert f'href="{create}"' in link_page

    response = client.post(create, _incident_data())

    incident = Incident.objects.get()
    assert response["Location"] == (
        reverse("incidents_staff:meeting_incidents", kwargs={"meeting_pk": meeting.pk})
        + f"?incident={incident.pk}"
    )
