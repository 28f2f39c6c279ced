"""Contribution requests: ask, write, submit, return, accept.

Every function is keyword-only and atomic, checks who may act, and sends its signal
(``signals.py``) only after the transaction commits. Accepting writes the meeting
through ``meetings.services.meeting_save`` (and so ``meeting_parts_sync``): the
meeting's version, its history and its other rows are kept as an editor's save
keeps them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from meetings import layout, limits, permissions
from meetings import services as meeting_services
from meetings.contributions import signals
from meetings.contributions.models import (
    ContributionEvent,
    ContributionRequest,
    ContributionVersion,
)
from meetings.models import Meeting, Organisation, Section
from meetings.permissions import Actor

Status = ContributionRequest.Status
Action = ContributionEvent.Action
# Meetings whose sections may still be asked for and put in.
REQUESTABLE = (Meeting.Status.DRAFT, Meeting.Status.REVIEW)
# The department still owes its contribution.
OPEN_STATUSES = (Status.REQUESTED, Status.RETURNED)


class ContributionError(Exception):
    """A step that the request's (or the meeting's) state does not allow."""


# ---------------------------------------------------------------------------
# Who
# ---------------------------------------------------------------------------


def department_of(user: Actor) -> Organisation | None:
    """The department a staff member works for (``DepartmentMembership``), if any.

    Read through the reverse relation so that meetings does not import incidents.
    """
    person = permissions.person(user)
    if person is None:
        return None
    try:
        # incidents.DepartmentMembership, by its reverse accessor.
        membership = person.department_membership
    except ObjectDoesNotExist:
        return None
    organisation: Organisation = membership.organisation
    return organisation


def may_coordinate(user: Actor, meeting: Meeting) -> bool:
    """Approvers, editors without a department (the coordinating division) and
    editors of the division named as the meeting's contact (危機管理政策課)."""
    if permissions.is_approver(user):
        return True
    if not permissions.is_editor(user):
        return False
    department = department_of(user)
    return department is None or department.name == meeting.contact_section


def may_write(user: Actor, request: ContributionRequest) -> bool:
    """Only an editor of the department asked."""
    department = department_of(user)
    return (
        permissions.is_editor(user)
        and department is not None
        and department.pk == request.organisation_id
    )


def requests_for(user: Actor) -> QuerySet[ContributionRequest]:
    """The requests a user's department was sent (none without a department)."""
    department = department_of(user)
    if department is None or not permissions.is_editor(user):
        return ContributionRequest.objects.none()
    return ContributionRequest.objects.filter(organisation=department).select_related(
        "meeting__meeting_type", "organisation"
    )


# What a department's editor reads in place of another department's section that
# the coordinator has not put into the meeting yet.
PENDING_PLACEHOLDER = (
    "({name}の原稿は{state}です。取りまとめの課が会議に反映するまで表示しません)"
)


def pending_placeholder(request: ContributionRequest) -> str:
    return PENDING_PLACEHOLDER.format(
        name=request.organisation.name, state=request.get_status_display()
    )


def as_department_reads(
    data: layout.MeetingData, *, meeting: Meeting, user: Actor
) -> layout.MeetingData:
    """The meeting (``data`` built by ``layout.meeting_data`` from ``meeting`` fetched
    ``with_parts()``) as ``user`` may read it in the preview and the draft PDF.

    A department's editor does not read another department's section while that
    department's request is not accepted (未提出, 提出済み, 差戻し中: a draft in
    progress, typed in by the coordinator meanwhile): the section keeps its place and
    its ■ heading (kind and speaker) and holds one line saying so. Whoever
    coordinates the meeting (approvers, admins, the coordinating division) reads
    everything. One query for a department's editor, none for the others.
    """
    department = department_of(user)
    if department is None or may_coordinate(user, meeting):
        return data
    pending = list(
        meeting.contribution_requests.exclude(organisation=department)
        .exclude(status=Status.ACCEPTED)
        .select_related("organisation")
    )
    if not pending:
        return data
    by_org = {r.organisation_id: r for r in pending}
    by_name = {r.organisation.name: r for r in pending}
    sections: list[layout.SectionData] = []
    for section, row in zip(data["sections"], meeting.sections.all(), strict=True):
        request = by_org.get(row.speaker_org_id) if row.speaker_org_id else None
        request = request or by_name.get(row.speaker)
        if request is None:
            sections.append(section)
            continue
        sections.append(
            {
                "kind": section["kind"],
                "speaker": request.organisation.name,
                "recipients": None,
                "topic": None,
                "topic_heading": False,
                "heading": None,
                "group": section["group"],
                "agenda_index": section["agenda_index"],
                "items": [
                    {"marker": "", "text": pending_placeholder(request), "children": []}
                ],
            }
        )
    return {**data, "sections": sections}


def department_members(request: ContributionRequest) -> list[User]:
    """Who hears of a request, a return and an acceptance: the department's active
    editors."""
    members = User.objects.filter(
        department_membership__organisation_id=request.organisation_id,
        is_active=True,
    ).order_by("pk")
    return [u for u in members if permissions.is_editor(u)]


def coordinators(request: ContributionRequest) -> list[User]:
    """Who hears of a submission: the coordinator who asked and the meeting's
    author, if they may still coordinate."""
    found: dict[int, User] = {}
    for user in (request.requested_by, request.meeting.created_by):
        if (
            user is not None
            and user.is_active
            and may_coordinate(user, request.meeting)
        ):
            found.setdefault(user.pk, user)
    return list(found.values())


def _require_coordinator(user: Actor, meeting: Meeting) -> None:
    if not may_coordinate(user, meeting):
        raise PermissionDenied(
            "原稿の依頼・差戻し・会議への反映は、会議を取りまとめる課の入力担当と"
            "承認者だけが行えます。"
        )


def _require_writer(user: Actor, request: ContributionRequest) -> None:
    if not may_write(user, request):
        raise PermissionDenied(
            f"この原稿依頼は{request.organisation.name}の入力担当だけが書けます。"
        )


def _on_commit(signal: Any, request: ContributionRequest, **kwargs: Any) -> None:
    transaction.on_commit(
        lambda: signal.send(sender=ContributionRequest, request=request, **kwargs)
    )


def _event(
    request: ContributionRequest,
    action: str,
    user: Actor,
    *,
    version: ContributionVersion | None = None,
    comment: str = "",
) -> None:
    ContributionEvent.objects.create(
        request=request,
        action=action,
        actor=permissions.person(user),
        version=version,
        comment=comment,
    )


def _locked(request: ContributionRequest) -> ContributionRequest:
    return (
        ContributionRequest.objects.select_for_update()
        .select_related("meeting", "organisation")
        .get(pk=request.pk)
    )


# ---------------------------------------------------------------------------
# Asking
# ---------------------------------------------------------------------------


@transaction.atomic
def contribution_request_create(
    *,
    meeting: Meeting,
    user: Actor,
    organisations: Iterable[Organisation],
    due_at: datetime,
    kind: str = Section.Kind.EXPLANATION,
    topic: str = "",
    note: str = "",
) -> list[ContributionRequest]:
    """One request per department (in the order given); a department already asked
    for this meeting is refused."""
    _require_coordinator(user, meeting)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status not in REQUESTABLE:
        raise ContributionError(
            "原稿を依頼できるのは、下書きか承認待ちの会議だけです。"
        )
    wanted = list(dict.fromkeys(organisations))
    if not wanted:
        raise ValidationError({"organisations": "依頼先の部署を選んでください。"})
    asked = set(
        meeting.contribution_requests.filter(organisation__in=wanted).values_list(
            "organisation__name", flat=True
        )
    )
    if asked:
        raise ValidationError(
            {
                "organisations": "次の部署にはこの会議の原稿をすでに依頼しています:"
                + "、".join(sorted(asked))
            }
        )
    last = (
        meeting.contribution_requests.order_by("-order")
        .values_list("order", flat=True)
        .first()
        or 0
    )
    created = []
    for n, organisation in enumerate(wanted, start=1):
        request = ContributionRequest.objects.create(
            meeting=meeting,
            organisation=organisation,
            order=last + n,
            due_at=due_at,
            kind=kind,
            speaker=organisation.name,
            topic=topic.strip(),
            note=note.strip(),
            requested_by=permissions.person(user),
        )
        _event(request, Action.REQUEST, user, comment=note.strip())
        _on_commit(signals.contribution_requested, request, actor=user)
        created.append(request)
    return created


# ---------------------------------------------------------------------------
# Writing and submitting
# ---------------------------------------------------------------------------


def template_sections(request: ContributionRequest) -> list[dict[str, Any]]:
    """Where the department starts: its last draft or submission, else one section
    with the template's speaker and topic."""
    if request.draft:
        return request.draft
    latest = request.latest_version()
    if latest is not None:
        return latest.sections
    return [
        {
            "kind": request.kind,
            "speaker": request.speaker or request.organisation.name,
            "topic": request.topic or None,
            "group": Section.Group.MAIN,
            "items": [],
        }
    ]


def clean_sections(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A department's sections as new rows: no ids (a contribution never names a
    stored row), no agenda link, only sections with something in them. Every other
    key of the layout is kept as written (new ones too)."""

    def node(item: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in item.items() if k not in ("id", "children")}
        kept["marker"] = item.get("marker") or ""
        kept["text"] = item.get("text") or ""
        kept["children"] = [node(c) for c in item.get("children") or []]
        return kept

    cleaned = []
    for section in sections:
        kept = {
            k: v for k, v in section.items() if k not in ("id", "agenda_index", "items")
        }
        kept["topic_heading"] = bool(kept.get("topic_heading"))
        kept["group"] = kept.get("group") or Section.Group.MAIN
        kept["items"] = [node(i) for i in section.get("items") or []]
        if kept["items"] or kept.get("speaker") or kept.get("heading"):
            cleaned.append(kept)
    return cleaned


def sections_text(sections: list[dict[str, Any]], *, separator: str = ",") -> str:
    """The sections as the page prints them (■ heading, then the bullets)."""
    # Only the sections: the layout reads the keys it needs (a partial MeetingData).
    partial: Any = {"sections": sections, "separator": separator}
    doc = layout.build_document(partial)
    lines: list[str] = []

    def items(nodes: list[Any], depth: int) -> None:
        for item in nodes:
            mark = layout.withheld_mark(item.get("withheld"))
            lines.append(
                f"{'  ' * depth}{item.get('marker') or ''}{mark}{item['text']}"
            )
            items(item.get("children") or [], depth + 1)

    for block in doc.blocks:
        if block.kind == "group":
            lines.append(block.heading)
            continue
        mark = layout.SECTION_MARK if block.level == 2 else "○"
        if block.heading:
            lines.append(f"{mark}{block.heading}{layout.withheld_mark(block.withheld)}")
        items(block.items, 0)
    return "\n".join(lines) + "\n" if lines else ""


def _check_sections(sections: list[dict[str, Any]]) -> None:
    # A department's sections are JSON written as layout sections.
    problems = limits.meeting_problems(
        {"agenda": [], "sections": cast("list[limits.LimitedSection]", sections)}
    )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def contribution_save_draft(
    *, request: ContributionRequest, user: Actor, sections: list[dict[str, Any]]
) -> ContributionRequest:
    """Keep what the department typed without sending it."""
    _require_writer(user, request)
    locked = _locked(request)
    if not locked.is_open:
        raise ContributionError("提出済みの原稿は、差し戻されるまで書き直せません。")
    cleaned = clean_sections(sections)
    _check_sections(cleaned)
    locked.draft = cleaned
    locked.draft_saved_at = timezone.now()
    locked.save(update_fields=["draft", "draft_saved_at"])
    return locked


@transaction.atomic
def contribution_submit(
    *, request: ContributionRequest, user: Actor, sections: list[dict[str, Any]]
) -> ContributionVersion:
    """Send the sections to the coordinator: a new, immutable version."""
    _require_writer(user, request)
    locked = _locked(request)
    cleaned = clean_sections(sections)
    latest = locked.latest_version()
    if (
        locked.status == Status.SUBMITTED
        and latest is not None
        and latest.sections == cleaned
    ):
        return latest  # the second click of a double click
    if not locked.is_open:
        raise ContributionError("この原稿はすでに提出しています。")
    if locked.meeting.status not in REQUESTABLE:
        raise ContributionError(
            "この会議はすでに公開または取下げされたため、原稿を提出できません。"
            "取りまとめの課に連絡してください。"
        )
    if not any(section["items"] for section in cleaned):
        raise ValidationError("項目を1つ以上入力してから提出してください。")
    _check_sections(cleaned)
    number = locked.versions.count() + 1
    version = ContributionVersion.objects.create(
        request=locked,
        number=number,
        sections=cleaned,
        text=sections_text(cleaned, separator=locked.meeting.separator),
        submitted_by=permissions.person(user),
    )
    locked.status = Status.SUBMITTED
    # The department goes on from its submission if it is returned.
    locked.draft = cleaned
    locked.draft_saved_at = version.submitted_at
    locked.save(update_fields=["status", "draft", "draft_saved_at"])
    _event(locked, Action.SUBMIT, user, version=version)
    _on_commit(signals.contribution_submitted, locked, version=version, actor=user)
    return version


# ---------------------------------------------------------------------------
# The coordinator: return or accept
# ---------------------------------------------------------------------------


@transaction.atomic
def contribution_return(
    *, request: ContributionRequest, user: Actor, comment: str
) -> ContributionRequest:
    _require_coordinator(user, request.meeting)
    if not comment.strip():
        raise ValidationError({"comment": "差戻しの理由を入力してください。"})
    locked = _locked(request)
    if locked.status != Status.SUBMITTED:
        raise ContributionError("提出された原稿だけを差し戻せます。")
    locked.status = Status.RETURNED
    locked.save(update_fields=["status"])
    _event(
        locked,
        Action.RETURN,
        user,
        version=locked.latest_version(),
        comment=comment.strip(),
    )
    _on_commit(
        signals.contribution_returned, locked, comment=comment.strip(), actor=user
    )
    return locked


def default_position(meeting: Meeting) -> int:
    """Where a report goes unless the coordinator says otherwise: after the main
    reports, before the first directive or 「その他報告事項」."""
    sections = list(meeting.sections.all())
    for n, section in enumerate(sections):
        if (
            section.kind == Section.Kind.DIRECTIVE
            or section.group == Section.Group.OTHER_REPORTS
        ):
            return n
    return len(sections)


def _with_item_ids(nodes: list[dict[str, Any]], items: list[Any]) -> None:
    """Add each stored item's id to the tree ``layout.meeting_data`` built from it."""
    children: dict[int | None, list[Any]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)

    def walk(tree: list[dict[str, Any]], parent: int | None) -> None:
        rows = sorted(children.get(parent, []), key=lambda i: i.order)
        for node, row in zip(tree, rows, strict=True):
            node["id"] = row.pk
            walk(node.get("children") or [], row.pk)

    walk(nodes, None)


def stored_parts(meeting: Meeting) -> layout.PartsData:
    """The meeting's parts (fetched ``with_parts()``) as ``meeting_parts_sync``
    takes them, every stored row with its id, so that a save keeps them."""
    # A copy (JSON) of the layout's MeetingData, which has no ids, to add them to.
    data: dict[str, Any] = json.loads(json.dumps(layout.meeting_data(meeting)))
    for detail, attendee in zip(
        data["attendee_details"], meeting.attendees.all(), strict=True
    ):
        detail["id"] = attendee.pk
    data["agenda_ids"] = [a.pk for a in meeting.agenda_items.all()]
    for section_data, section in zip(
        data["sections"], meeting.sections.all(), strict=True
    ):
        section_data["id"] = section.pk
        _with_item_ids(section_data["items"], list(section.items.all()))
    return {
        "attendee_details": data["attendee_details"],
        "agenda": data["agenda"],
        "agenda_markers": data["agenda_markers"],
        "agenda_ids": data["agenda_ids"],
        "sections": data["sections"],
    }


@transaction.atomic
def contribution_accept(
    *,
    request: ContributionRequest,
    user: Actor,
    expected_version: int,
    position: int | None = None,
) -> Meeting:
    """Put the latest submitted version into the meeting at ``position`` (the index
    among its sections; ``default_position`` when None), as a save by ``user``.

    A meeting saved since the coordinator looked (``expected_version``) is refused
    with ``meetings.services.EditConflict``; nothing is written.
    """
    _require_coordinator(user, request.meeting)
    locked = _locked(request)
    if locked.status == Status.ACCEPTED:
        # The second click of a double click: it is in already, once.
        return Meeting.objects.get(pk=locked.meeting_id)
    if locked.status != Status.SUBMITTED:
        raise ContributionError("提出された原稿だけを会議に反映できます。")
    if locked.meeting.status not in REQUESTABLE:
        raise ContributionError(
            "原稿を反映できるのは、下書きか承認待ちの会議だけです。"
        )
    version = locked.latest_version()
    assert version is not None  # a submitted request has a version
    meeting = Meeting.objects.with_parts().get(pk=locked.meeting_id)
    parts = stored_parts(meeting)
    at = default_position(meeting) if position is None else position
    at = max(0, min(at, len(parts["sections"])))
    # A version's sections are JSON written as layout sections.
    parts["sections"][at:at] = cast(
        list[layout.SectionData], clean_sections(version.sections)
    )
    saved, _unknown = meeting_services.meeting_save(
        meeting=meeting,
        header={},
        parts=parts,
        user=user,
        expected_version=expected_version,
    )
    locked.status = Status.ACCEPTED
    locked.accepted_version = version
    locked.save(update_fields=["status", "accepted_version"])
    _event(locked, Action.ACCEPT, user, version=version)
    _on_commit(signals.contribution_accepted, locked, version=version, actor=user)
    return saved
