"""Staff incident pages: list, create/edit, linking meetings, recording alert changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import AlertChange, Incident, IncidentLink
from tests.factories import make_meeting
from tests.incidents.conftest import at, level, make_incident

pytestmark = pytest.mark.django_db


def test_list_labels_drills_and_shows_current_levels_in_constant_queries(
    client, editor, scheme, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meeting = make_meeting()
    drill = make_incident(title="地震対応訓練", is_drill=True)
    services.alert_change_record(
        incident=drill,
        level=level(scheme, "ステージⅡ"),
        effective_at=at(2024, 5, 10, 18),
        meeting=meeting,
        user=editor,
    )
    client.force_login(editor)
    url = reverse("incidents_staff:list")
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    html = response.content.decode()
    assert "【訓練】" in html and "地震対応訓練" in html
    assert "ステージⅡ(感染拡大注意報)" in html
    for n in range(8):
        incident = make_incident(title=f"事案{n}")
        services.alert_change_record(
            incident=incident,
            level=level(scheme, "ステージⅢ"),
            effective_at=at(2024, 5, 11, n),
            meeting=meeting,
            user=editor,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("ステージⅢ(感染拡大警報)") == 8
    # Only the drill is labelled.
    assert response.content.decode().count("【訓練】") == 1


def test_create_keeps_typed_text_on_error_and_saves_when_valid(client, editor):
    client.force_login(editor)
    url = reverse("incidents_staff:create")
    data = {
        "title": "台風第14号",
        "category": "weather",
        "status": "active",
        "started_at": "2024-09-01T10:00",
        "ended_at": "2024-08-01T10:00",  # before the start
        "public_summary": "大雨による被害への対応。",
        "is_public": "on",
        "is_drill": "",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "台風第14号" in html and "大雨による被害への対応。" in html
    assert not Incident.objects.exists()
    data["ended_at"] = ""
    response = client.post(url, data)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == incident.get_staff_url()
    assert (incident.title, incident.category) == ("台風第14号", "weather")


def test_edit_marks_an_incident_as_drill(client, editor):
    incident = make_incident(title="訓練事案")
    client.force_login(editor)
    response = client.post(
        reverse("incidents_staff:edit", args=[incident.pk]),
        {
            "title": "訓練事案",
            "category": "other",
            "status": "active",
            "started_at": "2024-05-01T09:00",
            "is_drill": "on",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.is_drill
    detail = client.get(incident.get_staff_url()).content.decode()
    assert "【訓練】</strong>この事案は訓練です。" in detail


def test_linking_a_meeting_replaces_that_incidents_links_to_it(client, editor):
    incident = make_incident()
    other_incident = make_incident(title="別の事案")
    meeting = make_meeting(
        agenda=["議題A", "議題B"],
        sections=[
            {"kind": "report", "speaker": "課A", "group": "main", "items": []},
            {"kind": "report", "speaker": "課B", "group": "main", "items": []},
        ],
    )
    services.incident_link_meeting(
        incident=other_incident, meeting=meeting, user=editor
    )
    section_a, section_b = meeting.sections.order_by("order")
    agenda_b = meeting.agenda_items.get(order=2)
    client.force_login(editor)
    url = reverse("incidents_staff:meeting_incidents", args=[meeting.pk])
    client.post(url, {"incident": incident.pk, "sections": [section_a.pk]})
    response = client.post(
        url,
        {
            "incident": incident.pk,
            "sections": [section_b.pk],
            "agenda_items": [agenda_b.pk],
        },
    )
    assert response.status_code == 302
    links = IncidentLink.objects.filter(incident=incident, meeting=meeting)
    assert {(link.section_id, link.agenda_item_id) for link in links} == {
        (None, None),
        (section_b.pk, None),
        (None, agenda_b.pk),
    }
    # Another incident's link to the same meeting is untouched.
    assert IncidentLink.objects.filter(incident=other_incident).count() == 1
    # The page preselects what is linked when reopened for the incident.
    page = client.get(f"{url}?incident={incident.pk}")
    assert page.context["form"].initial["sections"] == [section_b.pk]


def test_sections_of_another_meeting_cannot_be_linked(client, editor):
    incident = make_incident()
    meeting = make_meeting()
    other = make_meeting(held_on="2024-05-11")
    client.force_login(editor)
    response = client.post(
        reverse("incidents_staff:meeting_incidents", args=[meeting.pk]),
        {"incident": incident.pk, "sections": [other.sections.get().pk]},
    )
    assert response.status_code == 400
    assert not IncidentLink.objects.exists()


def test_incident_page_goes_to_the_chosen_meetings_link_page(client, editor):
    incident = make_incident()
    meeting = make_meeting()
    client.force_login(editor)
    response = client.get(
        reverse("incidents_staff:link_meeting", args=[incident.pk]),
        {"meeting": meeting.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("incidents_staff:meeting_incidents", args=[meeting.pk])
        + f"?incident={incident.pk}"
    )


def test_meeting_editor_links_to_the_incident_and_directive_pages(client, editor):
    meeting = make_meeting()
    client.force_login(editor)
    html = client.get(reverse("staff:edit", args=[meeting.pk])).content.decode()
    assert reverse("incidents_staff:meeting_incidents", args=[meeting.pk]) in html
    assert reverse("incidents_staff:meeting_directives", args=[meeting.pk]) in html


def test_recording_an_alert_change_through_the_form(client, editor, scheme):
    incident = make_incident()
    meeting = make_meeting()
    services.incident_link_meeting(incident=incident, meeting=meeting, user=editor)
    client.force_login(editor)
    url = reverse("incidents_staff:alert_create", args=[incident.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["meeting"].queryset) == [meeting]
    response = client.post(
        url,
        {
            "level": level(scheme, "平常時").pk,
            "effective_at": "2024-05-10T17:45",
            "meeting": meeting.pk,
            "section": meeting.sections.get().pk,
            "note": "引下げ",
        },
    )
    assert response.status_code == 302
    change = AlertChange.objects.get()
    assert change.effective_at == at(2024, 5, 10, 17, 45)
    assert change.scheme == scheme and change.section == meeting.sections.get()
    detail = client.get(incident.get_staff_url()).content.decode()
    assert "平常時(感染観察)" in detail


def test_alert_form_refuses_a_meeting_that_does_not_concern_the_incident(
    client, editor, scheme
):
    incident = make_incident()
    stranger = make_meeting()
    client.force_login(editor)
    response = client.post(
        reverse("incidents_staff:alert_create", args=[incident.pk]),
        {
            "level": level(scheme, "平常時").pk,
            "effective_at": "2024-05-10T17:45",
            "meeting": stranger.pk,
        },
    )
    assert response.status_code == 400
    assert not AlertChange.objects.exists()
    # Named in the URL (from that meeting's pages), it is offered and accepted.
    response = client.post(
        reverse("incidents_staff:alert_create", args=[incident.pk])
        + f"?meeting={stranger.pk}",
        {
            "level": level(scheme, "平常時").pk,
            "effective_at": "2024-05-10T17:45",
            "meeting": stranger.pk,
        },
    )
    assert response.status_code == 302
    assert IncidentLink.objects.filter(incident=incident, meeting=stranger).exists()
