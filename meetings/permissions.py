"""Roles as groups. Every staff view and service checks them on the server."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

EDITOR = "入力担当"
APPROVER = "承認者"
ADMIN = "管理者"
ROLES = (EDITOR, APPROVER, ADMIN)


def _groups(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    if not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached  # one query per request, not per check
    return cached


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser) or ADMIN in _groups(user)


def is_approver(user) -> bool:
    return is_admin(user) or APPROVER in _groups(user)


def is_editor(user) -> bool:
    """Anyone who may enter minutes: editors, approvers and admins."""
    return is_approver(user) or EDITOR in _groups(user)
