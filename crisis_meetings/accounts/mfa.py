"""Who needs a second factor (settings.MFA_REQUIRED_ROLES), and their devices."""

from __future__ import annotations

from django.conf import settings

from meetings import permissions


def mfa_required(user) -> bool:
    """Whether the user's role requires a second factor."""
    if not user.is_authenticated:
        return False
    roles = settings.MFA_REQUIRED_ROLES
    if "admin" in roles and (
        user.is_superuser or user.is_staff or permissions.is_admin(user)
    ):
        return True
    if "approver" in roles and permissions.is_approver(user):
        return True
    return "editor" in roles and permissions.is_editor(user)


# Set at the password step for a user who has a device: the session owes a code
# even where the role does not require one (a device is never for show).
SESSION_OWES_CODE = "mfa_owes_code"


def needs_verification(user, session=None) -> bool:
    """An unverified session of this user may not act as this user: the required
    roles, and anyone who logged in with a device of their own."""
    if not user.is_authenticated or user.is_verified():
        return False
    if session is not None and session.get(SESSION_OWES_CODE):
        return True
    return mfa_required(user)
