"""Atom feed and sitemap.xml: published meetings (and public incidents) only."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from http import HTTPStatus

import pytest
from django.urls import reverse

from incidents.models import Incident, IncidentLink
from meetings import services
from meetings.models import Meeting
from tests.factories import make_meeting
from tests.meetings.public_builders import _fresh_public_cache, publish_many

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def meetings(approver):
    published = make_meeting(status="published", held_on="2024-05-10")
    draft = make_meeting(held_on="2024-06-01", title_override="下書き会議の題名")
    review = make_meeting(status="review", held_on="2024-06-02")
    withdrawn = make_meeting(status="published", held_on="2024-06-03")
    services.meeting_withdraw(meeting=withdrawn, user=approver)
    return {
        "published": published,
        "draft": draft,
        "review": review,
        "withdrawn": withdrawn,
    }


def test_feed_is_atom_with_published_meetings_only(client, meetings):
    response = client.get(reverse("public:feed"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        meetings["published"].title
    ]
    entry = entries[0]
    assert (
        entry.find(f"{ATOM}link")
        .get("href")
        .endswith(meetings["published"].get_absolute_url())
    )
    assert entry.findtext(f"{ATOM}id") == f"urn:uuid:{meetings['published'].public_id}"
    assert "協議概要: 「テスト事案」について" in entry.findtext(f"{ATOM}summary")
    assert entry.findtext(f"{ATOM}published")
    assert entry.findtext(f"{ATOM}updated")
    for hidden in ("draft", "review", "withdrawn"):
        assert str(meetings[hidden].public_id) not in response.content.decode()


def test_feed_shows_the_published_title_during_a_correction(client, meetings):
    Meeting.objects.filter(pk=meetings["published"].pk).update(
        title_override="訂正作業中の題名"
    )
    body = client.get(reverse("public:feed")).content.decode()
    assert "訂正作業中" not in body
    assert meetings["published"].current_publication.title in body


def test_feed_query_count_is_constant(client, django_assert_num_queries):
    publish_many(3)
    with django_assert_num_queries(1) as small:
        client.get(reverse("public:feed"))
    publish_many(80, first_day=date(2023, 4, 1))
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("public:feed"))
    assert len(ET.fromstring(response.content).findall(f"{ATOM}entry")) == 50


def _sitemap_urls(client) -> list[str]:
    response = client.get(reverse("public:sitemap"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return [u.findtext(f"{SITEMAP}loc") for u in root.findall(f"{SITEMAP}url")]


def test_sitemap_lists_archive_published_meetings_and_public_incidents(
    client, meetings
):
    shown = Incident.objects.create(
        title="公開事案", category="other", started_at="2024-05-01T09:00:00+09:00"
    )
    only_draft = Incident.objects.create(
        title="下書きだけの事案",
        category="other",
        started_at="2024-05-01T09:00:00+09:00",
    )
    IncidentLink.objects.create(incident=shown, meeting=meetings["published"])
    IncidentLink.objects.create(incident=only_draft, meeting=meetings["draft"])
    paths = [url.split("testserver", 1)[1] for url in _sitemap_urls(client)]
    from meetings.api import bulk

    # Then the open-data page and the bulk files of the published meetings.
    assert paths == [
        reverse("public:archive"),
        meetings["published"].get_absolute_url(),
        shown.get_absolute_url(),
        *bulk.file_urls(),
    ]
