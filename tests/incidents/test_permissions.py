"""Permission matrix over every incidents staff view: anonymous, no role, the roles."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from incidents import services
from tests.factories import make_meeting
from tests.incidents.conftest import (
    at,
    directive_items,
    level,
    make_directive_meeting,
    make_incident,
    report_section,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "editor", "approver", "admin_user"]
OK, FOUND, FORBIDDEN = HTTPStatus.OK, HTTPStatus.FOUND, HTTPStatus.FORBIDDEN
STAFF_OK = {"outsider": FORBIDDEN, "editor": OK, "approver": OK, "admin_user": OK}
STAFF_REDIRECT = {
    "outsider": FORBIDDEN,
    "editor": FOUND,
    "approver": FOUND,
    "admin_user": FOUND,
}
APPROVER_REDIRECT = {**STAFF_REDIRECT, "editor": FORBIDDEN}


@pytest.fixture
def world(editor, scheme):
    # The PDF itself is tested in test_exports; here only who may fetch it (the
    # pdf_stub fixture stands in for it).
    incident = make_incident()
    meeting = make_directive_meeting("支援すること。", held_on="2024-05-10")
    later = make_meeting(
        held_on="2024-06-10", sections=[report_section("医療政策課", "報告。")]
    )
    services.incident_link_meeting(incident=incident, meeting=meeting, user=editor)
    [item] = directive_items(meeting)
    assignment = services.directive_assign(item=item, all_departments=True, user=editor)
    follow_up = services.directive_follow_up_link(
        assignment=assignment, section=later.sections.get(), user=editor
    )
    change = services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅡ"),
        effective_at=at(2024, 5, 10, 18),
        meeting=meeting,
        user=editor,
    )
    return {
        "incident": incident,
        "meeting": meeting,
        "later": later,
        "assignment": assignment,
        "follow_up": follow_up,
        "change": change,
        "level": level(scheme, "ステージⅢ"),
    }


# name, args from the world, query string, expected status per role
GET_VIEWS = [
    ("list", lambda w: [], "", STAFF_OK),
    ("create", lambda w: [], "", STAFF_OK),
    ("detail", lambda w: [w["incident"].pk], "", STAFF_OK),
    ("edit", lambda w: [w["incident"].pk], "", STAFF_OK),
    ("timeline_csv", lambda w: [w["incident"].pk], "", STAFF_OK),
    ("timeline_pdf", lambda w: [w["incident"].pk], "", STAFF_OK),
    ("alert_create", lambda w: [w["incident"].pk], "", STAFF_OK),
    (
        "link_meeting",
        lambda w: [w["incident"].pk],
        "?meeting={meeting}",
        STAFF_REDIRECT,
    ),
    ("meeting_incidents", lambda w: [w["meeting"].pk], "", STAFF_OK),
    ("meeting_directives", lambda w: [w["meeting"].pk], "", STAFF_OK),
    ("directives", lambda w: [], "", STAFF_OK),
    ("directive", lambda w: [w["assignment"].pk], "", STAFF_OK),
]

POST_VIEWS = [
    (
        "create",
        lambda w: [],
        lambda w: {
            "title": "新しい事案",
            "category": "other",
            "status": "active",
            "started_at": "2024-07-01T09:00",
            "is_public": "on",
        },
        STAFF_REDIRECT,
    ),
    (
        "edit",
        lambda w: [w["incident"].pk],
        lambda w: {
            "title": "改題",
            "category": "other",
            "status": "closed",
            "started_at": "2024-05-01T09:00",
        },
        STAFF_REDIRECT,
    ),
    (
        "alert_create",
        lambda w: [w["incident"].pk],
        lambda w: {
            "level": w["level"].pk,
            "effective_at": "2024-05-11T09:00",
            "meeting": w["meeting"].pk,
        },
        STAFF_REDIRECT,
    ),
    ("alert_delete", lambda w: [w["change"].pk], lambda w: {}, APPROVER_REDIRECT),
    (
        "meeting_incidents",
        lambda w: [w["meeting"].pk],
        lambda w: {"incident": w["incident"].pk},
        STAFF_REDIRECT,
    ),
    (
        "meeting_unlink",
        lambda w: [w["meeting"].pk, w["incident"].pk],
        lambda w: {},
        STAFF_REDIRECT,
    ),
    (
        "meeting_directives",
        lambda w: [w["meeting"].pk],
        lambda w: {
            "item": w["assignment"].item_id,
            "organisation": "",
            "all_departments": "",
            "due_on": "",
        },
        # Valid except for the recipient: the role check comes before validation.
        {**STAFF_REDIRECT, "editor": 400, "approver": 400, "admin_user": 400},
    ),
    (
        "directive",
        lambda w: [w["assignment"].pk],
        lambda w: {"note": "進めている。", "new_status": "in_progress"},
        STAFF_REDIRECT,
    ),
    (
        "directive_edit",
        lambda w: [w["assignment"].pk],
        lambda w: {"due_on": "2024-07-31", "incident": w["incident"].pk},
        STAFF_REDIRECT,
    ),
    (
        "follow_up_add",
        lambda w: [w["assignment"].pk],
        lambda w: {"section": w["meeting"].sections.first().pk},  # not later: 400
        {**STAFF_REDIRECT, "editor": 400, "approver": 400, "admin_user": 400},
    ),
    (
        "follow_up_remove",
        lambda w: [w["follow_up"].pk],
        lambda w: {},
        STAFF_REDIRECT,
    ),
]


def _login(request, client, role: str):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "args", "query", "expected"), GET_VIEWS, ids=[v[0] for v in GET_VIEWS]
)
def test_get_permission_matrix(
    request, client, world, role, name, args, query, expected
):
    _login(request, client, role)
    url = reverse(f"incidents_staff:{name}", args=args(world)) + query.format(
        meeting=world["meeting"].pk
    )
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == FOUND
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "args", "data", "expected"), POST_VIEWS, ids=[v[0] for v in POST_VIEWS]
)
def test_post_permission_matrix(
    request, client, world, role, name, args, data, expected
):
    _login(request, client, role)
    url = reverse(f"incidents_staff:{name}", args=args(world))
    response = client.post(url, data(world))
    if role == "anonymous":
        assert response.status_code == FOUND
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected[role]


@pytest.mark.parametrize(
    "name", ["alert_delete", "meeting_unlink", "directive_edit", "follow_up_remove"]
)
def test_post_only_views_refuse_get(client, world, editor, name):
    client.force_login(editor)
    args = {
        "alert_delete": [world["change"].pk],
        "meeting_unlink": [world["meeting"].pk, world["incident"].pk],
        "directive_edit": [world["assignment"].pk],
        "follow_up_remove": [world["follow_up"].pk],
    }[name]
    response = client.get(reverse(f"incidents_staff:{name}", args=args))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_outsider_changes_nothing(client, world, outsider):
    client.force_login(outsider)
    client.post(
        reverse("incidents_staff:directive", args=[world["assignment"].pk]),
        {"note": "x", "new_status": "done"},
    )
    client.post(reverse("incidents_staff:alert_delete", args=[world["change"].pk]))
    world["assignment"].refresh_from_db()
    assert world["assignment"].status == "open"
    assert world["incident"].alert_changes.count() == 1


def test_missing_objects_are_404_for_staff(client, editor):
    client.force_login(editor)
    for name in ("detail", "edit", "timeline_csv", "alert_create"):
        assert (
            client.get(reverse(f"incidents_staff:{name}", args=[999])).status_code
            == 404
        )
    assert (
        client.get(reverse("incidents_staff:directive", args=[999])).status_code == 404
    )
    assert (
        client.get(reverse("incidents_staff:meeting_incidents", args=[999])).status_code
        == 404
    )
