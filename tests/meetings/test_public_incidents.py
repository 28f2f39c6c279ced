"""Public incident pages: an incident's published meetings, in order; 404 otherwise."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from incidents.models import Incident, IncidentLink
from meetings import services
from tests.factories import make_meeting
from tests.meetings.public_builders import _fresh_public_cache

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]

ROLES = [None, "editor", "approver", "admin_user", "outsider"]


def _incident(title: str = "大規模停電", **kwargs) -> Incident:
    return Incident.objects.create(
        title=title,
        category=Incident.Category.WEATHER,
        started_at="2024-05-09T22:30:00+09:00",
        public_summary="台風による大規模停電。",
        **kwargs,
    )


def _titles(html: str) -> list[str]:
    return re.findall(r'<p class="meeting-row-title"><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def incident(approver):
    incident = _incident()
    later = make_meeting(status="published", held_on="2024-05-12")
    earlier = make_meeting(status="published", held_on="2024-05-10")
    draft = make_meeting(held_on="2024-05-11", title_override="下書きの会議")
    withdrawn = make_meeting(status="published", held_on="2024-05-13")
    services.meeting_withdraw(meeting=withdrawn, user=approver)
    for meeting in (later, earlier, draft, withdrawn):
        IncidentLink.objects.create(incident=incident, meeting=meeting)
    # A second link to one section of the same meeting must not list it twice.
    IncidentLink.objects.create(
        incident=incident, meeting=earlier, section=earlier.sections.first()
    )
    return incident


@pytest.mark.parametrize("who", ROLES)
def test_incident_page_lists_published_meetings_oldest_first(
    request, client, incident, who
):
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(incident.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert _titles(html) == [
        "危機管理連絡会議の開催結果について(令和6年5月10日)",
        "危機管理連絡会議の開催結果について(令和6年5月12日)",
    ]
    assert '<h1 class="page-title">大規模停電</h1>' in html
    assert "台風による大規模停電。" in html
    assert '<time datetime="2024-05-09T22:30:00+09:00">令和6年5月9日</time>' in html
    assert "下書きの会議" not in html
    assert "令和6年5月13日" not in html


def test_incident_list_shows_public_incidents_with_published_meetings(client, incident):
    only_draft = _incident("下書きだけの事案")
    IncidentLink.objects.create(incident=only_draft, meeting=make_meeting())
    private = _incident("非公開の事案", is_public=False)
    IncidentLink.objects.create(
        incident=private, meeting=make_meeting(status="published", held_on="2024-01-01")
    )
    html = client.get(reverse("incidents_public:list")).content.decode()
    assert incident.get_absolute_url() in html
    assert "下書きだけの事案" not in html
    assert "非公開の事案" not in html


@pytest.mark.parametrize("who", ROLES)
def test_incident_without_published_meetings_or_not_public_is_404(request, client, who):
    only_draft = _incident("下書きだけの事案")
    IncidentLink.objects.create(incident=only_draft, meeting=make_meeting())
    private = _incident("非公開の事案", is_public=False)
    IncidentLink.objects.create(
        incident=private, meeting=make_meeting(status="published", held_on="2024-01-01")
    )
    if who:
        client.force_login(request.getfixturevalue(who))
    for hidden in (only_draft, private):
        assert client.get(hidden.get_absolute_url()).status_code == 404


def test_drill_incident_is_marked_as_such(client):
    drill = _incident("南海トラフ地震対応訓練", is_drill=True)
    IncidentLink.objects.create(
        incident=drill, meeting=make_meeting(status="published")
    )
    html = client.get(drill.get_absolute_url()).content.decode()
    assert '<h1 class="page-title">【訓練】南海トラフ地震対応訓練</h1>' in html


def test_incident_page_query_count_does_not_grow_with_its_meetings(
    client, incident, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8) as captured:
        client.get(incident.get_absolute_url())
    baseline = len(captured.captured_queries)
    for day in range(1, 21):
        meeting = make_meeting(status="published", held_on=f"2024-04-{day:02d}")
        IncidentLink.objects.create(incident=incident, meeting=meeting)
    with django_assert_max_num_queries(baseline):
        response = client.get(incident.get_absolute_url())
    assert len(_titles(response.content.decode())) == 22
