"""Response headers and sessions (issue 10, point 3): the CSP on every page,
`no-store` on staff pages, `sandbox` on files, sliding session expiry, logout."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

# The seed tests read the demo: loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    policy = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def test_every_kind_of_page_has_the_strict_policy(client, admin_user, seed_meeting):
    anonymous = [
        "/",
        seed_meeting.get_absolute_url(),
        "/search/?q=医療",
        "/incidents/",
        "/feed/",
        "/accounts/login/",
        "/no-such-page/",
    ]
    for url in anonymous:
        response = client.get(url)
        assert _policy(response) == EXPECTED_CSP, url
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
    client.force_login(admin_user)
    for url in ["/staff/", f"/staff/meetings/{seed_meeting.pk}/edit/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert _policy(response) == EXPECTED_CSP, url


def test_staff_account_and_admin_pages_are_never_stored(
    client, admin_user, seed_meeting
):
    for url in ["/accounts/login/", "/accounts/otp/"]:
        assert "no-store" in client.get(url)["Cache-Control"], url
    public = client.get("/")
    assert "no-store" not in public.get("Cache-Control", "")
    client.force_login(admin_user)
    for url in [
        "/staff/",
        f"/staff/meetings/{seed_meeting.pk}/preview/",
        "/staff/incidents/",
        "/admin/",
        "/accounts/security/",
    ]:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_files_are_served_sandboxed(client, editor, seed_meeting):
    snapshot = seed_meeting.current_publication.data["attachments"][0]
    public_url = reverse(
        "public:attachment", args=[seed_meeting.public_id, snapshot["id"]]
    )
    public = client.get(public_url)
    assert public.status_code == HTTPStatus.OK
    assert public["Content-Type"] == "application/pdf"
    assert public["Content-Security-Policy"] == "sandbox"

    client.force_login(editor)
    draft = client.get(reverse("pdf:draft", args=[seed_meeting.pk]))
    assert draft.status_code == HTTPStatus.OK
    assert draft["Content-Security-Policy"] == "sandbox"
    attachment = seed_meeting.attachments.first()
    staff = client.get(
        reverse("staff:attachment", args=[seed_meeting.pk, attachment.pk])
    )
    assert staff.status_code == HTTPStatus.OK
    assert staff["Content-Security-Policy"] == "sandbox"
    # Pages keep the page policy.
    assert _policy(client.get("/staff/")) == EXPECTED_CSP


def test_staff_sessions_end_after_a_working_day_without_a_request(settings, editor):
    assert settings.SESSION_COOKIE_AGE == 9 * 60 * 60
    client = Client()
    client.force_login(editor)
    assert client.get("/staff/").status_code == HTTPStatus.OK
    session = Session.objects.get(session_key=client.session.session_key)
    expected = timezone.now() + timedelta(hours=9)
    assert abs(session.expire_date - expected) < timedelta(minutes=1)

    # Sliding: a request after an hour (the session's last refresh long ago) moves
    # the end to nine hours from that request.
    stored = client.session
    stored["_session_refreshed_at"] -= 3600
    stored.save()
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + timedelta(hours=8)
    )
    assert client.get("/staff/").status_code == HTTPStatus.OK
    session.refresh_from_db()
    assert session.expire_date - timezone.now() > timedelta(hours=8, minutes=59)

    # Idle past the end: the next request finds no session.
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/staff/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/")


def test_the_session_age_is_a_setting():
    from tests.test_settings import PRODUCTION, _run

    result = _run(
        ["-c", "import crisis_meetings.settings as s; print(s.SESSION_COOKIE_AGE)"],
        {**PRODUCTION, "SESSION_IDLE_MINUTES": "60"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3600"


@pytest.mark.parametrize("value", ["approver,root", "editors"])
def test_a_malformed_mfa_role_list_stops_start_up(value):
    from tests.test_settings import PRODUCTION, _import_settings

    result = _import_settings({**PRODUCTION, "MFA_REQUIRED_ROLES": value})
    assert result.returncode != 0
    assert "MFA_REQUIRED_ROLES" in result.stderr.splitlines()[-1]


def test_logout_is_a_post_that_clears_the_browser_storage(client, editor):
    client.force_login(editor)
    assert client.get("/accounts/logout/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    response = client.post("/accounts/logout/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Clear-Site-Data"] == '"storage"'
    assert client.get("/staff/").status_code == HTTPStatus.FOUND
