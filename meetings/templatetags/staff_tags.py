from django import template

register = template.Library()


@register.filter
def display_name(user, fallback: str = "") -> str:
    """A staff member's name as shown in the workflow: full name, else user name."""
    if user is None:
        return fallback
    # Japanese order: family name first (入力 太郎).
    full = f"{user.last_name} {user.first_name}".strip()
    return full or user.get_username()


@register.filter
def history_record_type(history_type: str) -> str:
    """作成/変更/削除 for django-simple-history's +/~/- (its own labels are English)."""
    from meetings.history import record_type

    return record_type(history_type)
