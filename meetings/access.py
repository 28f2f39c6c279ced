"""Who may reach a staff view, and how a staff view fetches a meeting.

One role decorator for every staff view (meetings and incidents alike), outermost so
that anonymous users end at the login page whatever the method, and users without the
role get 403; and one helper that fetches a meeting for staff (404 when unknown, 403
when the user may not open it).

The rule for meetings (``meeting_access``):

- approvers, admins and editors without a department (the coordinating division,
  危機管理政策課) open and write every meeting;
- an editor of a department (``DepartmentMembership``, the 原稿依頼 writers) opens
  only the meetings their department was asked for a section of (a
  ``ContributionRequest``), read-only: preview, history, snapshots, attachments,
  the draft PDF. They write only their own section, on the request's page
  (``contributions:write``); the meeting's editor, 承認依頼, deletion and the
  coordinating pages (new meeting, import, incidents, links) answer 403 with the
  reason;
- an editor of the division named as the meeting's contact (問合せ先) coordinates
  that meeting (``contributions.services.may_coordinate``): full access to it.

Dashboards and lists use ``visible_meetings`` so that nobody is offered a link that
answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from meetings import permissions
from meetings.models import Meeting, MeetingQuerySet, Organisation
from meetings.permissions import Actor

View = Callable[..., HttpResponseBase]
Access = Literal["write", "read", ""]


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


# ---------------------------------------------------------------------------
# Who
# ---------------------------------------------------------------------------


def department_of(user: Actor) -> Organisation | None:
    """The department a staff member works for, if any (read through the reverse
    relation of incidents' ``DepartmentMembership``: meetings never imports it)."""
    from meetings.contributions.services import department_of as lookup

    return lookup(user)


def is_department_editor(user: Actor) -> bool:
    """An editor (not an approver or admin) who belongs to a department: they write
    the sections their department is asked for, nothing else."""
    return (
        permissions.is_editor(user)
        and not permissions.is_approver(user)
        and department_of(user) is not None
    )


def is_coordinating_staff(user: Actor) -> bool:
    """Editors without a department, approvers and admins: every meeting, new
    meetings, the import and the incidents' coordinating pages."""
    return permissions.is_editor(user) and not is_department_editor(user)


def _department_q(department: Organisation) -> Q:
    """The meetings a department may open: asked for a section, or its own (the
    division named as the meeting's contact coordinates it)."""
    return Q(contribution_requests__organisation=department) | Q(
        contact_section=department.name
    )


def may_write_meeting(user: Actor, meeting: Meeting) -> bool:
    """Whether ``user`` changes ``meeting`` as a whole (edit, 承認依頼, delete,
    links): whoever coordinates it (the one rule, ``may_coordinate``, also decides
    who asks departments for sections); no query once the user's roles and
    department are known."""
    from meetings.contributions.services import may_coordinate

    return may_coordinate(user, meeting)


def meeting_access(user: Actor, meeting: Meeting) -> Access:
    """``"write"`` (the whole meeting), ``"read"`` (a department asked for a
    section) or ``""`` (not even opened)."""
    if may_write_meeting(user, meeting):
        return "write"
    department = department_of(user)
    if department is None or not permissions.is_editor(user):
        return ""
    asked = meeting.contribution_requests.filter(organisation=department).exists()
    return "read" if asked else ""


def visible_meetings(user: Actor, queryset: MeetingQuerySet) -> MeetingQuerySet:
    """``queryset`` narrowed to the meetings ``user`` may open (dashboards, lists)."""
    if not permissions.is_editor(user):
        return queryset.none()
    if not is_department_editor(user):
        return queryset
    department = department_of(user)
    assert department is not None  # is_department_editor
    return queryset.filter(
        pk__in=Meeting.objects.filter(_department_q(department)).values("pk")
    )


def _refusal(user: Actor, meeting: Meeting, access: Access) -> str:
    department = department_of(user)
    name = department.name if department else "あなたの部署"
    if access == "read":
        return (
            f"{name}の入力担当は、この会議では依頼された原稿だけを書けます"
            "(ダッシュボードの原稿依頼から開いてください)。会議全体の編集・承認依頼・"
            "削除は、会議を取りまとめる課の入力担当が行います。"
        )
    return (
        f"この会議は{name}に原稿依頼が届いていないため開けません。"
        "原稿依頼のある会議は、ダッシュボードの原稿依頼から開けます。"
    )


def meeting_for_staff(
    pk: int, *, user: Actor, with_parts: bool = False, write: bool = False
) -> Meeting:
    """A meeting ``user`` may open (``write``: change as a whole), with its type and
    current publication; with ``with_parts`` everything the layout renders. Unknown
    (or in the trash): 404; not theirs to open or to write: 403 with the reason."""
    queryset = Meeting.objects.with_parts() if with_parts else Meeting.objects.all()
    queryset = queryset.alive()  # a deleted draft is only in the trash (admins)
    meeting = get_object_or_404(
        queryset.select_related("meeting_type", "current_publication"), pk=pk
    )
    access = meeting_access(user, meeting)
    if access == "" or (write and access != "write"):
        raise PermissionDenied(_refusal(user, meeting, access))
    meeting.staff_access = access  # for the templates (preview)
    return meeting


editor_required = role_required(
    permissions.is_editor, "入力担当・承認者・管理者だけが利用できます。"
)
coordinator_required = role_required(
    is_coordinating_staff,
    "部署の入力担当は、依頼された原稿を書くことと、その会議を見ることができます。"
    "このページは、会議を取りまとめる課の入力担当・承認者・管理者だけが利用できます。",
)
approver_required = role_required(permissions.is_approver, "承認者だけが利用できます。")
admin_required = role_required(permissions.is_admin, "管理者だけが利用できます。")
