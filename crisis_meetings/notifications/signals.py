"""Hooks: a workflow step or a directive assignment queues its notifications
after the commit (``robust``: a failure is logged, the save has happened)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from crisis_meetings.notifications import contributions, tasks
from incidents.models import DirectiveAssignment
from meetings.models import MeetingEvent

TOLD = {
    MeetingEvent.Action.SUBMIT,
    MeetingEvent.Action.RETURN,
    MeetingEvent.Action.PUBLISH,
    MeetingEvent.Action.CORRECT,
    MeetingEvent.Action.WITHDRAW,
}


@receiver(post_save, sender=MeetingEvent, dispatch_uid="notifications.meeting_event")
def _meeting_event(sender: Any, instance: MeetingEvent, created: bool, **kwargs: Any):
    if created and instance.action in TOLD and not kwargs.get("raw"):
        transaction.on_commit(
            lambda: tasks.enqueue(tasks.meeting_event, instance.pk), robust=True
        )


@receiver(post_save, sender=DirectiveAssignment, dispatch_uid="notifications.directive")
def _directive(sender: Any, instance: DirectiveAssignment, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    transaction.on_commit(
        lambda: tasks.enqueue(tasks.directive_assigned, instance.pk), robust=True
    )


contributions.connect()
