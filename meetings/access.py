"""Who may reach a staff view, and how a staff view fetches a meeting.

One role decorator for every staff view (meetings and incidents alike), outermost so
that anonymous users end at the login page whatever the method, and users without the
role get 403; and one helper that fetches a meeting for staff (404 when unknown).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from meetings import permissions
from meetings.models import Meeting

View = Callable[..., HttpResponseBase]


def role_required(
    check: Callable[[Any], bool], reason: str = ""
) -> Callable[[View], View]:
    """Anonymous users go to the login page; users without the role get 403 with
    `reason`, which the 403 page shows."""

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(
            request: HttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            if not check(request.user):
                raise PermissionDenied(reason)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


editor_required = role_required(
    permissions.is_editor, "入力担当・承認者・管理者だけが利用できます。"
)
approver_required = role_required(permissions.is_approver, "承認者だけが利用できます。")
admin_required = role_required(permissions.is_admin, "管理者だけが利用できます。")


def meeting_for_staff(pk: int, *, with_parts: bool = False) -> Meeting:
    """Any meeting (staff see every state), with its type and current publication;
    with ``with_parts`` everything the layout renders."""
    queryset = Meeting.objects.with_parts() if with_parts else Meeting.objects.all()
    queryset = queryset.alive()  # a deleted draft is only in the trash (admins)
    return get_object_or_404(
        queryset.select_related("meeting_type", "current_publication"), pk=pk
    )
