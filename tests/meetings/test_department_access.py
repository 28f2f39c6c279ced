"""A department's editor (入力担当 of a department) opens only the meetings its
department was asked for a section of, read-only; the coordinating editor (no
department), approvers and admins open every meeting (``meetings.access``).

The staff URLs that take a meeting are read from the URLconf, so a new one is
covered (and must be classified below) without editing this file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from meetings import services
from meetings.contributions import services as contributions
from meetings.models import Meeting, Organisation, Publication
from tests.factories import department_editor, make_meeting, tiny_pdf

pytestmark = pytest.mark.django_db

# A route takes a meeting when it holds meetings/<int:pk> or meetings/<int:meeting_pk>.
MEETING_ROUTE = re.compile(r"meetings/<int:(?:pk|meeting_pk)>/")

# What a department's editor with a request opens (GET, 200).
READ = {
    "staff/meetings/<int:pk>/preview/",
    "staff/meetings/<int:pk>/history/",
    "staff/meetings/<int:pk>/publications/<int:number>/",
    "staff/meetings/<int:pk>/files/<int:attachment_id>/",
    "staff/pdf/meetings/<int:pk>/draft.pdf",
}
# The coordinating staff's pages of a meeting, opened with GET (200 for them).
WRITE_GET = {
    "staff/meetings/<int:pk>/edit/",
    "staff/meetings/<int:pk>/delete/",
    "staff/meetings/<int:pk>/contributions/",
    "staff/incidents/meetings/<int:meeting_pk>/",
    "staff/incidents/meetings/<int:meeting_pk>/directives/",
}
# State changes (POST only).
WRITE_POST = {
    "staff/meetings/<int:pk>/submit/",
    "staff/meetings/<int:pk>/return/",
    "staff/meetings/<int:pk>/publish/",
    "staff/meetings/<int:pk>/withdraw/",
    "staff/incidents/meetings/<int:meeting_pk>/unlink/<int:incident_pk>/",
}


def _routes(resolver=None, prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _routes(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("staff/"):
            found.append(route)
    return found


def meeting_routes() -> list[str]:
    return sorted(r for r in _routes() if MEETING_ROUTE.search(r))


def _path(route: str, meeting: Meeting) -> str:
    attachment = meeting.attachments.filter(is_generated=False).first()
    publication = Publication.objects.filter(meeting=meeting).first()
    values = {
        "pk": meeting.pk,
        "meeting_pk": meeting.pk,
        "number": publication.number if publication else 1,
        "attachment_id": attachment.pk if attachment else 1,
    }
    return "/" + re.sub(r"<int:(\w+)>", lambda m: str(values.get(m.group(1), 1)), route)


@pytest.fixture
def iryo(db) -> Organisation:
    return Organisation.objects.create(name="医療政策課", kind="division")


@pytest.fixture
def keisatsu(db) -> Organisation:
    return Organisation.objects.create(name="警察本部", kind="department")


@pytest.fixture
def writer(django_user_model, iryo):
    return department_editor(django_user_model, "iryo_writer", iryo)


@pytest.fixture
def stranger(django_user_model, keisatsu):
    """A department editor whose department was asked for nothing."""
    return department_editor(django_user_model, "keisatsu_writer", keisatsu)


def _ask(meeting: Meeting, coordinator, department: Organisation) -> None:
    contributions.contribution_request_create(
        meeting=meeting,
        user=coordinator,
        organisations=[department],
        due_at=timezone.now() + timedelta(hours=3),
    )


@pytest.fixture
def asked(editor, approver, iryo) -> Meeting:
    """Asked 医療政策課 for a section, then published (a snapshot exists), with an
    attachment."""
    meeting = make_meeting(user=editor, status=Meeting.Status.REVIEW)
    services.attachment_add(meeting=meeting, label="会議資料", content=tiny_pdf())
    _ask(meeting, editor, iryo)
    services.meeting_publish(meeting=meeting, user=approver)
    meeting.refresh_from_db()
    return meeting


def test_every_staff_route_with_a_meeting_is_classified():
    """A new staff URL taking a meeting must be put in READ or WRITE_*: the rule
    is then tested for it below."""
    assert set(meeting_routes()) == READ | WRITE_GET | WRITE_POST


def _unchanged(meeting: Meeting) -> tuple:
    fresh = Meeting.objects.get(pk=meeting.pk)  # the trash included
    published = Publication.objects.filter(meeting=meeting).count()
    return (fresh.status, fresh.version, fresh.deleted_at, published)


@pytest.mark.parametrize("route", meeting_routes())
def test_a_department_without_a_request_is_refused_with_the_reason(
    client, route, stranger, asked
):
    before = _unchanged(asked)
    client.force_login(stranger)
    path = _path(route, asked)
    statuses = []
    for method in (client.get, client.post):
        response = method(path, {"version": asked.version, "comment": "x"})
        statuses.append(response.status_code)
        assert response.status_code in (403, 405), (route, method, response.status_code)
        if response.status_code == 403:
            # The reason is shown: the meeting's own, or the page's role.
            page = response.content.decode()
            assert 'class="alert alert-warning" role="status"' in page, route
            if route in READ:
                assert "警察本部に原稿依頼が届いていないため開けません" in page
    assert HTTPStatus.FORBIDDEN in statuses, route
    assert _unchanged(asked) == before


@pytest.mark.parametrize("route", meeting_routes())
def test_a_department_with_a_request_reads_the_meeting_and_writes_nothing(
    client, route, writer, asked
):
    before = _unchanged(asked)
    client.force_login(writer)
    path = _path(route, asked)
    if route in READ:
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK, route
        return
    statuses = []
    for method in (client.get, client.post):
        response = method(path, {"version": asked.version, "comment": "x"})
        statuses.append(response.status_code)
        if response.status_code == 403:
            page = response.content.decode()
            assert 'class="alert alert-warning" role="status"' in page, route
            if route == "staff/meetings/<int:pk>/edit/":
                assert "この会議では依頼された原稿だけを書けます" in page
        assert response.status_code in (403, 405), (route, method, response.status_code)
    assert HTTPStatus.FORBIDDEN in statuses, route
    assert _unchanged(asked) == before


@pytest.mark.parametrize("role", ["editor", "approver"])
@pytest.mark.parametrize("route", sorted(READ | WRITE_GET))
def test_the_coordinating_editor_and_approvers_open_every_meeting(
    client, route, role, request, asked
):
    client.force_login(request.getfixturevalue(role))
    assert client.get(_path(route, asked)).status_code == HTTPStatus.OK, route


def test_the_preview_offers_a_department_no_edit_or_submit(
    client, writer, editor, iryo
):
    meeting = make_meeting(user=editor)
    _ask(meeting, editor, iryo)
    client.force_login(writer)
    page = client.get(reverse("staff:preview", args=[meeting.pk])).content.decode()
    assert reverse("staff:edit", args=[meeting.pk]) not in page
    assert reverse("staff:submit", args=[meeting.pk]) not in page
    # …but its own section's page.
    [own] = contributions.requests_for(writer)
    assert reverse("contributions:write", args=[own.pk]) in page
    client.force_login(editor)
    page = client.get(reverse("staff:preview", args=[meeting.pk])).content.decode()
    assert reverse("staff:edit", args=[meeting.pk]) in page
    assert reverse("staff:submit", args=[meeting.pk]) in page


def test_the_division_named_as_contact_coordinates_its_meeting(
    client, django_user_model, editor
):
    """危機管理政策課's own editors (with the department set) keep the meetings
    whose contact they are, as ``may_coordinate`` lets them ask departments."""
    division = Organisation.objects.create(name="危機管理政策課", kind="division")
    own = department_editor(django_user_model, "seisaku", division)
    meeting = make_meeting(user=editor)
    assert meeting.contact_section == "危機管理政策課"
    client.force_login(own)
    assert client.get(reverse("staff:edit", args=[meeting.pk])).status_code == 200
    other = make_meeting(user=editor, contact={"name": "消防保安課"})
    assert client.get(reverse("staff:edit", args=[other.pk])).status_code == 403


def _dashboard_ids(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-meeting="(\d+)"', page)}


def test_the_dashboard_lists_only_the_departments_meetings_without_edit_links(
    client, writer, editor, iryo, keisatsu, django_assert_max_num_queries
):
    mine = make_meeting(user=editor)
    _ask(mine, editor, iryo)
    theirs = make_meeting(user=editor)
    _ask(theirs, editor, keisatsu)
    unasked = make_meeting(user=editor)

    client.force_login(writer)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert _dashboard_ids(page) == {mine.pk}
    assert reverse("staff:preview", args=[mine.pk]) in page
    assert reverse("staff:edit", args=[mine.pk]) not in page
    assert reverse("staff:delete", args=[mine.pk]) not in page
    # Nothing offered that would answer 403: new meetings, the import, incidents.
    assert "/staff/meetings/new/" not in page
    assert reverse("importer:paste") not in page
    assert f'href="{reverse("incidents_staff:list")}"' not in page
    assert f'href="{reverse("incidents_staff:directives")}"' in page
    assert "原稿依頼のあった会議だけを表示しています" in page

    client.force_login(editor)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert _dashboard_ids(page) == {mine.pk, theirs.pk, unasked.pk}
    assert reverse("staff:edit", args=[mine.pk]) in page

    # The department's list costs the same whatever the number of its meetings.
    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(writer)
        client.get(reverse("staff:dashboard"))  # the session is saved once
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("staff:dashboard"))
        return len(captured)

    one = queries()
    for _ in range(3):
        _ask(make_meeting(user=editor), editor, iryo)
    assert queries() == one


def test_the_department_still_writes_its_own_section(client, writer, editor, iryo):
    meeting = make_meeting(user=editor)
    _ask(meeting, editor, iryo)
    [request] = contributions.requests_for(writer)
    client.force_login(writer)
    assert (
        client.get(reverse("contributions:write", args=[request.pk])).status_code == 200
    )
    assert client.get(reverse("contributions:mine")).status_code == 200


# ---------------------------------------------------------------------------
# Incidents' staff pages
# ---------------------------------------------------------------------------

# Coordination (the crisis-management division, approvers, admins) only.
INCIDENT_COORDINATION = [
    ("incidents_staff:list", []),
    ("incidents_staff:create", []),
    ("incidents_staff:detail", ["incident"]),
    ("incidents_staff:edit", ["incident"]),
    ("incidents_staff:timeline_csv", ["incident"]),
    ("incidents_staff:timeline_pdf", ["incident"]),
    ("incidents_staff:alert_create", ["incident"]),
    ("importer:paste", []),
    ("staff:new", ["type"]),
]


@pytest.fixture
def incident(db):
    from tests.incidents.conftest import make_incident

    return make_incident(title="病院へのサイバー攻撃")


def _incident_url(name: str, args: list[str], incident, meeting_type) -> str:
    values = {"incident": incident.pk, "type": meeting_type.slug}
    return reverse(name, args=[values[a] for a in args])


def test_incident_coordination_pages_refuse_a_department_with_the_reason(
    client, writer, editor, incident
):
    meeting = make_meeting(user=editor)
    client.force_login(writer)
    for name, args in INCIDENT_COORDINATION:
        url = _incident_url(name, args, incident, meeting.meeting_type)
        response = client.get(url)
        assert response.status_code == 403, name
        assert "会議を取りまとめる課" in response.content.decode(), name
    client.force_login(editor)
    for name, args in INCIDENT_COORDINATION:
        url = _incident_url(name, args, incident, meeting.meeting_type)
        assert client.get(url).status_code == 200, name


def test_a_department_sees_its_own_directives_and_those_to_all(
    client, writer, editor, iryo, keisatsu
):
    from incidents import services as incident_services
    from tests.incidents.conftest import directive_items, make_directive_meeting

    meeting = make_directive_meeting(
        "病院を支援すること。", "警備を行うこと。", "全部局で備えること。"
    )
    ours, theirs, everyone = directive_items(meeting)
    mine = incident_services.directive_assign(item=ours, organisation=iryo, user=editor)
    other = incident_services.directive_assign(
        item=theirs, organisation=keisatsu, user=editor
    )
    shared = incident_services.directive_assign(
        item=everyone, all_departments=True, user=editor
    )
    client.force_login(writer)
    page = client.get(reverse("incidents_staff:directives")).content.decode()
    assert "病院を支援すること。" in page and "全部局で備えること。" in page
    assert "警備を行うこと。" not in page
    for assignment, status in ((mine, 200), (shared, 200), (other, 403)):
        url = reverse("incidents_staff:directive", args=[assignment.pk])
        assert client.get(url).status_code == status, assignment
    page = client.get(
        reverse("incidents_staff:directive", args=[mine.pk])
    ).content.decode()
    # Progress is recorded here; due dates, incidents and follow-ups are coordination.
    assert reverse("incidents_staff:directive_edit", args=[mine.pk]) not in page
    assert reverse("incidents_staff:meeting_directives", args=[meeting.pk]) not in page

    client.force_login(editor)
    page = client.get(reverse("incidents_staff:directives")).content.decode()
    assert "警備を行うこと。" in page
    assert (
        client.get(reverse("incidents_staff:directive", args=[other.pk])).status_code
        == 200
    )


# ---------------------------------------------------------------------------
# Every other staff URL: a department's own pages, or 403
# ---------------------------------------------------------------------------

# What a department's editor uses (their own objects only, checked above and in
# the contributions and notifications tests).
DEPARTMENT_PAGES = {
    "staff/",
    "staff/date-hint/",
    "staff/contributions/",
    "staff/contributions/<int:pk>/",
    "staff/incidents/directives/",
    "staff/incidents/directives/<int:pk>/",
    "staff/notifications/",
    "staff/notifications/<int:pk>/open/",
    "staff/notifications/read/",
    "staff/notifications/settings/",
}


def _fill(route: str, number: int) -> str:
    fillers = {"int": str(number), "uuid": "00000000-0000-4000-8000-000000000000"}
    return "/" + re.sub(r"<(\w+):(\w+)>", lambda m: fillers.get(m.group(1), "x"), route)


def test_every_other_staff_url_is_the_departments_own_or_refused(
    client, writer, editor, keisatsu, iryo
):
    """A new staff page is refused to department editors unless it is listed in
    DEPARTMENT_PAGES: a coordinating page added with ``editor_required`` fails here."""
    from incidents import services as incident_services
    from tests.incidents.conftest import (
        directive_items,
        make_directive_meeting,
        make_incident,
    )

    meeting = make_directive_meeting("警備を行うこと。")
    [item] = directive_items(meeting)
    theirs = incident_services.directive_assign(
        item=item, organisation=keisatsu, user=editor
    )
    _ask(meeting, editor, keisatsu)
    [their_request] = meeting.contribution_requests.all()
    incident = make_incident()
    values = {
        "staff/incidents/<int:pk>/": incident.pk,
        "staff/contributions/<int:pk>/": their_request.pk,
        "staff/incidents/directives/<int:pk>/": theirs.pk,
    }
    others = sorted(r for r in _routes() if not MEETING_ROUTE.search(r))
    client.force_login(writer)
    checked = 0
    for route in others:
        if route in DEPARTMENT_PAGES:
            continue
        key = next((k for k in values if route.startswith(k)), "")
        path = _fill(route, values.get(key, 1))
        statuses = [client.get(path).status_code, client.post(path).status_code]
        assert set(statuses) <= {403, 405}, (route, statuses)
        assert 403 in statuses, route
        checked += 1
    assert checked >= 20
    # Another department's request and directive: not opened either.
    for route in (
        "staff/contributions/<int:pk>/",
        "staff/incidents/directives/<int:pk>/",
    ):
        response = client.get("/" + route.replace("<int:pk>", str(values[route])))
        assert response.status_code in (403, 404), route


def test_a_refusal_is_a_line_of_the_security_log(client, stranger, asked, caplog):
    import json
    import logging

    from crisis_meetings.accounts.models import SecurityEvent

    client.force_login(stranger)
    rows = SecurityEvent.objects.count()
    url = reverse("staff:preview", args=[asked.pk])
    with caplog.at_level(logging.INFO, logger="crisis_meetings.security"):
        assert client.get(url).status_code == 403
    [line] = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name == "crisis_meetings.security" and "access_denied" in r.getMessage()
    ]
    assert line["username"] == "keisatsu_writer" and line["path"] == url
    assert "警察本部に原稿依頼が届いていない" in line["reason"]
    assert SecurityEvent.objects.count() == rows  # a line only, no row
