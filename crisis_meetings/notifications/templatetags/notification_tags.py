from __future__ import annotations

from typing import Any

from django import template

from crisis_meetings.notifications import services

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: dict[str, Any]) -> dict[str, Any]:
    """The staff header's bell: a link to the list with the unread count (one query)."""
    user = context.get("user")
    return {"unread": services.unread_count(user) if user is not None else 0}
