"""Writes with rules for incidents: links to meetings, alert changes, directives.

Every function is keyword-only, atomic, validates with ``full_clean()`` before saving
and checks the caller's role on the server (views check too; this is the last line).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents.models import (
    AlertChange,
    AlertLevel,
    DepartmentMembership,
    DirectiveAssignment,
    DirectiveFollowUp,
    DirectiveProgress,
    Incident,
    IncidentLink,
)
from meetings import permissions, site
from meetings.models import AgendaItem, Item, Meeting, Organisation, Section
from meetings.permissions import Actor

DirectiveStatus = DirectiveAssignment.Status

# Who may move a directive from one status to another. Editors (the departments'
# 入力担当) record progress and may start or finish a directive; only approvers and
# admins may cancel a directive or reopen one that was finished or cancelled.
EDITOR_TRANSITIONS: dict[str, frozenset[str]] = {
    DirectiveStatus.OPEN: frozenset(
        {DirectiveStatus.IN_PROGRESS, DirectiveStatus.DONE}
    ),
    DirectiveStatus.IN_PROGRESS: frozenset({DirectiveStatus.DONE}),
    DirectiveStatus.DONE: frozenset(),
    DirectiveStatus.CANCELLED: frozenset(),
}
APPROVER_TRANSITIONS: dict[str, frozenset[str]] = {
    DirectiveStatus.OPEN: frozenset(
        {DirectiveStatus.IN_PROGRESS, DirectiveStatus.DONE, DirectiveStatus.CANCELLED}
    ),
    DirectiveStatus.IN_PROGRESS: frozenset(
        {DirectiveStatus.OPEN, DirectiveStatus.DONE, DirectiveStatus.CANCELLED}
    ),
    DirectiveStatus.DONE: frozenset(
        {DirectiveStatus.OPEN, DirectiveStatus.IN_PROGRESS, DirectiveStatus.CANCELLED}
    ),
    DirectiveStatus.CANCELLED: frozenset({DirectiveStatus.OPEN}),
}


def _require_editor(user: Actor) -> None:
    if not permissions.is_editor(user):
        raise PermissionDenied("この操作は入力担当・承認者・管理者だけが行えます。")


def _require_department(user: Actor, assignment: DirectiveAssignment) -> None:
    """Editors who belong to a department record progress for that department only."""
    if permissions.is_approver(user) or assignment.all_departments:
        return
    person = permissions.person(user)
    membership = (
        DepartmentMembership.objects.filter(user=person).first() if person else None
    )
    if (
        membership is not None
        and membership.organisation_id != assignment.organisation_id
    ):
        raise PermissionDenied(
            f"{membership.organisation.name}の入力担当は、他の部署に割り当てられた"
            "指示事項の取組状況を記録できません。"
        )


def _require_approver(user: Actor) -> None:
    if not permissions.is_approver(user):
        raise PermissionDenied("この操作は承認者・管理者だけが行えます。")


def _actor(user: Actor) -> User | None:
    return permissions.person(user)


# ---------------------------------------------------------------------------
# Incidents
# ---------------------------------------------------------------------------

INCIDENT_FIELDS = (
    "title",
    "category",
    "status",
    "is_drill",
    "started_at",
    "ended_at",
    "affected_organisation",
    "responsible_organisation",
    "public_summary",
    "is_public",
)


def pages_changed(incident: Incident, meetings: Iterable[Meeting] = ()) -> None:
    """The publication tree: the incident's pages and list, the pages linking to it
    and the pages of ``meetings`` (their titles and alert notices)."""
    site.related_changed(
        public_ids=[incident.public_id],
        list_url=reverse("incidents_public:list"),
        meetings=meetings,
    )


def _refresh_pages_at(when: datetime, incident: Incident) -> None:
    """Queue a rewrite of the incident's pages (and its meetings' pages, which link
    to it) for ``when``, once the current transaction commits. Nothing if ``when``
    has passed: the pages were just written."""
    from incidents import tasks

    if when <= timezone.now():
        return
    transaction.on_commit(
        lambda: tasks.refresh_incident.apply_async(args=[incident.pk], eta=when)
    )


@transaction.atomic
def incident_create(*, user: Actor, data: dict[str, Any]) -> Incident:
    _require_editor(user)
    incident = Incident(**{k: data[k] for k in INCIDENT_FIELDS if k in data})
    incident.full_clean()
    incident.save()
    pages_changed(incident)
    return incident


@transaction.atomic
def incident_update(
    *, incident: Incident, user: Actor, data: dict[str, Any]
) -> Incident:
    _require_editor(user)
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    for key in INCIDENT_FIELDS:
        if key in data:
            setattr(locked, key, data[key])
    locked.full_clean()
    locked.save()
    # Its page, the pages linking to it, and its meetings' pages (titles, notices).
    pages_changed(locked, _linked_meetings(locked))
    return locked


def _linked_meetings(incident: Incident) -> list[Meeting]:
    return list(Meeting.objects.filter(incident_links__incident=incident).distinct())


@transaction.atomic
def incident_link_meeting(
    *,
    incident: Incident,
    meeting: Meeting,
    user: Actor,
    agenda_items: Iterable[AgendaItem] = (),
    sections: Iterable[Section] = (),
    note: str = "",
) -> list[IncidentLink]:
    """Set which parts of ``meeting`` concern ``incident``, replacing earlier links.

    The meeting as a whole is always linked; agenda items and sections add detail.
    """
    _require_editor(user)
    agenda_items = list(agenda_items)
    sections = list(sections)
    errors: list[str] = []
    if any(a.meeting_id != meeting.pk for a in agenda_items):
        errors.append("別の会議の協議概要は関連付けられません。")
    if any(s.meeting_id != meeting.pk for s in sections):
        errors.append("別の会議の説明・報告は関連付けられません。")
    if errors:
        raise ValidationError(errors)
    IncidentLink.objects.filter(incident=incident, meeting=meeting).delete()
    links = [IncidentLink(incident=incident, meeting=meeting, note=note)]
    links += [
        IncidentLink(incident=incident, meeting=meeting, agenda_item=a)
        for a in agenda_items
    ]
    links += [
        IncidentLink(incident=incident, meeting=meeting, section=s) for s in sections
    ]
    for link in links:
        link.full_clean(validate_constraints=False)
    created = IncidentLink.objects.bulk_create(links)
    pages_changed(incident, [meeting])
    return created


@transaction.atomic
def incident_unlink_meeting(
    *, incident: Incident, meeting: Meeting, user: Actor
) -> int:
    _require_editor(user)
    deleted, _ = IncidentLink.objects.filter(
        incident=incident, meeting=meeting
    ).delete()
    pages_changed(incident, [meeting])
    return deleted


def _ensure_meeting_linked(incident: Incident, meeting: Meeting) -> None:
    IncidentLink.objects.get_or_create(
        incident=incident, meeting=meeting, agenda_item=None, section=None
    )


# ---------------------------------------------------------------------------
# Alert levels
# ---------------------------------------------------------------------------


@transaction.atomic
def alert_change_record(
    *,
    incident: Incident,
    level: AlertLevel,
    effective_at: datetime,
    meeting: Meeting,
    user: Actor,
    section: Section | None = None,
    note: str = "",
) -> AlertChange:
    """Record that ``meeting`` announced ``level`` from ``effective_at`` on."""
    _require_editor(user)
    if timezone.is_naive(effective_at):
        raise ValidationError({"effective_at": "発効日時にはタイムゾーンが必要です。"})
    change = AlertChange(
        incident=incident,
        scheme_id=level.scheme_id,
        level=level,
        effective_at=effective_at,
        meeting=meeting,
        section=section,
        note=note,
        created_by=_actor(user),
    )
    change.full_clean()
    change.save()
    # An announcing meeting concerns the incident: it belongs on its timeline.
    _ensure_meeting_linked(incident, meeting)
    pages_changed(incident, [meeting])
    # Pages show the level in force now: rewrite them again when this one takes effect.
    _refresh_pages_at(effective_at, incident)
    return change


@transaction.atomic
def alert_change_delete(*, change: AlertChange, user: Actor) -> None:
    """Remove a change recorded by mistake (approvers and admins only)."""
    _require_approver(user)
    change.delete()
    # A change recorded without its announcing meeting concerns no meeting page.
    pages_changed(change.incident, [change.meeting] if change.meeting else [])


# ---------------------------------------------------------------------------
# Directives
# ---------------------------------------------------------------------------


def directive_allowed_statuses(*, user: Actor, current: str) -> frozenset[str]:
    """The statuses ``user`` may move a directive to from ``current``."""
    if permissions.is_approver(user):
        return APPROVER_TRANSITIONS.get(current, frozenset())
    if permissions.is_editor(user):
        return EDITOR_TRANSITIONS.get(current, frozenset())
    return frozenset()


def _default_incident(item: Item) -> Incident | None:
    """The incident a directive concerns: its section's link, else the meeting's only one."""
    section_link = (
        IncidentLink.objects.filter(section_id=item.section_id)
        .select_related("incident")
        .first()
    )
    if section_link is not None:
        return section_link.incident
    incident_ids = set(
        IncidentLink.objects.filter(meeting_id=item.section.meeting_id).values_list(
            "incident_id", flat=True
        )
    )
    if len(incident_ids) == 1:
        return Incident.objects.get(pk=incident_ids.pop())
    return None


@transaction.atomic
def directive_assign(
    *,
    item: Item,
    user: Actor,
    organisation: Organisation | None = None,
    all_departments: bool = False,
    due_on: date | None = None,
    incident: Incident | None = None,
) -> DirectiveAssignment:
    """Assign a directive item to a department (or to all departments)."""
    _require_editor(user)
    section = item.section
    assignment = DirectiveAssignment(
        item=item,
        meeting_id=section.meeting_id,
        directive_text=f"{item.marker}{item.text}",
        issuer=section.speaker,
        organisation=None if all_departments else organisation,
        all_departments=all_departments,
        due_on=due_on,
        incident=incident if incident is not None else _default_incident(item),
        created_by=_actor(user),
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def directive_update(
    *,
    assignment: DirectiveAssignment,
    user: Actor,
    due_on: date | None,
    incident: Incident | None,
) -> DirectiveAssignment:
    _require_editor(user)
    locked = DirectiveAssignment.objects.select_for_update().get(pk=assignment.pk)
    locked.due_on = due_on
    locked.incident = incident
    locked.full_clean()
    locked.save(update_fields=["due_on", "incident", "updated_at"])
    return locked


@transaction.atomic
def directive_progress_record(
    *,
    assignment: DirectiveAssignment,
    user: Actor,
    note: str = "",
    new_status: str | None = None,
    recorded_at: datetime | None = None,
) -> DirectiveProgress:
    """Log progress on a directive; change its status if the user's role allows it."""
    _require_editor(user)
    locked = DirectiveAssignment.objects.select_for_update().get(pk=assignment.pk)
    _require_department(user, locked)
    note = (note or "").strip()
    before = locked.status
    if new_status and new_status not in DirectiveStatus.values:
        raise ValidationError(
            {"new_status": "状態の値が正しくありません。状態を選び直してください。"}
        )
    status_change = bool(new_status) and new_status != before
    if status_change and new_status not in directive_allowed_statuses(
        user=user, current=before
    ):
        if new_status in APPROVER_TRANSITIONS.get(before, frozenset()):
            raise PermissionDenied(
                "取消し・再開などこの状態の変更は、承認者・管理者だけが行えます。"
            )
        raise ValidationError(
            {
                "new_status": f"「{DirectiveStatus(before).label}」から"
                f"「{DirectiveStatus(new_status or before).label}」には変更できません。"
            }
        )
    if not note and not status_change:
        raise ValidationError(
            {"note": "取組状況を入力するか、状況を変更してください。"}
        )
    entry = DirectiveProgress(
        assignment=locked,
        recorded_at=recorded_at or timezone.now(),
        recorded_by=_actor(user),
        note=note,
        from_status=before if status_change else "",
        to_status=(new_status or "") if status_change else "",
    )
    entry.full_clean()
    entry.save()
    if status_change:
        locked.status = new_status
        locked.full_clean()
        locked.save(update_fields=["status", "updated_at"])
    assignment.status = locked.status
    return entry


@transaction.atomic
def directive_follow_up_link(
    *, assignment: DirectiveAssignment, section: Section, user: Actor, note: str = ""
) -> DirectiveFollowUp:
    """Record that a later meeting's ``section`` reports back on ``assignment``."""
    _require_editor(user)
    follow_up = DirectiveFollowUp(
        assignment=assignment, section=section, note=note, created_by=_actor(user)
    )
    follow_up.full_clean()
    follow_up.save()
    if assignment.incident is not None:
        _ensure_meeting_linked(assignment.incident, section.meeting)
    _directive_reports_changed(assignment)
    return follow_up


def _directive_reports_changed(assignment: DirectiveAssignment) -> None:
    """The incident page and API show which published meetings reported on each
    directive (incidents.public_directives): rewrite the page, change the ETag."""
    incident = assignment.incident
    if incident is None:
        return
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())
    pages_changed(incident)


@transaction.atomic
def directive_follow_up_unlink(*, follow_up: DirectiveFollowUp, user: Actor) -> None:
    _require_editor(user)
    assignment = follow_up.assignment
    follow_up.delete()
    _directive_reports_changed(assignment)
