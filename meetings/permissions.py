"""Roles as groups. Every staff view and service checks them on the server."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User

EDITOR = "入力担当"
APPROVER = "承認者"
ADMIN = "管理者"
ROLES = (EDITOR, APPROVER, ADMIN)

# Who acts: a request's user, or nobody (the command line: importer, demo loader).
Actor: TypeAlias = User | AnonymousUser | None


def _groups(user: Actor) -> set[str]:
    if not isinstance(user, User) or not user.is_active:
        return set()
    cached: set[str] | None = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        # One query per request, not per check.
        user._role_names = cached  # type: ignore[attr-defined]  # a per-object cache
    return cached


def is_admin(user: Actor) -> bool:
    return (isinstance(user, User) and user.is_superuser) or ADMIN in _groups(user)


def is_approver(user: Actor) -> bool:
    return is_admin(user) or APPROVER in _groups(user)


def is_editor(user: Actor) -> bool:
    """Anyone who may enter minutes: editors, approvers and admins."""
    return is_approver(user) or EDITOR in _groups(user)


def person(user: Actor) -> User | None:
    """The user to record as author or actor: nobody for an anonymous request."""
    return user if isinstance(user, User) else None
