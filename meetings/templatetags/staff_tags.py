from django import template

from meetings import people

register = template.Library()


@register.filter
def display_name(user, fallback: str = "") -> str:
    """A staff member's name, family name first (入力 太郎); see ``meetings.people``."""
    return people.display_name(user, fallback)


@register.filter
def history_record_type(history_type: str) -> str:
    """作成/変更/削除 for django-simple-history's +/~/- (its own labels are English)."""
    from meetings.history import record_type

    return record_type(history_type)


@register.filter
def is_admin(user) -> bool:
    """For the staff header: admins get the 年度PDF export and the trash."""
    from meetings import permissions

    return permissions.is_admin(user)
