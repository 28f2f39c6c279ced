"""Who is told about what. Each function runs in a job (after the commit of the
action), is idempotent (the notification ``key``), and queues the mails.

- 承認依頼 (meeting submitted): the approvers (group 承認者).
- 差戻し (returned) and 公開・訂正 (published): the meeting's editors, that is
  whoever created, saved or submitted it.
- 指示事項 (assigned, due soon, overdue): the members (``DepartmentMembership``) of
  the department it is assigned to; for 全部局 the members of every department.
- 原稿依頼 (contributions, ``meetings.contributions``): the department's members
  (requested, due in 2 h, returned) or the coordinators (submitted).
Nobody is told about their own action.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crisis_meetings.notifications import services
from crisis_meetings.notifications.models import Event
from meetings import permissions, wareki
from meetings.models import Meeting, MeetingEvent, Publication

User = get_user_model()
Action = MeetingEvent.Action


def approvers() -> list[Any]:
    return list(
        User.objects.filter(is_active=True, groups__name=permissions.APPROVER)
        .distinct()
        .order_by("pk")
    )


def meeting_editors(meeting: Meeting) -> list[Any]:
    ids = set(
        meeting.events.filter(
            action__in=[Action.CREATE, Action.SAVE, Action.SUBMIT],
            actor__isnull=False,
        ).values_list("actor_id", flat=True)
    )
    ids |= {pk for pk in (meeting.created_by_id, meeting.updated_by_id) if pk}
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def department_members(organisation_id: int | None) -> list[Any]:
    """Members of one department; ``None`` means every department (全部局)."""
    members = User.objects.filter(is_active=True, department_membership__isnull=False)
    if organisation_id is not None:
        members = members.filter(department_membership__organisation_id=organisation_id)
    return list(members.order_by("pk"))


@transaction.atomic
def meeting_event(event_id: int) -> int:
    """A workflow step of a meeting: tell the people concerned; returns how many."""
    event = (
        MeetingEvent.objects.select_related("meeting", "meeting__meeting_type")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    meeting = event.meeting
    title = meeting.title
    staff_edit = reverse("staff:edit", args=[meeting.pk])
    if event.action == Action.SUBMIT:
        made = services.notify(
            recipients=approvers(),
            event=Event.MEETING_SUBMITTED,
            key=f"meeting_event:{event.pk}",
            title=f"承認依頼:{title}",
            body="内容を確認して、公開するか差し戻してください。",
            url=reverse("staff:preview", args=[meeting.pk]),
            exclude=event.actor_id,
        )
    elif event.action == Action.RETURN:
        made = services.notify(
            recipients=meeting_editors(meeting),
            event=Event.MEETING_RETURNED,
            key=f"meeting_event:{event.pk}",
            title=f"差戻し:{title}",
            body=f"差戻しの理由:{event.comment}",
            url=staff_edit,
            exclude=event.actor_id,
        )
    elif event.action in (Action.PUBLISH, Action.CORRECT):
        correction = event.action == Action.CORRECT
        made = services.notify(
            recipients=meeting_editors(meeting),
            event=Event.MEETING_PUBLISHED,
            key=f"meeting_event:{event.pk}",
            title=f"{'訂正して再公開' if correction else '公開'}:{title}",
            body=f"訂正内容:{event.comment}" if correction else "",
            url=meeting.get_absolute_url(),
            exclude=event.actor_id,
        )
        publication = (
            Publication.objects.filter(
                meeting=meeting, published_at__lte=event.created_at
            )
            .select_related("meeting", "meeting__meeting_type")
            .order_by("-number")
            .first()
        )
        meeting.refresh_from_db(fields=["status", "current_publication"])
        if (
            publication is not None
            and meeting.status == Meeting.Status.PUBLISHED
            and meeting.current_publication_id == publication.pk
        ):
            services.publication_mails(publication)
    elif event.action == Action.WITHDRAW:
        services.cancel_public_mails(meeting)
        return 0
    else:
        return 0
    services.after_commit_flush(made)
    return len(made)


def _due_label(due_on: date | None) -> str:
    return f"期限:{wareki.format_wareki(due_on, weekday=True)}" if due_on else ""


def _directive_body(assignment: Any) -> str:
    lines = [
        f"指示内容:{assignment.directive_text}",
        f"指示のあった会議:{assignment.meeting.title}",
    ]
    if assignment.issuer:
        lines.append(f"指示者:{assignment.issuer}")
    if assignment.due_on:
        lines.append(_due_label(assignment.due_on))
    return "\n".join(lines)


def _recipient_key(assignment: Any) -> str:
    return "all" if assignment.all_departments else str(assignment.organisation_id)


@transaction.atomic
def directive_assigned(assignment_id: int) -> int:
    model = apps.get_model("incidents", "DirectiveAssignment")
    assignment = (
        model.objects.with_related().filter(pk=assignment_id).first()  # type: ignore[attr-defined]
    )
    if assignment is None or assignment.is_closed:
        return 0
    made = services.notify(
        recipients=department_members(
            None if assignment.all_departments else assignment.organisation_id
        ),
        event=Event.DIRECTIVE_ASSIGNED,
        key=f"directive_assigned:{assignment.pk}:{_recipient_key(assignment)}",
        title=f"指示事項の割当:{assignment.recipient_label}",
        body=_directive_body(assignment),
        url=reverse("incidents_staff:directive", args=[assignment.pk]),
        exclude=assignment.created_by_id,
    )
    services.after_commit_flush(made)
    return len(made)


@transaction.atomic
def directive_reminders(*, today: date | None = None) -> int:
    """Open directives due within ``NOTIFY_DIRECTIVE_DUE_SOON_DAYS`` days or overdue.

    Each reminder is told once per directive, recipient and due date (a new due
    date reminds again); run it as often as you like."""
    today = today or timezone.localdate()
    model = apps.get_model("incidents", "DirectiveAssignment")
    soon = today + timedelta(days=settings.NOTIFY_DIRECTIVE_DUE_SOON_DAYS)
    made: list[Any] = []
    for assignment in (
        model.objects.with_related()  # type: ignore[attr-defined]
        .still_open()
        .filter(due_on__isnull=False, due_on__lte=soon)
        .order_by("due_on", "pk")
    ):
        overdue = assignment.due_on < today
        event = Event.DIRECTIVE_OVERDUE if overdue else Event.DIRECTIVE_DUE_SOON
        made += services.notify(
            recipients=department_members(
                None if assignment.all_departments else assignment.organisation_id
            ),
            event=event,
            key=(
                f"{event.value}:{assignment.pk}:{_recipient_key(assignment)}:"
                f"{assignment.due_on.isoformat()}"
            ),
            title=(
                f"指示事項の期限超過:{assignment.recipient_label}"
                if overdue
                else f"指示事項の期限が近づいています:{assignment.recipient_label}"
            ),
            body=_directive_body(assignment),
            url=reverse("incidents_staff:directive", args=[assignment.pk]),
        )
    services.after_commit_flush(made)
    return len(made)


def run_reminders(*, now: Any = None) -> int:
    """Every periodic reminder: directives, and contributions due in 2 hours."""
    now = now or timezone.now()
    count = directive_reminders(today=timezone.localdate(now))
    from crisis_meetings.notifications import contributions

    count += contributions.due_reminders(now=now)
    return count
