"""Public incident and meeting pages: alert levels and drills, published content only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents import demo, services
from incidents.models import Incident
from tests.factories import make_meeting
from tests.incidents.conftest import at, level, make_incident

pytestmark = pytest.mark.django_db

DRAFT_SECRET = "下書きの秘密の議題"


@pytest.fixture
def incident_with_draft(editor, scheme):
    incident = make_incident(title="大規模停電")
    published = make_meeting(status="published", held_on="2024-05-10")
    draft = make_meeting(
        held_on="2024-05-20",
        title=f"{DRAFT_SECRET}の会議",
        agenda=[DRAFT_SECRET],
    )
    drill = make_meeting(status="published", held_on="2024-05-15", is_drill=True)
    for meeting in (published, draft, drill):
        services.incident_link_meeting(incident=incident, meeting=meeting, user=editor)
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅡ"),
        effective_at=at(2024, 5, 10, 18),
        meeting=published,
        user=editor,
    )
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅢ"),
        effective_at=at(2024, 5, 20, 18),
        meeting=draft,
        note=DRAFT_SECRET,
        user=editor,
    )
    return {
        "incident": incident,
        "published": published,
        "draft": draft,
        "drill": drill,
    }


def test_public_incident_page_shows_published_content_only(client, incident_with_draft):
    incident = incident_with_draft["incident"]
    response = client.get(incident.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "現在の警戒段階" in html
    assert "ステージⅡ(感染拡大注意報)" in html
    # Neither the draft meeting nor the level it announced leaks.
    assert DRAFT_SECRET not in html
    assert "ステージⅢ" not in html
    assert str(incident_with_draft["draft"].public_id) not in html
    assert str(incident_with_draft["published"].public_id) in html


def test_public_incident_page_labels_drill_meetings(client, incident_with_draft):
    html = client.get(incident_with_draft["incident"].get_absolute_url()).content
    html = html.decode()
    rows = [line for line in html.splitlines() if "meeting-row-title" in line]
    drill = incident_with_draft["drill"]
    [row] = [line for line in rows if str(drill.public_id) in line]
    assert "【訓練】" in row
    published = incident_with_draft["published"]
    [row] = [line for line in rows if str(published.public_id) in line]
    assert "【訓練】" not in row


def test_incident_with_only_draft_meetings_is_404(client, editor):
    incident = make_incident(title="下書きだけの事案")
    draft = make_meeting()
    services.incident_link_meeting(incident=incident, meeting=draft, user=editor)
    assert client.get(incident.get_absolute_url()).status_code == 404


def test_public_meeting_page_shows_the_alert_change_it_announced(
    client, incident_with_draft
):
    published = incident_with_draft["published"]
    html = client.get(published.get_absolute_url()).content.decode()
    assert "この会議で発表された警戒段階" in html
    assert "<strong>ステージⅡ(感染拡大注意報)</strong>" in html
    assert incident_with_draft["incident"].get_absolute_url() in html
    assert DRAFT_SECRET not in html
    other = incident_with_draft["drill"]
    assert (
        "この会議で発表された警戒段階"
        not in client.get(other.get_absolute_url()).content.decode()
    )


@pytest.mark.usefixtures("shared_demo")  # the demo, loaded once for all such tests
def test_demo_seed_page_and_avian_incident_show_the_lowered_alert(client, seed_meeting):
    html = client.get(seed_meeting.get_absolute_url()).content.decode()
    assert "鳥インフルエンザ・とくしまアラート" in html
    assert (
        "「ステージⅡ(感染拡大注意報)」から「<strong>平常時(感染観察)</strong>」になりました。"
        in html
    )
    avian = Incident.objects.get(public_id=demo.AVIAN_ID)
    html = client.get(avian.get_absolute_url()).content.decode()
    assert '<strong class="incident-alert-level">平常時(感染観察)</strong>' in html
    drill = Incident.objects.get(public_id=demo.DRILL_ID)
    html = client.get(drill.get_absolute_url()).content.decode()
    assert html.count("【訓練】") >= 2  # the incident and its drill meeting
    assert client.get(reverse("incidents_public:list")).status_code == 200


def test_meeting_page_shows_no_alert_of_an_incident_that_is_not_public(
    client, incident_with_draft
):
    incident = incident_with_draft["incident"]
    incident.is_public = False
    incident.save()
    html = client.get(incident_with_draft["published"].get_absolute_url()).content
    assert "この会議で発表された警戒段階" not in html.decode()
    assert client.get(incident.get_absolute_url()).status_code == 404
