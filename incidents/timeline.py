"""Reads: an incident's timeline and its current alert levels.

The timeline puts every meeting, section, directive, alert change and directive
progress that concerns an incident in time order, in a fixed number of queries:
meetings by held_on + start_time (their sections in page order), alert changes by
effective_at, progress by recorded_at. At the same moment a meeting comes before
the alert change it announced, and that before progress recorded then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from incidents.models import (
    AlertChange,
    AlertLevel,
    AlertScheme,
    DirectiveAssignment,
    DirectiveAssignmentQuerySet,
    DirectiveFollowUp,
    DirectiveProgress,
    Incident,
    IncidentLink,
)
from meetings import layout, wareki
from meetings.models import AgendaItem, Item, Meeting, Section, WithholdingReason

KIND_MEETING = "meeting"
KIND_ALERT = "alert"
KIND_PROGRESS = "progress"
_KIND_RANK = {KIND_MEETING: 0, KIND_ALERT: 1, KIND_PROGRESS: 2}
DRILL_LABEL = layout.DRILL_LABEL


# ---------------------------------------------------------------------------
# Alert levels
# ---------------------------------------------------------------------------


@dataclass
class CurrentAlert:
    """A scheme's level in force at a moment, with where it came from and what is next."""

    scheme: AlertScheme
    change: AlertChange
    previous_level: AlertLevel | None
    upcoming: AlertChange | None = None

    @property
    def level(self) -> AlertLevel:
        return self.change.level


def _by_scheme(changes: Iterable[AlertChange]) -> dict[int, list[AlertChange]]:
    grouped: dict[int, list[AlertChange]] = defaultdict(list)
    for change in sorted(changes, key=lambda c: (c.effective_at, c.pk or 0)):
        grouped[change.scheme_id].append(change)
    return grouped


def previous_levels(changes: Iterable[AlertChange]) -> dict[int, AlertLevel | None]:
    """For each change (by pk), the level its scheme had before it."""
    result: dict[int, AlertLevel | None] = {}
    for scheme_changes in _by_scheme(changes).values():
        before: AlertLevel | None = None
        for change in scheme_changes:
            result[change.pk] = before
            before = change.level
    return result


def current_alerts(
    changes: Iterable[AlertChange], *, at: datetime | None = None
) -> list[CurrentAlert]:
    """The latest change with effective_at <= ``at`` per scheme (schemes by name).

    ``changes`` should come from ``AlertChange.objects.with_related()`` (or a
    prefetch of it): this function runs no queries.
    """
    at = at or timezone.now()
    result: list[CurrentAlert] = []
    for scheme_changes in _by_scheme(changes).values():
        past = [c for c in scheme_changes if c.effective_at <= at]
        future = [c for c in scheme_changes if c.effective_at > at]
        if not past:
            continue
        current = past[-1]
        result.append(
            CurrentAlert(
                scheme=current.scheme,
                change=current,
                previous_level=past[-2].level if len(past) > 1 else None,
                upcoming=future[0] if future else None,
            )
        )
    result.sort(key=lambda a: a.scheme.name)
    return result


def format_moment(moment: datetime) -> str:
    """令和4年6月20日(月)17:45 in Japan time."""
    local = timezone.localtime(moment)
    return wareki.format_wareki(local.date(), weekday=True) + wareki.format_time(
        local.time()
    )


# ---------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------


@dataclass
class ItemNode:
    item: Item
    children: list[ItemNode] = field(default_factory=list)
    assignments: list[DirectiveAssignment] = field(default_factory=list)

    @property
    def text(self) -> str:
        return f"{self.item.marker}{self.withheld_mark}{self.item.text}"

    @property
    def withheld_mark(self) -> str:
        """Staff timeline: 【非公開:…】 before withheld text."""
        reason = self.item.withheld_reason if self.item.withheld_reason_id else None
        return _withheld_mark(reason)


def _withheld_mark(reason: WithholdingReason | None) -> str:
    if reason is None:
        return ""
    return layout.withheld_mark({"name": reason.name, "article": reason.article})


@dataclass
class SectionEntry:
    section: Section
    heading: str
    items: list[ItemNode]
    linked: bool
    follow_ups: list[DirectiveFollowUp] = field(default_factory=list)

    @property
    def is_directive(self) -> bool:
        return self.section.kind == Section.Kind.DIRECTIVE

    @property
    def kind_label(self) -> str:
        return self.section.get_kind_display()


@dataclass
class TimelineEntry:
    kind: str
    at: datetime
    meeting: Meeting | None = None
    agenda_items: list[AgendaItem] = field(default_factory=list)
    sections: list[SectionEntry] = field(default_factory=list)
    # Assignments whose directive item is gone (the meeting was re-edited).
    detached_assignments: list[DirectiveAssignment] = field(default_factory=list)
    alert: AlertChange | None = None
    previous_level: AlertLevel | None = None
    alert_section_heading: str = ""
    progress: DirectiveProgress | None = None

    @property
    def is_drill(self) -> bool:
        return bool(self.meeting and self.meeting.is_drill)

    @property
    def when(self) -> str:
        if self.kind == KIND_MEETING and self.meeting is not None:
            m = self.meeting
            return wareki.format_datetime_line(
                m.held_on, m.start_time, m.end_time, end_next_day=m.end_next_day
            )
        return format_moment(self.at)

    @property
    def sort_key(self) -> tuple[datetime, int, int, int]:
        secondary = (
            self.meeting.pk
            if self.kind == KIND_MEETING and self.meeting
            else (self.alert.pk if self.alert else 0)
        )
        tertiary = self.progress.pk if self.progress else 0
        return (self.at, _KIND_RANK[self.kind], secondary or 0, tertiary or 0)


def meeting_moment(meeting: Meeting) -> datetime:
    """When a meeting started (midnight when the time is unknown), in Japan time."""
    naive = datetime.combine(meeting.held_on, meeting.start_time or time.min)
    return timezone.make_aware(naive, timezone.get_default_timezone())


def section_heading(section: Section, separator: str = ",") -> str:
    """■-heading text of a section, from the official layout's own rule."""
    return layout.section_heading(
        {
            "kind": section.kind,
            "speaker": section.speaker,
            "recipients": section.recipients,
            "topic": section.topic,
            "topic_heading": section.topic_heading,
            "heading": section.heading,
        },
        separator,
    )


def _item_tree(
    items: list[Item], assignments_by_item: dict[int, list[DirectiveAssignment]]
) -> list[ItemNode]:
    nodes = {
        item.pk: ItemNode(item, assignments=assignments_by_item.get(item.pk, []))
        for item in items
    }
    roots: list[ItemNode] = []
    for item in sorted(items, key=lambda i: i.order):
        node = nodes[item.pk]
        if item.parent_id and item.parent_id in nodes:
            nodes[item.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


def _alert_section_heading(section: Section) -> str:
    """The section that announced an alert change, marked where it is withheld."""
    return section_heading(section) + _withheld_mark(section.withheld_reason)


def assignments_for_timeline(incident: Incident) -> DirectiveAssignmentQuerySet:
    return incident.directive_assignments.with_related().prefetch_related(
        Prefetch(
            "follow_ups",
            queryset=DirectiveFollowUp.objects.select_related(
                "section", "section__meeting"
            ),
        ),
        Prefetch(
            "progress_entries",
            queryset=DirectiveProgress.objects.select_related("recorded_by"),
        ),
    )


def build_timeline(incident: Incident) -> list[TimelineEntry]:
    """Every meeting, section, directive and alert change of ``incident``, in order
    (the staff timeline: drafts, withheld text marked, directive tracking; the
    public incident page and API read published snapshots instead)."""
    links = list(
        IncidentLink.objects.filter(incident=incident).select_related(
            "agenda_item", "section"
        )
    )
    changes = list(incident.alert_changes.with_related())
    assignments = list(assignments_for_timeline(incident))

    meeting_ids: set[int] = {link.meeting_id for link in links}
    meeting_ids |= {c.meeting_id for c in changes if c.meeting_id}
    section_ids: set[int] = {link.section_id for link in links if link.section_id}
    section_ids |= {c.section_id for c in changes if c.section_id}
    follow_ups_by_section: dict[int, list[DirectiveFollowUp]] = defaultdict(list)
    for assignment in assignments:
        meeting_ids.add(assignment.meeting_id)
        if assignment.item_id:
            section_ids.add(assignment.item.section_id)
        for follow_up in assignment.follow_ups.all():
            meeting_ids.add(follow_up.section.meeting_id)
            section_ids.add(follow_up.section_id)
            follow_ups_by_section[follow_up.section_id].append(follow_up)

    meetings = {
        m.pk: m
        for m in Meeting.objects.filter(pk__in=meeting_ids).select_related(
            "meeting_type"
        )
    }
    sections = list(
        Section.objects.filter(pk__in=section_ids, meeting_id__in=meetings.keys())
        .select_related("withheld_reason")
        .order_by("meeting_id", "order")
        .prefetch_related(
            Prefetch("items", queryset=Item.objects.select_related("withheld_reason"))
        )
    )
    linked_section_ids = {link.section_id for link in links if link.section_id}
    assignments_by_item: dict[int, list[DirectiveAssignment]] = defaultdict(list)
    detached: dict[int, list[DirectiveAssignment]] = defaultdict(list)
    for assignment in assignments:
        if assignment.item_id:
            assignments_by_item[assignment.item_id].append(assignment)
        else:
            detached[assignment.meeting_id].append(assignment)

    entries: dict[int, TimelineEntry] = {
        m.pk: TimelineEntry(KIND_MEETING, meeting_moment(m), meeting=m)
        for m in meetings.values()
    }
    for link in links:
        if (
            link.agenda_item_id
            and link.meeting_id in entries
            and link.agenda_item is not None
        ):
            entries[link.meeting_id].agenda_items.append(link.agenda_item)
    for meeting_pk, entry in entries.items():
        entry.agenda_items.sort(key=lambda a: a.order)
        entry.detached_assignments = detached.get(meeting_pk, [])
    for section in sections:
        meeting = meetings[section.meeting_id]
        heading = section_heading(section, meeting.separator)
        items = _item_tree(list(section.items.all()), assignments_by_item)
        if section.withheld_reason_id:
            heading += _withheld_mark(section.withheld_reason)
        entries[section.meeting_id].sections.append(
            SectionEntry(
                section=section,
                heading=heading,
                items=items,
                linked=section.pk in linked_section_ids,
                follow_ups=follow_ups_by_section.get(section.pk, []),
            )
        )

    timeline = list(entries.values())
    before = previous_levels(changes)
    for change in changes:
        timeline.append(
            TimelineEntry(
                KIND_ALERT,
                change.effective_at,
                meeting=meetings.get(change.meeting_id),
                alert=change,
                previous_level=before.get(change.pk),
                alert_section_heading=_alert_section_heading(change.section)
                if change.section
                else "",
            )
        )
    for assignment in assignments:
        for progress in assignment.progress_entries.all():
            progress.assignment = assignment  # already fetched: no query per row
            timeline.append(
                TimelineEntry(KIND_PROGRESS, progress.recorded_at, progress=progress)
            )
    timeline.sort(key=lambda e: e.sort_key)
    return timeline


# ---------------------------------------------------------------------------
# Flat rows for the CSV and PDF exports
# ---------------------------------------------------------------------------

ROW_FIELDS: list[tuple[str, str]] = [
    ("at", "日時(ISO 8601)"),
    ("when", "日時"),
    ("kind", "種別"),
    ("drill", "訓練"),
    ("meeting", "会議"),
    ("heading", "見出し"),
    ("detail", "内容"),
    ("recipient", "担当"),
    ("due", "期限"),
    ("status", "状態"),
]


def _lines(nodes: list[ItemNode], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        lines.append("  " * depth + node.text)
        lines.extend(_lines(node.children, depth + 1))
    return lines


def _walk(nodes: list[ItemNode]) -> Iterable[ItemNode]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _drill(meeting: Meeting | None) -> str:
    return DRILL_LABEL if meeting is not None and meeting.is_drill else ""


def _assignment_row(
    entry: TimelineEntry, assignment: DirectiveAssignment
) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "when": entry.when,
        "kind": "指示事項",
        "drill": _drill(entry.meeting),
        "meeting": entry.meeting.title if entry.meeting else "",
        "heading": assignment.issuer,
        "detail": assignment.directive_text,
        "recipient": assignment.recipient_label,
        "due": wareki.format_wareki(assignment.due_on) if assignment.due_on else "",
        "status": assignment.get_status_display(),
    }


def timeline_rows(timeline: list[TimelineEntry]) -> list[dict[str, Any]]:
    """One row per meeting, section, directive assignment, alert change and progress."""
    rows: list[dict[str, Any]] = []
    for entry in timeline:
        base = {
            "at": timezone.localtime(entry.at).isoformat(),
            "when": entry.when,
            "drill": _drill(entry.meeting),
            "meeting": entry.meeting.title if entry.meeting else "",
            "heading": "",
            "detail": "",
            "recipient": "",
            "due": "",
            "status": "",
        }
        if entry.kind == KIND_MEETING:
            meeting = entry.meeting
            assert meeting is not None  # a meeting entry has its meeting
            rows.append(
                {
                    **base,
                    "kind": "会議",
                    "heading": meeting.meeting_type.name,
                    "detail": "\n".join(str(a) for a in entry.agenda_items),
                    "status": meeting.get_status_display(),
                }
            )
            for section in entry.sections:
                rows.append(
                    {
                        **base,
                        "kind": section.kind_label,
                        "heading": "■" + section.heading,
                        "detail": "\n".join(_lines(section.items)),
                    }
                )
                for node in _walk(section.items):
                    for assignment in node.assignments:
                        rows.append(
                            {**_assignment_row(entry, assignment), "at": base["at"]}
                        )
                for follow_up in section.follow_ups:
                    rows.append(
                        {
                            **base,
                            "kind": "取組報告",
                            "heading": "■" + section.heading,
                            "detail": follow_up.assignment.directive_text,
                            "recipient": follow_up.assignment.recipient_label,
                            "status": follow_up.assignment.get_status_display(),
                        }
                    )
            for assignment in entry.detached_assignments:
                rows.append({**_assignment_row(entry, assignment), "at": base["at"]})
        elif entry.kind == KIND_ALERT:
            change = entry.alert
            assert change is not None  # an alert entry has its change
            before = entry.previous_level.label if entry.previous_level else ""
            rows.append(
                {
                    **base,
                    "kind": "警戒段階の変更",
                    "heading": change.scheme.name,
                    "detail": f"「{before}」から「{change.level.label}」へ"
                    if before
                    else change.level.label,
                    "status": change.note,
                }
            )
        else:
            progress = entry.progress
            assert progress is not None  # the remaining kind: progress entries
            assignment = progress.assignment
            status = ""
            if progress.changes_status:
                status = (
                    f"{progress.get_from_status_display()}から"
                    f"{progress.get_to_status_display()}へ"
                )
            rows.append(
                {
                    **base,
                    "kind": "取組状況",
                    "meeting": assignment.meeting.title,
                    "drill": _drill(assignment.meeting),
                    "heading": assignment.directive_text,
                    "detail": progress.note,
                    "recipient": assignment.recipient_label,
                    "status": status,
                }
            )
    return rows
