"""The dashboard's list of a department's open contribution requests."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from meetings.contributions import services

register = template.Library()


@register.inclusion_tag("contributions/_dashboard.html", takes_context=True)
def contribution_requests(context: dict[str, Any]) -> dict[str, Any]:
    """Open requests of the user's department, soonest due first (none without a
    department)."""
    user = context["request"].user
    department = services.department_of(user)
    now = timezone.now()
    rows = list(
        services.requests_for(user)
        .filter(status__in=services.OPEN_STATUSES)
        .order_by("due_at", "pk")[:50]
    )
    for row in rows:
        row.overdue = row.is_overdue(now)  # type: ignore[attr-defined]  # for the template
    return {"department": department, "rows": rows}
