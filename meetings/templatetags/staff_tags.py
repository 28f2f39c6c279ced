from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.urls import reverse

from meetings import people
from meetings.extensions import related

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from meetings.models import Meeting
    from meetings.permissions import Actor

register = template.Library()


@register.filter
def display_name(user: AbstractBaseUser | None, fallback: str = "") -> str:
    """A staff member's name, family name first (入力 太郎); see ``meetings.people``."""
    return people.display_name(user, fallback)


@register.filter
def history_record_type(history_type: str) -> str:
    """作成/変更/削除 for django-simple-history's +/~/- (its own labels are English)."""
    from meetings.history import record_type

    return record_type(history_type)


@register.filter
def is_admin(user: Actor) -> bool:
    """For the staff header: admins get the 年度PDF export and the trash."""
    from meetings import permissions

    return permissions.is_admin(user)


@register.filter
def is_coordinating(user: Actor) -> bool:
    """For the staff header: new meetings, the import and the coordinating pages
    are not offered to a department's editor (``meetings.access``)."""
    from meetings.access import is_coordinating_staff

    return is_coordinating_staff(user)


@register.simple_tag
def related_staff_links(
    meeting: Meeting | None = None, user: Actor = None
) -> list[tuple[str, str]]:
    """(label, URL) of the staff pages that apps built on meetings add
    (``extensions.related().staff_links``): the menu's, or a stored meeting's;
    with ``user``, only those the user may open."""
    coordinating = True
    if user is not None:
        from meetings.access import is_coordinating_staff

        coordinating = is_coordinating_staff(user)
    return [
        (link.label, reverse(link.url_name, args=[meeting.pk] if meeting else []))
        for link in related().staff_links
        if link.per_meeting == (meeting is not None)
        and (coordinating or link.for_departments)
    ]
