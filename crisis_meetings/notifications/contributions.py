"""Notifications of contribution requests (原稿依頼, ``meetings.contributions``).

Connected to that app's signals when it is installed; they are sent after the
commit of the action, so the jobs are queued at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from crisis_meetings.notifications import services
from crisis_meetings.notifications.models import Event

APP = "meetings.contributions"


def installed() -> bool:
    return apps.is_installed(APP)


def _model() -> Any:
    return apps.get_model("contributions", "ContributionRequest")


def _url(request: Any, *, for_department: bool) -> str:
    names = (
        [("contributions:write", [request.pk]), ("contributions:mine", [])]
        if for_department
        else [("contributions:overview", [request.meeting_id])]
    )
    for name, args in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return reverse("staff:dashboard")


def _department_members(request: Any) -> list[Any]:
    from meetings.contributions import services as contribution_services

    return list(contribution_services.department_members(request))


def _coordinators(request: Any) -> list[Any]:
    from meetings.contributions import services as contribution_services

    return list(contribution_services.coordinators(request))


def _due(request: Any) -> str:
    local = timezone.localtime(request.due_at)
    from meetings import wareki

    return f"提出期限:{wareki.format_wareki(local.date(), weekday=True)} {local:%H:%M}"


@transaction.atomic
def requested(request_id: int, actor_id: int | None = None) -> int:
    request = (
        _model().objects.select_related("meeting", "organisation").get(pk=request_id)
    )
    made = services.notify(
        recipients=_department_members(request),
        event=Event.CONTRIBUTION_REQUESTED,
        key=f"contribution_requested:{request.pk}",
        title=f"原稿依頼:{request.meeting.title}",
        body="\n".join(
            line
            for line in [
                f"依頼先:{request.organisation}",
                _due(request),
                request.note,
            ]
            if line
        ),
        url=_url(request, for_department=True),
        exclude=actor_id,
    )
    services.after_commit_flush(made)
    return len(made)


@transaction.atomic
def submitted(request_id: int, version_id: int, actor_id: int | None = None) -> int:
    request = (
        _model().objects.select_related("meeting", "organisation").get(pk=request_id)
    )
    made = services.notify(
        recipients=_coordinators(request),
        event=Event.CONTRIBUTION_SUBMITTED,
        key=f"contribution_submitted:{request.pk}:{version_id}",
        title=f"原稿の提出:{request.organisation}({request.meeting.title})",
        body=f"{request.organisation}から原稿が提出されました。",
        url=_url(request, for_department=False),
        exclude=actor_id,
    )
    services.after_commit_flush(made)
    return len(made)


@transaction.atomic
def returned(
    request_id: int, comment: str, event_key: str, actor_id: int | None = None
) -> int:
    request = (
        _model().objects.select_related("meeting", "organisation").get(pk=request_id)
    )
    made = services.notify(
        recipients=_department_members(request),
        event=Event.CONTRIBUTION_RETURNED,
        key=f"contribution_returned:{request.pk}:{event_key}",
        title=f"原稿の差戻し:{request.meeting.title}",
        body="\n".join(line for line in [f"差戻しの理由:{comment}", _due(request)]),
        url=_url(request, for_department=True),
        exclude=actor_id,
    )
    services.after_commit_flush(made)
    return len(made)


@transaction.atomic
def due_reminders(*, now: datetime | None = None) -> int:
    """Requests still open and due within ``NOTIFY_CONTRIBUTION_DUE_HOURS`` hours
    (and not past): the department is reminded once per due time."""
    if not installed():
        return 0
    now = now or timezone.now()
    model = _model()
    open_statuses = [model.Status.REQUESTED, model.Status.RETURNED]
    made: list[Any] = []
    for request in (
        model.objects.select_related("meeting", "organisation")
        .filter(
            status__in=open_statuses,
            due_at__gt=now,
            due_at__lte=now + timedelta(hours=settings.NOTIFY_CONTRIBUTION_DUE_HOURS),
        )
        .order_by("due_at", "pk")
    ):
        made += services.notify(
            recipients=_department_members(request),
            event=Event.CONTRIBUTION_DUE,
            key=f"contribution_due:{request.pk}:{request.due_at.isoformat()}",
            title=f"原稿の提出期限が近づいています:{request.meeting.title}",
            body="\n".join([f"依頼先:{request.organisation}", _due(request)]),
            url=_url(request, for_department=True),
        )
    services.after_commit_flush(made)
    return len(made)


def connect() -> None:
    """Listen to the contribution app's signals (sent after commit)."""
    if not installed():
        return
    from crisis_meetings.notifications import tasks
    from meetings.contributions import signals as contribution_signals

    def _actor(kwargs: dict[str, Any]) -> int | None:
        actor = kwargs.get("actor")
        return getattr(actor, "pk", None)

    def on_requested(sender: Any, request: Any, **kwargs: Any) -> None:
        tasks.enqueue(tasks.contribution_requested, request.pk, _actor(kwargs))

    def on_submitted(sender: Any, request: Any, **kwargs: Any) -> None:
        version = kwargs.get("version")
        tasks.enqueue(
            tasks.contribution_submitted,
            request.pk,
            getattr(version, "pk", 0),
            _actor(kwargs),
        )

    def on_returned(sender: Any, request: Any, **kwargs: Any) -> None:
        # A return is of the latest version: one notification per version returned.
        tasks.enqueue(
            tasks.contribution_returned,
            request.pk,
            kwargs.get("comment") or "",
            f"v{request.versions.count()}",
            _actor(kwargs),
        )

    contribution_signals.contribution_requested.connect(
        on_requested, weak=False, dispatch_uid="notifications.contribution_requested"
    )
    contribution_signals.contribution_submitted.connect(
        on_submitted, weak=False, dispatch_uid="notifications.contribution_submitted"
    )
    contribution_signals.contribution_returned.connect(
        on_returned, weak=False, dispatch_uid="notifications.contribution_returned"
    )
