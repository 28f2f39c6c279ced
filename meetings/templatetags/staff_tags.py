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
