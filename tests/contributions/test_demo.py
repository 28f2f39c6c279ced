"""The demo: department editors with their departments, and requests to try."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from meetings.contributions import services
from meetings.contributions.models import ContributionRequest
from meetings.demo import DEMO_DEPARTMENTS, load_demo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]


def test_load_demo_gives_department_editors_and_requests(client, seed_meeting):
    User = get_user_model()
    for username, department in DEMO_DEPARTMENTS.items():
        user = User.objects.get(username=username)
        assert services.department_of(user).name == department
    requests = ContributionRequest.objects.select_related("organisation")
    assert sorted(r.organisation.name for r in requests) == sorted(
        DEMO_DEPARTMENTS.values()
    )
    assert [r.organisation.name for r in requests if r.status == "submitted"] == [
        "スマート県庁推進課"
    ]
    load_demo()  # idempotent
    assert ContributionRequest.objects.count() == 4

    client.force_login(User.objects.get(username="iryo"))
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert "医療政策課への原稿依頼" in page
    client.force_login(User.objects.get(username="editor"))
    meeting = requests.first().meeting
    page = client.get(reverse("contributions:overview", args=[meeting.pk]))
    assert "提出済み 1件・未提出 3件" in page.content.decode()
