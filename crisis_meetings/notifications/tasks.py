"""Background jobs of notifications (Celery; inline when no broker is configured).

Mail delivery retries with a growing delay (``autoretry_for``, ``retry_backoff``).
Run inline (no broker) a failed mail is not retried on the spot: it stays queued
in the outbox and the next ``send_pending_mail`` (cron, or the beat task below)
sends it.

Inline inside a request, the jobs wait until the response has been computed and
the action committed (``InlineJobs``, used by ``InlineJobsMiddleware``):
they run when the server closes the response, each SMTP connection limited to
``EMAIL_INLINE_TIMEOUT`` seconds, and after one failed delivery the request's
other mails wait in the outbox for ``send_pending_mail``, so a down mail server
costs one timeout, never the staff action.
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass, field
from typing import Any

from celery import shared_task
from django.conf import settings

from crisis_meetings.notifications.services import DeliveryFailed

logger = logging.getLogger(__name__)


@dataclass
class _Deferred:
    """The inline jobs of one request, run after its response."""

    jobs: list[tuple[Any, tuple[Any, ...]]] = field(default_factory=list)
    smtp_down: bool = False


_deferred: contextvars.ContextVar[_Deferred | None] = contextvars.ContextVar(
    "notification_jobs_deferred", default=None
)


def enqueue(task: Any, *args: Any) -> None:
    """Start a job; a broker that cannot be reached is logged, never raised (the
    work stays findable: notifications and mails wait in the database). Without a
    broker, inside a request, the job waits for the response (``InlineJobs``)."""
    deferred = _deferred.get()
    if deferred is not None and settings.CELERY_TASK_ALWAYS_EAGER:
        deferred.jobs.append((task, args))
        return
    try:
        task.delay(*args)
    except Exception:
        logger.exception("could not queue %s%r", getattr(task, "name", task), args)


class InlineJobs:
    """The inline jobs one request starts: collected between ``start()`` and
    ``stop()``, run by ``run()`` (with those they start), each error logged."""

    def __init__(self) -> None:
        self.state = _Deferred()
        self._token: contextvars.Token[_Deferred | None] | None = None

    def start(self) -> None:
        self._token = _deferred.set(self.state)

    def stop(self) -> None:
        if self._token is not None:
            _deferred.reset(self._token)
            self._token = None

    def run(self) -> None:
        self.start()  # jobs started by these jobs join the queue
        try:
            while self.state.jobs:
                task, args = self.state.jobs.pop(0)
                try:
                    task.delay(*args)
                except Exception:
                    logger.exception(
                        "inline job %s%r failed", getattr(task, "name", task), args
                    )
        finally:
            self.stop()


RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(
    name="notifications.deliver_mail",
    bind=True,
    autoretry_for=(DeliveryFailed,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def deliver_mail(self: Any, mail_id: int) -> str:
    from crisis_meetings.notifications import services

    if not self.request.is_eager:
        return services.deliver(mail_id)  # DeliveryFailed: Celery retries it
    deferred = _deferred.get()
    if deferred is not None and deferred.smtp_down:
        return "pending"  # one timeout per request: send_pending_mail sends it
    try:
        return services.deliver(mail_id, timeout=settings.EMAIL_INLINE_TIMEOUT)
    except DeliveryFailed:
        if deferred is not None:
            deferred.smtp_down = True
        return "pending"  # no worker to wait in: send_pending_mail retries it


@shared_task(name="notifications.flush_user", **RETRY)
def flush_user(user_id: int) -> None:
    from crisis_meetings.notifications import services

    services.flush_user(user_id)


@shared_task(name="notifications.meeting_event", **RETRY)
def meeting_event(event_id: int) -> int:
    from crisis_meetings.notifications import dispatch

    return dispatch.meeting_event(event_id)


@shared_task(name="notifications.directive_assigned", **RETRY)
def directive_assigned(assignment_id: int) -> int:
    from crisis_meetings.notifications import dispatch

    return dispatch.directive_assigned(assignment_id)


@shared_task(name="notifications.contribution_requested", **RETRY)
def contribution_requested(request_id: int, actor_id: int | None = None) -> int:
    from crisis_meetings.notifications import contributions

    return contributions.requested(request_id, actor_id)


@shared_task(name="notifications.contribution_submitted", **RETRY)
def contribution_submitted(
    request_id: int, version_id: int, actor_id: int | None = None
) -> int:
    from crisis_meetings.notifications import contributions

    return contributions.submitted(request_id, version_id, actor_id)


@shared_task(name="notifications.contribution_returned", **RETRY)
def contribution_returned(
    request_id: int, comment: str, event_key: str, actor_id: int | None = None
) -> int:
    from crisis_meetings.notifications import contributions

    return contributions.returned(request_id, comment, event_key, actor_id)


@shared_task(name="notifications.send_reminders", **RETRY)
def send_reminders() -> int:
    """Periodic (beat): directives due soon or overdue, contributions due in 2 h."""
    from crisis_meetings.notifications import dispatch

    return dispatch.run_reminders()


@shared_task(name="notifications.send_pending_mail")
def send_pending_mail() -> dict[str, int]:
    """Periodic (beat): digests whose window has passed, mails due for a retry."""
    from crisis_meetings.notifications import services

    return services.send_pending()
