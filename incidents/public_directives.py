"""Directives as the public sees them: the public incident page and the API agree.

A directive is a 指示 section (``kind == "directive"``) of a published meeting, as
published. Its public status says only what published meetings say: whether a later
published meeting reported on it (取組報告, a ``DirectiveFollowUp`` whose reporting
section belongs to a published meeting) and which. Assignments, due dates, progress
notes and their 未着手/対応中/完了 states are internal follow-up and stay out.

Follow-ups point at Section rows (the working copy); the published snapshot is JSON.
A directive section is matched by its speaker and recipients (and, among sections
with the same pair, by rank), so an unpublished edit elsewhere in the meeting never
moves a report onto another directive.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from meetings import layout
from meetings.models import Meeting

REPORTED = ("reported", "取組報告あり")
NOT_REPORTED = ("not_reported", "取組報告なし")


def _key(speaker: Any, recipients: Any) -> tuple[str, str]:
    return (speaker or "", recipients or "")


def _reports(meetings: list[Meeting]) -> dict[tuple[int, tuple[str, str], int], list]:
    """(directive meeting pk, (speaker, recipients), rank) → reporting meetings
    (published, in the order they were held)."""
    from incidents.models import DirectiveFollowUp

    if not meetings:
        return {}
    published = Meeting.objects.published()
    follow_ups = list(
        DirectiveFollowUp.objects.filter(
            assignment__meeting__in=[m.pk for m in meetings],
            assignment__item__isnull=False,
            section__meeting__in=published,
        )
        .select_related("assignment__item__section", "section__meeting")
        .order_by("section__meeting__held_on", "section__meeting__start_time", "id")
    )
    if not follow_ups:
        return {}
    # Rank of each directive Section row among its meeting's rows with the same key.
    from meetings.models import Section

    rank: dict[int, int] = {}
    seen: dict[tuple[int, tuple[str, str]], int] = defaultdict(int)
    rows = Section.objects.filter(
        meeting__in={f.assignment.meeting_id for f in follow_ups}, kind="directive"
    ).order_by("meeting", "order", "id")
    for row in rows.only("pk", "meeting_id", "speaker", "recipients"):
        row_key = (row.meeting_id, _key(row.speaker, row.recipients))
        rank[row.pk] = seen[row_key]
        seen[row_key] += 1
    reporting = {
        m.pk: m
        for m in published.filter(
            pk__in={f.section.meeting_id for f in follow_ups}
        ).select_related("current_publication")
    }
    found: dict[tuple[int, tuple[str, str], int], list] = defaultdict(list)
    for follow_up in follow_ups:
        item = follow_up.assignment.item
        if item is None:  # filtered out above; for the type checker
            continue
        section = item.section
        key = (
            follow_up.assignment.meeting_id,
            _key(section.speaker, section.recipients),
            rank.get(section.pk, 0),
        )
        meeting = reporting.get(follow_up.section.meeting_id)
        if meeting is not None and meeting not in found[key]:
            found[key].append(meeting)
    return found


def directives(meetings: list[Meeting]) -> list[dict[str, Any]]:
    """The directive sections of these published meetings (their current
    publications, in the order given), each with its public status.

    Each: ``meeting``, ``section_index`` (in the meeting's published sections),
    ``section`` (the published section), ``heading_text``, ``status`` (value,
    label) and ``reported_in`` (the published meetings that reported on it).
    """
    reports = _reports(meetings)
    found = []
    for meeting in meetings:
        publication = meeting.current_publication
        if publication is None:  # the caller passes published meetings
            continue
        data = publication.data
        sep = data.get("separator") or ","
        seen: dict[tuple[str, str], int] = defaultdict(int)
        for index, section in enumerate(data.get("sections") or []):
            if section.get("kind") != "directive":
                continue
            key = _key(section.get("speaker"), section.get("recipients"))
            reported_in = reports.get((meeting.pk, key, seen[key]), [])
            seen[key] += 1
            found.append(
                {
                    "meeting": meeting,
                    "section_index": index,
                    "section": section,
                    "heading_text": layout.section_heading(section, sep),
                    "status": REPORTED if reported_in else NOT_REPORTED,
                    "reported_in": reported_in,
                }
            )
    return found
