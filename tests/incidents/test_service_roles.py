"""Every role check in incidents' services, pinned by calling the service itself,
and the directive progress log kept append-only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from incidents import services
from incidents.models import (
    AlertChange,
    DirectiveAssignment,
    DirectiveFollowUp,
    DirectiveProgress,
    Incident,
    IncidentLink,
)
from meetings.models import AppendOnlyError, Organisation
from tests.factories import make_meeting
from tests.incidents.conftest import (
    at,
    directive_items,
    level,
    make_directive_meeting,
    make_incident,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, scheme):
    incident = make_incident()
    meeting = make_directive_meeting(held_on="2024-05-10")
    later = make_meeting(held_on="2024-05-20")
    latest = make_meeting(held_on="2024-05-25")
    item = directive_items(meeting)[0]
    division = Organisation.objects.create(
        name="危機管理政策課", kind=Organisation.Kind.DIVISION
    )
    assignment = DirectiveAssignment.objects.create(
        item=item,
        meeting=meeting,
        directive_text=item.text,
        organisation=division,
    )
    change = AlertChange.objects.create(
        incident=incident,
        scheme=scheme,
        level=level(scheme, "ステージⅡ"),
        effective_at=at(2024, 5, 10, 18),
        meeting=meeting,
    )
    follow_up = DirectiveFollowUp.objects.create(
        assignment=assignment, section=later.sections.get()
    )
    return {
        "incident": incident,
        "meeting": meeting,
        "later": later,
        "latest": latest,
        "item": directive_items(meeting)[1],
        "assignment": assignment,
        "level": level(scheme, "ステージⅢ"),
        "change": change,
        "follow_up": follow_up,
    }


EDITOR_CALLS = {
    "incident_create": lambda w, u: services.incident_create(
        user=u,
        data={"title": "新事案", "category": "other", "started_at": at(2024, 1, 1)},
    ),
    "incident_update": lambda w, u: services.incident_update(
        incident=w["incident"], user=u, data={"title": "改ざん"}
    ),
    "incident_link_meeting": lambda w, u: services.incident_link_meeting(
        incident=w["incident"], meeting=w["later"], user=u
    ),
    "incident_unlink_meeting": lambda w, u: services.incident_unlink_meeting(
        incident=w["incident"], meeting=w["meeting"], user=u
    ),
    "alert_change_record": lambda w, u: services.alert_change_record(
        incident=w["incident"],
        level=w["level"],
        effective_at=at(2024, 5, 20, 9),
        meeting=w["later"],
        user=u,
    ),
    "directive_assign": lambda w, u: services.directive_assign(
        item=w["item"], user=u, all_departments=True
    ),
    "directive_update": lambda w, u: services.directive_update(
        assignment=w["assignment"], user=u, due_on=None, incident=w["incident"]
    ),
    "directive_progress_record": lambda w, u: services.directive_progress_record(
        assignment=w["assignment"], user=u, note="記録"
    ),
    "directive_follow_up_link": lambda w, u: services.directive_follow_up_link(
        assignment=w["assignment"], section=w["latest"].sections.get(), user=u
    ),
    "directive_follow_up_unlink": lambda w, u: services.directive_follow_up_unlink(
        follow_up=w["follow_up"], user=u
    ),
}


def _snapshot() -> tuple:
    return (
        list(Incident.objects.values_list("pk", "title")),
        IncidentLink.objects.count(),
        AlertChange.objects.count(),
        list(DirectiveAssignment.objects.values_list("pk", "due_on", "incident_id")),
        DirectiveProgress.objects.count(),
        DirectiveFollowUp.objects.count(),
    )


@pytest.mark.parametrize("name", EDITOR_CALLS)
def test_editor_services_refuse_users_without_a_role(world, outsider, name):
    IncidentLink.objects.create(incident=world["incident"], meeting=world["meeting"])
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        EDITOR_CALLS[name](world, outsider)
    assert _snapshot() == before


@pytest.mark.parametrize("name", EDITOR_CALLS)
def test_editor_services_let_an_editor_through(world, editor, name):
    """The control: the same calls by an editor succeed (so the refusal is the role)."""
    EDITOR_CALLS[name](world, editor)


def test_alert_change_delete_refuses_editors(world, editor):
    with pytest.raises(PermissionDenied):
        services.alert_change_delete(change=world["change"], user=editor)
    assert AlertChange.objects.filter(pk=world["change"].pk).exists()


def test_only_approvers_cancel_a_directive(world, editor):
    with pytest.raises(PermissionDenied):
        services.directive_progress_record(
            assignment=world["assignment"], user=editor, new_status="cancelled"
        )
    world["assignment"].refresh_from_db()
    assert world["assignment"].status == DirectiveAssignment.Status.OPEN


# -- the progress log is append-only ------------------------------------------------


@pytest.fixture
def entry(world, editor) -> DirectiveProgress:
    return services.directive_progress_record(
        assignment=world["assignment"], user=editor, note="着手", new_status="done"
    )


def test_progress_entries_cannot_be_changed_or_deleted(entry, editor):
    entry.note = "改ざん"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        DirectiveProgress.objects.update(note="改ざん")
    with pytest.raises(AppendOnlyError):
        DirectiveProgress.objects.all().delete()
    with pytest.raises(ProtectedError):
        entry.assignment.delete()
    with pytest.raises(ProtectedError):
        editor.delete()
    assert DirectiveProgress.objects.get().note == "着手"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")
def test_postgres_refuses_raw_update_and_delete_of_progress(entry):
    for sql in (
        "UPDATE incidents_directiveprogress SET note = 'x' WHERE id = %s",
        "DELETE FROM incidents_directiveprogress WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert DirectiveProgress.objects.get().note == "着手"


def test_admin_shows_progress_read_only(client, admin_user, entry):
    from django.urls import reverse

    client.force_login(admin_user)
    url = reverse(
        "admin:incidents_directiveassignment_change", args=[entry.assignment_id]
    )
    html = client.get(url).content.decode()
    assert "着手" in html
    assert 'name="progress_entries-0-note"' not in html
    assert 'name="status"' not in html  # status changes only through the log


def test_admin_shows_links_and_alert_changes_read_only(
    client, admin_user, editor, scheme
):
    """Links and alert changes are written on the staff pages (services) only."""
    from django.urls import reverse

    from incidents.models import AlertChange
    from tests.incidents.conftest import at, level, make_incident

    incident = make_incident()
    meeting = make_meeting()
    services.incident_link_meeting(
        incident=incident,
        meeting=meeting,
        user=editor,
        sections=list(meeting.sections.all()),
    )
    change = services.alert_change_record(
        incident=incident,
        level=level(scheme, "平常時"),
        effective_at=at(2024, 5, 10, 18),
        meeting=meeting,
        user=editor,
    )
    client.force_login(admin_user)
    html = client.get(
        reverse("admin:incidents_incident_change", args=[incident.pk])
    ).content.decode()
    assert meeting.title in html  # shown
    assert 'name="links-0-section"' not in html
    assert 'name="alert_changes-0-level"' not in html
    url = reverse("admin:incidents_alertchange_change", args=[change.pk])
    assert 'name="level"' not in client.get(url).content.decode()
    client.post(url, {"level": level(scheme, "ステージⅢ").pk, "note": "x"})
    assert AlertChange.objects.get(pk=change.pk).level.name == "平常時"
    assert client.get(reverse("admin:incidents_alertchange_add")).status_code == 403
