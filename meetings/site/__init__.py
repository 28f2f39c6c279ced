"""The publication tree: every public page written as a file (see README).

Public entry points (lazy, so that importing the app costs nothing):
``build_site()``, ``verify_site()``, and the hooks the services call:
``meeting_published()``, ``meeting_withdrawn()``, ``related_changed()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meetings.models import Meeting
    from meetings.site.build import Report
    from meetings.site.writer import Batch


def build_site(**kwargs: Any) -> Batch:
    from meetings.site.build import build_site as run

    return run(**kwargs)


def verify_site(**kwargs: Any) -> Report:
    from meetings.site.build import verify_site as run

    return run(**kwargs)


def meeting_published(meeting: Meeting, *, correction: bool) -> None:
    from meetings.site.sync import meeting_published as run

    run(meeting, correction=correction)


def meeting_withdrawn(meeting: Meeting) -> None:
    from meetings.site.sync import meeting_withdrawn as run

    run(meeting)


def related_changed(
    *,
    public_ids: Iterable[object] = (),
    list_url: str = "",
    meetings: Iterable[Meeting] = (),
) -> None:
    """Records of an app built on meetings (``extensions.related()``) changed."""
    from meetings.site.sync import related_changed as run

    run(public_ids=public_ids, list_url=list_url, meetings=meetings)
