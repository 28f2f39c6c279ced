"""Load the demo data (idempotent): master data, meetings, users per role."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.module_loading import import_string

from meetings import demo_data, permissions, services
from meetings.models import (
    Meeting,
    MeetingType,
    Organisation,
    OrganisationAlias,
    Venue,
    VenueAlias,
)
from meetings.permissions import Actor

DEMO_USERS = [
    # username, password, role, display name
    ("editor", "editor-demo-2022", permissions.EDITOR, "入力 太郎"),
    ("approver", "approver-demo-2022", permissions.APPROVER, "承認 花子"),
    ("admin", "admin-demo-2022", permissions.ADMIN, "管理 次郎"),
    # Department editors (入力担当 of one department: they write the sections the
    # coordinating division asks them for; meetings.contributions.demo adds the
    # DepartmentMembership).
    ("iryo", "iryo-demo-2022", permissions.EDITOR, "医療 一郎"),
    ("keisatsu", "keisatsu-demo-2022", permissions.EDITOR, "警察 二郎"),
    ("byoin", "byoin-demo-2022", permissions.EDITOR, "病院 三郎"),
    ("smart", "smart-demo-2022", permissions.EDITOR, "県庁 四郎"),
]
# The department each department editor works for.
DEMO_DEPARTMENTS = {
    "iryo": "医療政策課",
    "keisatsu": "警察本部",
    "byoin": "病院局総務課",
    "smart": "スマート県庁推進課",
}


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_master_data() -> None:
    for name, building, aliases in demo_data.VENUES:
        venue, _ = Venue.objects.get_or_create(
            name=name, defaults={"building": building}
        )
        for alias in aliases:
            VenueAlias.objects.get_or_create(name=alias, defaults={"venue": venue})
    for name, kind, valid_from, valid_until, aliases in demo_data.ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(
            name=name,
            valid_from=_date(valid_from),
            defaults={"kind": kind, "valid_until": _date(valid_until)},
        )
        for alias in aliases:
            OrganisationAlias.objects.get_or_create(organisation=org, name=alias)
    # Renamed departments: each name's successor (the search finds the other names
    # in the meetings held while they were in use).
    for name, valid_from, successor, successor_from in demo_data.RENAMED:
        Organisation.objects.filter(
            name=name, valid_from=_date(valid_from), successor__isnull=True
        ).update(
            successor=Organisation.objects.filter(
                name=successor, valid_from=_date(successor_from)
            ).first()
        )
    for name, slug, tier, chair, venue_name in demo_data.MEETING_TYPES:
        MeetingType.objects.get_or_create(
            name=name,
            defaults={
                "slug": slug,
                "tier": tier,
                "default_chair_position": chair,
                "default_venue": Venue.objects.filter(name=venue_name).first(),
                "default_contact_section": "危機管理政策課",
                "default_contact_phone": "088-621-2280",
            },
        )


def load_users() -> list[tuple[str, str, str, bool]]:
    """Create the demo users that are missing: (username, password, role, created).

    An existing user is never changed: not its password, roles, staff or superuser
    flags (on a real database that would open a back door with a published password).
    """
    User = get_user_model()
    for role in permissions.ROLES:
        Group.objects.get_or_create(name=role)
    result = []
    for username, password, role, display in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            result.append((username, password, role, False))
            continue
        user = User(username=username)
        user.last_name, user.first_name = display.split(" ", 1)
        user.is_staff = role == permissions.ADMIN  # only admins use the Django admin
        user.is_superuser = role == permissions.ADMIN
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        result.append((username, password, role, True))
    return result


def _material_pdf(title: str) -> bytes:
    """A real PDF for the demo's 会議資料 attachment."""
    from weasyprint import HTML

    html = (
        "<html lang=\"ja\"><body style=\"font-family: 'BIZ UDGothic', 'IPAexGothic'\">"
        f"<h1>{title}</h1><p>会議資料(デモデータ)</p></body></html>"
    )
    return HTML(string=html).write_pdf()


def load_meeting(spec: dict[str, Any], *, author: Actor, approver: Actor) -> Meeting:
    public_id = uuid.UUID(spec["public_id"])
    existing = Meeting.objects.filter(public_id=public_id).first()
    if existing is not None:
        return existing
    status = spec.get("status", Meeting.Status.DRAFT)
    meeting = services.meeting_create_from_data(data=spec, user=author)
    Meeting.objects.filter(pk=meeting.pk).update(public_id=public_id)
    meeting.refresh_from_db()
    if spec.get("material_label"):
        services.attachment_add(
            meeting=meeting,
            label=spec["material_label"],
            content=_material_pdf(spec["material_label"]),
        )
    # The loader acts for the demo users, whatever roles existing ones have now.
    if status in (Meeting.Status.REVIEW, Meeting.Status.PUBLISHED):
        services.meeting_submit(meeting=meeting, user=author, check_permission=False)
    if status == Meeting.Status.PUBLISHED:
        services.meeting_publish(meeting=meeting, user=approver, check_permission=False)
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def load_demo() -> list[tuple[str, str, str, bool]]:
    load_master_data()
    users = load_users()
    User = get_user_model()
    author = User.objects.get(username="editor")
    approver = User.objects.get(username="approver")
    for spec in demo_data.MEETINGS:
        load_meeting(spec, author=author, approver=approver)
    for dotted in getattr(settings, "DEMO_LOADERS", []):
        import_string(dotted)()
    return users
