"""What the services call: the tree follows each publication, correction,
withdrawal and incident change.

Synchronous (inside the action's transaction, before it returns): the meeting's
own files; for a correction or withdrawal, every file that links to the meeting
(lists, incident pages, feed, sitemap.xml), found in the manifest. A write failure
raises ``PublicSiteWriteError`` and the action rolls back.
In the background (Celery, after the commit): every list (``rebuild_lists``), since
a new publication shifts every archive page and changes counts and filter choices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import transaction

from meetings.extensions import related
from meetings.site import generators, pages, tree
from meetings.site.models import SiteFile
from meetings.site.render import UUID
from meetings.site.writer import Batch, PublicSiteWriteError, lock_tree

if TYPE_CHECKING:
    from meetings.models import Meeting

UUID_IN_PATH = re.compile(UUID)


def _referencing(public_id: str) -> list[str]:
    return list(
        SiteFile.objects.filter(refs__contains=f" {public_id} ")
        .exclude(path__startswith=f"meetings/{public_id}/")
        .order_by("path")
        .values_list("path", flat=True)
    )


def _rewrite_referencing(batch: Batch, public_ids: set[str]) -> None:
    """Re-render every file linking to one of ``public_ids``; a page that is gone
    (an incident left without published meetings) cascades to the files linking to it.
    """
    done: set[str] = set()
    pending = set(public_ids)
    while pending:
        public_id = pending.pop()
        done.add(public_id)
        for path in _referencing(public_id):
            if path in batch.written or path in batch.removed:
                continue
            if not batch.put_url(tree.path_to_url(path)) or path not in batch.removed:
                continue
            pending |= set(UUID_IN_PATH.findall(path)) - done


def _meeting_files(batch: Batch, meeting: Meeting) -> None:
    """Write the meeting's page and files; remove files it no longer lists."""
    from meetings.models import Meeting

    fresh = Meeting.objects.select_related("current_publication").get(pk=meeting.pk)
    public_id = str(fresh.public_id)
    prefix = f"meetings/{public_id}/"
    expected: set[str] = set()
    if fresh.status == Meeting.Status.PUBLISHED and fresh.current_publication:
        for url in pages.meeting_urls(
            public_id, fresh.current_publication.data.get("attachments")
        ):
            expected.add(tree.url_to_path(url))
            batch.put_url(url)
    present = set(
        SiteFile.objects.filter(path__startswith=prefix).values_list("path", flat=True)
    ) | {path for path in tree.walk(prefix)}
    for path in sorted(present - expected):
        batch.remove(path)


def schedule_lists() -> None:
    """Rebuild every list in the background once the current transaction commits."""
    from meetings import tasks

    transaction.on_commit(lambda: tasks.rebuild_lists.delay())


@contextmanager
def _fail_closed() -> Iterator[Batch]:
    """A batch whose any error (an unreadable tree too) undoes its writes and
    refuses the action."""
    lock_tree()
    batch = Batch()
    try:
        yield batch
        generators.follow(batch)  # e.g. the pages' reading versions (kana/)
    except PublicSiteWriteError:
        raise
    except OSError as exc:
        batch.rollback()
        raise PublicSiteWriteError(str(exc)) from exc
    batch.finish()
    schedule_lists()


def _related_pages(batch: Batch, ids: set[str]) -> None:
    for url in related().tree_urls_of(ids):
        batch.put_url(url)


def meeting_published(meeting: Meeting, *, correction: bool) -> None:
    with _fail_closed() as batch:
        _meeting_files(batch, meeting)
        if correction:
            # The lists, incident pages and feed show its title and agenda.
            _rewrite_referencing(batch, {str(meeting.public_id)})
            # The bulk files must not keep the corrected text (a new meeting can
            # wait for the background rebuild).
            generators.write(batch, full=False)
        announced = related().announced_by(meeting)
        _related_pages(batch, announced)
        _rewrite_referencing(batch, announced)


def meeting_withdrawn(meeting: Meeting) -> None:
    with _fail_closed() as batch:
        _meeting_files(batch, meeting)
        _rewrite_referencing(batch, {str(meeting.public_id)})
        generators.write(batch, full=False)  # out of the bulk files at once
        announced = related().announced_by(meeting)
        _related_pages(batch, announced)
        _rewrite_referencing(batch, announced)


def related_changed(
    *,
    public_ids: Iterable[object] = (),
    list_url: str = "",
    meetings: Iterable[Meeting] = (),
) -> None:
    """Related records (``extensions.related()``), their links or what they show
    changed: their pages, ``list_url`` (their list), the pages linking to them and
    the pages of the meetings concerned."""
    ids = {str(public_id) for public_id in public_ids}
    with _fail_closed() as batch:
        _related_pages(batch, ids)
        if list_url:
            batch.put_url(list_url)
        for meeting in meetings:
            _meeting_files(batch, meeting)
        _rewrite_referencing(batch, ids)
