"""The publication tree: every public page written as a file (see README).

Public entry points (lazy, so that importing the app costs nothing):
``build_site()``, ``verify_site()``, and the hooks the services call:
``meeting_published()``, ``meeting_withdrawn()``, ``incidents_changed()``.
"""

from __future__ import annotations


def build_site(**kwargs):
    from meetings.site.build import build_site as run

    return run(**kwargs)


def verify_site(**kwargs):
    from meetings.site.build import verify_site as run

    return run(**kwargs)


def meeting_published(meeting, *, correction: bool) -> None:
    from meetings.site.sync import meeting_published as run

    run(meeting, correction=correction)


def meeting_withdrawn(meeting) -> None:
    from meetings.site.sync import meeting_withdrawn as run

    run(meeting)


def incidents_changed(*, incidents=(), meetings=()) -> None:
    from meetings.site.sync import incidents_changed as run

    run(incidents=incidents, meetings=meetings)


def incidents_refresh_at(when, *, incident) -> None:
    """Rewrite ``incident``'s pages at ``when`` (an alert level taking effect later)."""
    from meetings.site.sync import incidents_refresh_at as run

    run(when, incident=incident)
