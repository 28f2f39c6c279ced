"""Background jobs of the incidents app (Celery; see meetings.tasks for the rules)."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from meetings.tasks import RETRY


# The name is the one jobs were queued under before this task moved here from
# meetings (a job queued for later still finds it).
@shared_task(name="meetings.refresh_incident", **RETRY)
def refresh_incident(incident_id: int) -> None:
    """An alert level took effect: the incident's pages and its meetings' pages."""
    from incidents.models import Incident
    from incidents.services import pages_changed

    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return
    with transaction.atomic():
        pages_changed(incident)
