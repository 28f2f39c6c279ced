"""Draft deletion (issue 14): a never-published draft goes to the trash.

- Its editor (who created it) and approvers may delete it, after a confirmation page.
- An admin can restore it from the trash for ``TRASH_DAYS`` days (30 by default).
- After that ``manage.py purge_trash`` (nightly) removes its content: the parts, the
  attachments and their files, its simple-history rows. The meeting row stays as a
  tombstone because the audit trail (``MeetingEvent``, append-only) refers to it;
  each step (削除, 復元, 完全削除) is an event in that trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from meetings import permissions
from meetings.models import Meeting, MeetingEvent
from meetings.permissions import Actor

Status = Meeting.Status
DELETABLE_STATUSES = (Status.DRAFT, Status.REVIEW)


class TrashError(Exception):
    """The meeting cannot go to (or come back from) the trash; the message says why."""


def trash_days() -> int:
    return int(getattr(settings, "TRASH_DAYS", 30))


def purge_due(meeting: Meeting) -> datetime | None:
    """When a trashed meeting is purged."""
    if meeting.deleted_at is None:
        return None
    return meeting.deleted_at + timedelta(days=trash_days())


def why_not_deletable(meeting: Meeting, user: Actor) -> str:
    """ "" when ``user`` may delete ``meeting``, else the reason (in Japanese)."""
    if meeting.deleted_at is not None:
        return "この会議はすでに削除されています。"
    if meeting.status not in DELETABLE_STATUSES or meeting.publications.exists():
        return "一度も公開していない下書き(承認待ちを含む)だけを削除できます。公開した会議は取下げてください。"
    if permissions.is_approver(user):
        return ""
    if permissions.is_editor(user) and meeting.created_by_id == getattr(
        user, "pk", None
    ):
        return ""
    return "下書きを削除できるのは、作成した入力担当と承認者だけです。"


def _event(meeting: Meeting, action: str, user: Actor, comment: str = "") -> None:
    MeetingEvent.objects.create(
        meeting=meeting,
        action=action,
        from_status=meeting.status,
        to_status=meeting.status,
        actor=permissions.person(user),
        comment=comment,
    )


@transaction.atomic
def meeting_delete(*, meeting: Meeting, user: Actor, comment: str = "") -> Meeting:
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    reason = why_not_deletable(locked, user)
    if reason:
        raise PermissionDenied(reason)
    locked.deleted_at = timezone.now()
    locked.deleted_by = permissions.person(user)
    locked.save_step(by=permissions.person(user), fields=["deleted_at", "deleted_by"])
    _event(locked, MeetingEvent.Action.DELETE, user, comment)
    return locked


@transaction.atomic
def meeting_restore(*, meeting: Meeting, user: Actor) -> Meeting:
    if not permissions.is_admin(user):
        raise PermissionDenied("ごみ箱から戻せるのは管理者だけです。")
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.deleted_at is None:
        return locked
    if locked.purged_at is not None:
        raise TrashError("完全に削除した会議は戻せません。")
    locked.deleted_at = None
    locked.deleted_by = None
    locked.save_step(by=permissions.person(user), fields=["deleted_at", "deleted_by"])
    _event(locked, MeetingEvent.Action.RESTORE, user)
    return locked


@dataclass
class PurgeResult:
    purged: list[int]
    kept: dict[int, str]  # id -> why it could not be purged


def purge_trash(*, now: datetime | None = None) -> PurgeResult:
    """Purge every meeting in the trash for longer than ``TRASH_DAYS``."""
    cutoff = (now or timezone.now()) - timedelta(days=trash_days())
    due = Meeting.objects.filter(
        deleted_at__isnull=False, deleted_at__lte=cutoff, purged_at__isnull=True
    ).order_by("pk")
    result = PurgeResult(purged=[], kept={})
    for meeting in due:
        try:
            _purge(meeting)
        except ProtectedError as error:
            result.kept[meeting.pk] = f"他の記録が参照しています({error.args[0]})"
        else:
            result.purged.append(meeting.pk)
    return result


@transaction.atomic
def _purge(meeting: Meeting) -> None:
    files = [(a.file.storage, a.file.name) for a in meeting.attachments.all() if a.file]
    for related in ("incident_links", "attachments", "sections", "agenda_items"):
        manager = getattr(meeting, related, None)
        if manager is not None:
            manager.all().delete()
    meeting.attendees.all().delete()
    meeting.history.all().delete()
    meeting.purged_at = timezone.now()
    # An update, not save(): no new simple-history row holding what was purged.
    Meeting.objects.filter(pk=meeting.pk).update(
        purged_at=meeting.purged_at, unstructured_text="", lead="", title_override=""
    )
    _event(meeting, MeetingEvent.Action.PURGE, None, f"削除から{trash_days()}日経過")
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])
