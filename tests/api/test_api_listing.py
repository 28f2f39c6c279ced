"""The open-data API over meetings of its own (no demo): the list's filters as the
archive's, conditional GET and ETags."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from incidents.models import Incident, IncidentLink
from meetings import services
from meetings.models import Meeting, MeetingType
from tests.factories import make_meeting, meeting_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _published(approver, editor, **overrides) -> Meeting:
    meeting = make_meeting(user=editor, status="review", **overrides)
    services.meeting_publish(meeting=meeting, user=approver)
    return Meeting.objects.get(pk=meeting.pk)


def test_list_filters_as_the_archive_does(client: Client, approver, editor):
    other = MeetingType.objects.create(name="危機管理会議", slug="kaigi", tier=2)
    old = _published(approver, editor, held_on="2023-03-31")
    new = _published(approver, editor, held_on="2023-04-01")
    typed = services.meeting_create_from_data(
        data=meeting_data(), user=editor, meeting_type=other, status="review"
    )
    services.meeting_publish(meeting=typed, user=approver)
    incident = Incident.objects.create(
        title="事案", category="other", started_at="2023-04-01T09:00:00+09:00"
    )
    IncidentLink.objects.create(incident=incident, meeting=old)

    def ids(**params) -> list[str]:
        response = client.get(reverse("api:meetings"), params)
        assert response.status_code == HTTPStatus.OK, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids(year=2022) == [str(old.public_id)]
    assert str(new.public_id) in ids(year=2023)
    assert ids(type="kaigi") == [str(typed.public_id)]
    assert ids(incident=str(incident.public_id)) == [str(old.public_id)]
    assert len(ids()) == 3
    # Newest first, paged.
    first = client.get(reverse("api:meetings"), {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2
    assert first["next"].endswith("page=2&page_size=2") or "page=2" in first["next"]
    assert first["results"][0]["held_on"] >= first["results"][1]["held_on"]


def test_conditional_get_answers_304_until_something_is_published(
    client: Client, approver, editor
):
    first = _published(approver, editor, held_on="2023-05-01")
    url = reverse("api:meeting", args=[first.public_id])
    response = client.get(url)
    etag, modified = response["ETag"], response["Last-Modified"]
    assert response["Cache-Control"] == "public, max-age=60"
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == etag and not_modified.content == b""
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    listing = client.get(reverse("api:meetings"))
    assert (
        client.get(
            reverse("api:meetings"), HTTP_IF_NONE_MATCH=listing["ETag"]
        ).status_code
        == 304
    )
    _published(approver, editor, held_on="2023-05-02")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == HTTPStatus.OK
    fresh = client.get(reverse("api:meetings"), HTTP_IF_NONE_MATCH=listing["ETag"])
    assert fresh.status_code == HTTPStatus.OK
    assert fresh.json()["count"] == 2


def test_withdrawal_changes_the_etag(client: Client, approver, editor):
    meeting = _published(approver, editor, held_on="2023-05-01")
    _published(approver, editor, held_on="2023-05-02")
    listing = client.get(reverse("api:meetings"))
    services.meeting_withdraw(meeting=meeting, user=approver)
    again = client.get(reverse("api:meetings"), HTTP_IF_NONE_MATCH=listing["ETag"])
    assert again.status_code == HTTPStatus.OK
    assert again.json()["count"] == 1
