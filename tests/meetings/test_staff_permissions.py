"""Permission matrix over every staff URL: anonymous, no role, editor, approver, admin.

State changes are POST-only and CSRF-protected.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from meetings.models import Meeting, Publication
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db

GET_VIEWS = [
    "dashboard",
    "new",
    "edit",
    "preview",
    "history",
    "publication",
    "attachment",
]
STATE_CHANGES = ["submit", "return", "publish", "withdraw"]
APPROVER_ONLY = ["return", "publish", "withdraw"]


def _staff_routes(resolver=None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    """Every URL pattern under /staff/, whatever app it belongs to."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _staff_routes(entry, route)
        elif route.startswith("staff/"):
            found.append((route, entry))
    return found


def _fill(route: str) -> str:
    """A concrete path for a route: any values do, the login check comes first."""
    import re

    converters = {"int": "1", "slug": "x", "str": "x", "path": "x"}
    path = re.sub(
        r"<(?:(\w+):)?\w+>",
        lambda m: converters.get(
            m.group(1) or "str", "00000000-0000-4000-8000-000000000000"
        ),
        route,
    )
    return "/" + path


@pytest.fixture
def published(editor, approver) -> Meeting:
    from meetings import services
    from tests.factories import tiny_pdf

    meeting = make_meeting(user=editor, status=Meeting.Status.REVIEW)
    services.attachment_add(meeting=meeting, label="会議資料", content=tiny_pdf())
    services.meeting_publish(meeting=meeting, user=approver)
    return meeting


def _urls(meeting: Meeting) -> dict[str, str]:
    attachment = meeting.attachments.filter(is_generated=False).first()
    publication = Publication.objects.get(meeting=meeting)
    args = {
        "dashboard": [],
        "new": [meeting.meeting_type.slug],
        "publication": [meeting.pk, publication.number],
        "attachment": [meeting.pk, attachment.pk],
    }
    return {
        name: reverse(f"staff:{name}", args=args.get(name, [meeting.pk]))
        for name in GET_VIEWS + STATE_CHANGES
    }


def test_every_staff_url_sends_anonymous_users_to_the_login_page(client):
    routes = _staff_routes()
    assert len(routes) >= len(GET_VIEWS + STATE_CHANGES)
    for route, _ in routes:
        path = _fill(route)
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == HTTPStatus.FOUND, (route, method)
            assert response["Location"].startswith(reverse("login")), route


def test_users_without_a_role_are_refused_everywhere(client, outsider, published):
    client.force_login(outsider)
    for name, url in _urls(published).items():
        method = client.post if name in STATE_CHANGES else client.get
        assert method(url).status_code == HTTPStatus.FORBIDDEN, name


@pytest.mark.parametrize("role", ["editor", "approver", "admin_user"])
def test_staff_roles_can_open_every_staff_page(client, role, published, request):
    client.force_login(request.getfixturevalue(role))
    for name, url in _urls(published).items():
        if name in GET_VIEWS:
            assert client.get(url).status_code == HTTPStatus.OK, name


def test_editor_cannot_publish_return_or_withdraw(client, editor, approver):
    meeting = make_meeting(user=editor, status=Meeting.Status.REVIEW)
    client.force_login(editor)
    for name in APPROVER_ONLY:
        url = reverse(f"staff:{name}", args=[meeting.pk])
        data = {"version": meeting.version, "comment": "x"}
        assert client.post(url, data).status_code == HTTPStatus.FORBIDDEN, name
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW
    assert not Publication.objects.exists()


def test_approver_can_publish(client, editor, approver):
    meeting = make_meeting(user=editor, status=Meeting.Status.REVIEW)
    client.force_login(approver)

    response = client.post(
        reverse("staff:publish", args=[meeting.pk]), {"version": meeting.version}
    )

    assert response.status_code == HTTPStatus.FOUND
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED


def test_state_changes_are_post_only(client, approver, published):
    client.force_login(approver)
    urls = _urls(published)
    for name in STATE_CHANGES:
        assert client.get(urls[name]).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_state_changes_need_the_csrf_token(approver, editor):
    meeting = make_meeting(user=editor, status=Meeting.Status.REVIEW)
    client = Client(enforce_csrf_checks=True)
    client.force_login(approver)
    for name in STATE_CHANGES:
        url = reverse(f"staff:{name}", args=[meeting.pk])
        data = {"version": meeting.version, "comment": "x"}
        assert client.post(url, data).status_code == HTTPStatus.FORBIDDEN, name
    edit = reverse("staff:edit", args=[meeting.pk])
    assert client.post(edit, {"version": "1"}).status_code == HTTPStatus.FORBIDDEN
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW


def test_login_page_is_in_japanese_and_logout_is_a_post(client, editor):
    page = client.get(reverse("login")).content.decode()
    assert "職員ログイン" in page and "パスワード" in page

    response = client.post(
        reverse("login"), {"username": editor.username, "password": "wrong"}
    )
    assert "ユーザー名またはパスワードが違います" in response.content.decode()

    client.force_login(editor)
    assert client.get(reverse("logout")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    client.post(reverse("logout"))
    assert client.get(reverse("staff:dashboard")).status_code == HTTPStatus.FOUND
