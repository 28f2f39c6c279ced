from datetime import date, datetime

from django import template
from django.utils import timezone

from meetings import wareki

register = template.Library()


@register.filter
def wareki_date(value: date | datetime | None) -> str:
    """令和4年6月20日 for a date, or for a datetime on its local (Asia/Tokyo) day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return wareki.format_wareki(value)


@register.filter
def wareki_date_weekday(value: date | datetime | None) -> str:
    """令和4年6月20日(月) for a date, or for a datetime on its local day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return wareki.format_wareki(value, weekday=True)


@register.filter
def wareki_datetime(value: datetime | None) -> str:
    """令和4年6月20日 17:30: a moment on its local (Asia/Tokyo) day and clock."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{wareki.format_wareki(local.date())} {local:%H:%M}"
