"""Alert levels on public pages: only what published meetings announced.

``{% public_current_alerts incident as alerts %}`` gives an incident's current levels;
``{% meeting_alert_notices meeting as notices %}`` the changes a published meeting
announced, each with its scheme's level now. Both run a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django import template
from django.utils import timezone

from incidents import timeline
from incidents.models import AlertChange, AlertLevel, Incident
from meetings.models import Meeting

register = template.Library()


@register.simple_tag
def public_current_alerts(incident: Incident) -> list[timeline.CurrentAlert]:
    changes = (
        AlertChange.objects.filter(incident=incident)
        .announced_publicly()
        .with_related()
    )
    return timeline.current_alerts(changes, at=timezone.now())


@dataclass
class AlertNotice:
    change: AlertChange
    previous_level: AlertLevel | None
    current: timeline.CurrentAlert | None
    incident_is_public: bool

    @property
    def still_in_force(self) -> bool:
        return self.current is not None and self.current.change.pk == self.change.pk

    @property
    def is_drill(self) -> bool:
        return self.change.incident.is_drill


@register.simple_tag
def meeting_alert_notices(
    meeting: Meeting | None, incidents: Iterable[Incident] | str = ""
) -> list[AlertNotice]:
    """Changes announced by ``meeting`` (published only) with the level now.

    ``incidents``, when given, are the meeting's incidents already known to be
    public (the meeting page has them): only their changes are shown, and no
    query is spent on checking which incidents are public.
    """
    if meeting is None or meeting.status != Meeting.Status.PUBLISHED:
        return []
    announced_qs = AlertChange.objects.filter(meeting=meeting)
    # Unset in a template context, ``incidents`` is "": treat it as not given.
    known = list(incidents) if incidents and not isinstance(incidents, str) else None
    if known is not None:
        announced_qs = announced_qs.filter(incident_id__in=[i.pk for i in known])
    announced = list(
        announced_qs.with_related()
        .select_related("incident")
        .order_by("effective_at", "id")
    )
    if not announced:
        return []
    incident_ids = {c.incident_id for c in announced}
    history = list(
        AlertChange.objects.filter(
            incident_id__in=incident_ids,
            scheme_id__in={c.scheme_id for c in announced},
        )
        .announced_publicly()
        .with_related()
    )
    if known is not None:
        public_ids = incident_ids
    else:
        public_ids = set(
            Incident.objects.public()
            .filter(pk__in=incident_ids)
            .values_list("pk", flat=True)
        )
    before = timeline.previous_levels(history)
    now = timezone.now()
    notices = []
    for change in announced:
        same = [
            c
            for c in history
            if c.incident_id == change.incident_id and c.scheme_id == change.scheme_id
        ]
        current = timeline.current_alerts(same, at=now)
        notices.append(
            AlertNotice(
                change=change,
                previous_level=before.get(change.pk),
                current=current[0] if current else None,
                incident_is_public=change.incident_id in public_ids,
            )
        )
    return notices


@register.filter
def wareki_moment(value: datetime | None) -> str:
    """令和4年6月20日(月)17:45 in Japan time."""
    return timeline.format_moment(value) if value else ""
