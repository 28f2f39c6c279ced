"""The API and the bulk files never carry draft, in-review, withdrawn or
unpublished-correction data: the markers planted by the draft-leak world appear in
no response, and the unpublished objects answer 404."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from meetings.api import bulk
from tests.meetings.test_draft_leak import LEAK, MARKERS, _assert_clean, world

__all__ = ["world"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]


def _public_urls(world) -> list[str]:
    """URLs that answer 200 (published things, lists, searches)."""
    urls = [
        reverse("api:meetings"),
        reverse("api:meetings") + "?page_size=100",
        reverse("api:meetings") + f"?incident={world['public_incident'].public_id}",
        reverse("api:meetings") + "?year=2024",
        reverse("api:incidents"),
        reverse("api:incident", args=[world["public_incident"].public_id]),
        reverse("api:meeting", args=[world["corrected"].public_id]),
        reverse("api:meeting_text", args=[world["corrected"].public_id]),
        reverse("api:schema"),
        reverse("data:index"),
        "/sitemap.xml",
    ]
    urls += bulk.file_urls()
    urls += [
        reverse("api:meetings") + f"?incident={world['secret_incident'].public_id}",
        reverse("api:meetings") + f"?type={world['hidden_type'].slug}",
    ]
    for marker in [*MARKERS.values(), LEAK]:
        urls += [
            reverse("api:search") + f"?q={marker}",
            reverse("api:meetings") + f"?q={marker}",
        ]
    return urls


def _hidden_urls(world) -> list[str]:
    """URLs of unpublished things: 404."""
    urls = []
    for meeting in world["hidden"].values():
        urls += [
            reverse("api:meeting", args=[meeting.public_id]),
            reverse("api:meeting_text", args=[meeting.public_id]),
        ]
    urls += [reverse("api:incident", args=[world["secret_incident"].public_id])]
    return urls


def test_no_api_response_or_bulk_file_carries_unpublished_text(client: Client, world):
    for url in _public_urls(world):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        _assert_clean(response, url)
    for url in _hidden_urls(world):
        response = client.get(url)
        assert response.status_code == HTTPStatus.NOT_FOUND, url
        _assert_clean(response, url)


def test_lists_hold_only_published_meetings(client: Client, world):
    body = client.get(reverse("api:meetings"), {"page_size": 100}).json()
    listed = {r["id"] for r in body["results"]}
    assert str(world["corrected"].public_id) in listed
    assert str(world["seed"].public_id) in listed
    assert not listed & {str(m.public_id) for m in world["hidden"].values()}
    incident = client.get(
        reverse("api:incident", args=[world["public_incident"].public_id])
    ).json()
    assert [m["id"] for m in incident["meetings"]] == [
        str(world["corrected"].public_id)
    ]
    for name in bulk.FILE_NAMES:
        content = client.get(f"/data/all/{name}").content.decode("utf-8-sig")
        for meeting in world["hidden"].values():
            assert str(meeting.public_id) not in content, name
        assert str(world["corrected"].public_id) in content, name


def test_a_correction_in_progress_shows_the_published_version(client: Client, world):
    corrected = world["corrected"]
    record = client.get(reverse("api:meeting", args=[corrected.public_id])).json()
    assert record["version"] == 1
    assert record["agenda"][0]["text"] == "「公開済み」について"
    assert [
        a["label"] for a in record["attachments"] if not a["is_official_result"]
    ] == ["公開資料"]
    text = client.get(reverse("api:meeting_text", args=[corrected.public_id]))
    assert text.content.decode() == corrected.current_publication.text
