"""Directives' public status: the incidents API and the public incident page agree.

A directive's public status says only what published meetings say: whether a later
published meeting reported on it (取組報告) and which. Assignment states, due dates
and progress notes stay internal (planted markers never appear).
"""

from __future__ import annotations

import html
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client

from incidents import services as incident_services
from incidents.demo import FOLLOW_UP_ID, RANSOMWARE_ID
from incidents.models import DirectiveAssignment, DirectiveFollowUp
from meetings import services
from meetings.models import Meeting
from tests.api.test_api_meetings import demo

__all__ = ["demo"]
pytestmark = pytest.mark.django_db
INTERNAL = "内部メモQZ"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _api(client: Client) -> list[dict]:
    response = client.get(f"/api/v1/incidents/{RANSOMWARE_ID}/")
    assert response.status_code == 200
    return response.json()["directives"]


def _page(client: Client) -> str:
    response = client.get(f"/incidents/{RANSOMWARE_ID}/")
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def _page_rows(page: str) -> list[str]:
    part = page.split('id="directives-heading"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li class="directive-row[^"]*">(.*?)</li>', part)


def test_api_and_page_show_the_same_directives_and_status(client: Client, demo):
    assignment = DirectiveAssignment.objects.filter(
        incident__public_id=RANSOMWARE_ID
    ).first()
    # Internal follow-up: a progress note with a marker; never public.
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="editor")
    incident_services.directive_progress_record(
        assignment=assignment, user=user, note=INTERNAL
    )
    directives = _api(client)
    page = _page(client)
    rows = _page_rows(page)
    assert directives and len(rows) == len(directives)
    follow_up = Meeting.objects.get(public_id=FOLLOW_UP_ID)
    reported = [d for d in directives if d["public_status"]["value"] == "reported"]
    assert reported, "the demo's follow-up meeting reported on directives"
    assert {m["id"] for d in reported for m in d["reported_in"]} == {
        str(follow_up.public_id)
    }
    assert any(d["public_status"]["value"] == "not_reported" for d in directives)
    for directive, row in zip(directives, rows, strict=True):
        assert directive["heading_text"] in row
        assert directive["public_status"]["label"] in row
        for report in directive["reported_in"]:
            assert f'href="/meetings/{report["id"]}/"' in row
    body = client.get(f"/api/v1/incidents/{RANSOMWARE_ID}/").content.decode()
    assert INTERNAL not in body and INTERNAL not in page
    listed = json.dumps(directives, ensure_ascii=False) + "".join(rows)
    for internal in ("未着手", "対応中", "期限", "due_on", "progress"):
        assert internal not in listed


def test_a_report_in_an_unpublished_meeting_is_not_public(client: Client, demo):
    follow_up = Meeting.objects.get(public_id=FOLLOW_UP_ID)
    approver = get_approver()
    before = _api(client)
    etag = client.get(f"/api/v1/incidents/{RANSOMWARE_ID}/")["ETag"]
    services.meeting_withdraw(meeting=follow_up, user=approver, comment="確認のため")
    after = _api(client)
    assert all(d["public_status"]["value"] == "not_reported" for d in after)
    assert "取組報告あり" not in _page(client)
    # The follow-up meeting's own directives went with it; the seed's stay.
    assert {d["meeting"]["id"] for d in after} == {
        d["meeting"]["id"] for d in before
    } - {str(follow_up.public_id)}
    assert client.get(f"/api/v1/incidents/{RANSOMWARE_ID}/")["ETag"] != etag


def test_linking_a_report_changes_page_api_and_etag(client: Client, demo):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="editor")
    links = list(
        DirectiveFollowUp.objects.filter(assignment__incident__public_id=RANSOMWARE_ID)
    )
    assert links
    pairs = [(link.assignment, link.section) for link in links]

    def reported() -> int:
        return sum(d["public_status"]["value"] == "reported" for d in _api(client))

    before = reported()
    assert before >= 1 and "取組報告あり" in _page(client)
    etag = client.get(f"/api/v1/incidents/{RANSOMWARE_ID}/")["ETag"]
    for link in links:
        incident_services.directive_follow_up_unlink(follow_up=link, user=user)
    assert client.get(f"/api/v1/incidents/{RANSOMWARE_ID}/")["ETag"] != etag
    assert reported() == 0
    assert "取組報告あり" not in _page(client)
    for assignment, section in pairs:
        incident_services.directive_follow_up_link(
            assignment=assignment, section=section, user=user
        )
    assert reported() == before


def get_approver():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="approver")
