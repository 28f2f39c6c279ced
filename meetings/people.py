"""How people are named on screen: family name first (入力 太郎), as Japanese
writes names; Django's ``get_full_name`` puts the given name first."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def display_name(user: AbstractBaseUser | None, fallback: str = "") -> str:
    """入力 太郎 for a user with names, the user name otherwise, ``fallback`` for none."""
    if user is None:
        return fallback
    full = f"{getattr(user, 'last_name', '')} {getattr(user, 'first_name', '')}".strip()
    return full or user.get_username()
