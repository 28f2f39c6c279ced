"""Staff pages of contribution requests.

- ``mine``: the requests sent to the user's department.
- ``write``: the department writes its section(s) in the editor's rows; 保存 keeps a
  draft, 提出する sends a new version.
- ``overview``: the coordinator asks departments, sees who has submitted, returns
  a contribution with a reason or puts it into the meeting where they choose.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from meetings import markers
from meetings import services as meeting_services
from meetings.access import editor_required, meeting_for_staff
from meetings.contributions import services
from meetings.contributions.forms import (
    AcceptForm,
    RequestForm,
    ReturnForm,
    SectionsEditor,
)
from meetings.contributions.models import ContributionRequest
from meetings.forms import apply_op, blank_rows
from meetings.models import Meeting, Organisation

Status = ContributionRequest.Status


def _writable(request: HttpRequest, pk: int) -> ContributionRequest:
    """A request of the user's own department; any other is 404 (not even its
    existence is shown)."""
    found = services.requests_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("原稿依頼が見つかりません。")
    return found


def _coordinated(request: HttpRequest, meeting: Meeting) -> None:
    if not services.may_coordinate(request.user, meeting):
        raise PermissionDenied(
            "原稿依頼の一覧は、会議を取りまとめる課の入力担当と承認者だけが利用できます。"
        )


# ---------------------------------------------------------------------------
# The department
# ---------------------------------------------------------------------------


@editor_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    department = services.department_of(request.user)
    now = timezone.now()
    rows = list(services.requests_for(request.user).order_by("-due_at", "-pk")[:200])
    for row in rows:
        row.overdue = row.is_overdue(now)  # type: ignore[attr-defined]  # for the template
    rows.sort(key=lambda r: (not r.is_open, r.due_at))
    coordinated = []
    if department is None:
        # The coordinating division: the meetings it has asked for contributions.
        coordinated = list(
            Meeting.objects.filter(
                status__in=services.REQUESTABLE, contribution_requests__isnull=False
            )
            .select_related("meeting_type")
            .annotate(
                asked=Count("contribution_requests"),
                submitted=Count(
                    "contribution_requests",
                    filter=Q(contribution_requests__status=Status.SUBMITTED),
                ),
                accepted=Count(
                    "contribution_requests",
                    filter=Q(contribution_requests__status=Status.ACCEPTED),
                ),
            )
            .order_by("-held_on", "-pk")[:100]
        )
    return render(
        request,
        "contributions/mine.html",
        {"department": department, "rows": rows, "coordinated": coordinated},
    )


def _write_context(
    contribution: ContributionRequest, editor: SectionsEditor, **extra: Any
) -> dict[str, Any]:
    meeting = contribution.meeting
    events = list(contribution.events.select_related("actor", "version"))
    returned = next((e for e in reversed(events) if e.action == e.Action.RETURN), None)
    return {
        "contribution": contribution,
        "meeting": meeting,
        "editor": editor,
        "blank": blank_rows(chair=""),
        "marker_pattern": markers.EDITOR_PATTERN,
        "organisation_names": sorted(
            set(Organisation.objects.values_list("name", flat=True))
        ),
        "versions": list(contribution.versions.select_related("submitted_by")),
        "returned": returned if contribution.status == Status.RETURNED else None,
        "events": events,
        "overdue": contribution.is_overdue(),
        **extra,
    }


@editor_required
def write(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _writable(request, pk)
    meeting = contribution.meeting
    if request.method != "POST":
        editor = SectionsEditor.for_sections(
            meeting, services.template_sections(contribution)
        )
        return render(
            request,
            "contributions/write.html",
            _write_context(contribution, editor),
        )
    # A request no longer open is refused by the services, and the page comes back
    # with what was typed (a double click on 提出する submits once).
    editor = SectionsEditor.from_sections_post(request.POST, meeting)
    op = request.POST.get("op", "")
    if op:
        # An add/remove/move without JavaScript (or a restored local copy).
        values = editor.values()
        focus = apply_op(values, op) if op.split(":")[1:2] in (["s"], ["i"]) else ""
        shown = SectionsEditor.from_rows(meeting, values["sections"])
        shown.focus = focus
        return render(
            request, "contributions/write.html", _write_context(contribution, shown)
        )
    if not editor.is_valid():
        return render(
            request,
            "contributions/write.html",
            _write_context(contribution, editor),
            status=400,
        )
    sections = editor.sections_data()
    try:
        if request.POST.get("action") == "submit":
            version = services.contribution_submit(
                request=contribution, user=request.user, sections=sections
            )
            messages.success(
                request,
                f"原稿を提出しました(第{version.number}回提出)。"
                "取りまとめの課が確認します。",
            )
            return redirect("contributions:write", pk=contribution.pk)
        services.contribution_save_draft(
            request=contribution, user=request.user, sections=sections
        )
    except ValidationError as error:
        for message in error.messages:
            editor.header.add_error(None, message)
        return render(
            request,
            "contributions/write.html",
            _write_context(contribution, editor),
            status=400,
        )
    except services.ContributionError as error:
        # Shown again with everything typed: nothing is lost.
        editor.header.add_error(None, str(error))
        return render(
            request,
            "contributions/write.html",
            _write_context(contribution, editor),
            status=409,
        )
    messages.success(request, "保存しました(まだ提出していません)。")
    return redirect("contributions:write", pk=contribution.pk)


# ---------------------------------------------------------------------------
# The coordinator
# ---------------------------------------------------------------------------


def _overview(
    request: HttpRequest,
    meeting: Meeting,
    *,
    request_form: RequestForm | None = None,
    failed: dict[int, dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    fresh = meeting_for_staff(meeting.pk, user=request.user, with_parts=True)
    default = services.default_position(fresh)
    rows = []
    counts = {"submitted": 0, "waiting": 0, "overdue": 0, "accepted": 0}
    for contribution in fresh.contribution_requests.select_related(
        "organisation", "requested_by"
    ).prefetch_related("versions__submitted_by", "events__actor"):
        versions = list(contribution.versions.all())
        latest = versions[-1] if versions else None
        overdue = contribution.is_overdue(now)
        if contribution.status == Status.SUBMITTED:
            counts["submitted"] += 1
        elif contribution.status == Status.ACCEPTED:
            counts["accepted"] += 1
        else:
            counts["waiting"] += 1
            counts["overdue"] += overdue
        own = (failed or {}).get(contribution.pk, {})
        rows.append(
            {
                "request": contribution,
                "latest": latest,
                "overdue": overdue,
                "events": list(contribution.events.all()),
                "accept_form": own.get("accept")
                or AcceptForm(meeting=fresh, default=default),
                "return_form": own.get("return") or ReturnForm(),
            }
        )
    return render(
        request,
        "contributions/overview.html",
        {
            "meeting": fresh,
            "rows": rows,
            "counts": counts,
            "requestable": fresh.status in services.REQUESTABLE,
            "request_form": request_form or RequestForm(meeting=fresh),
        },
        status=status,
    )


@editor_required
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for_staff(pk, user=request.user)
    _coordinated(request, meeting)
    if request.method != "POST":
        return _overview(request, meeting)
    form = RequestForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _overview(request, meeting, request_form=form, status=400)
    try:
        created = services.contribution_request_create(
            meeting=meeting,
            user=request.user,
            organisations=form.cleaned_data["organisations"],
            due_at=form.due_at(),
            kind=form.cleaned_data["kind"],
            topic=form.cleaned_data["topic"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _overview(request, meeting, request_form=form, status=400)
    except services.ContributionError as error:
        messages.error(request, str(error))
        return redirect("contributions:overview", pk=meeting.pk)
    messages.success(
        request,
        "原稿を依頼しました:" + "、".join(r.organisation.name for r in created),
    )
    return redirect("contributions:overview", pk=meeting.pk)


def _coordinated_request(request: HttpRequest, pk: int) -> ContributionRequest:
    contribution = get_object_or_404(
        ContributionRequest.objects.select_related("meeting", "organisation"), pk=pk
    )
    _coordinated(request, contribution.meeting)
    return contribution


@editor_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _coordinated_request(request, pk)
    meeting = meeting_for_staff(
        contribution.meeting_id, user=request.user, with_parts=True
    )
    form = AcceptForm(
        request.POST, meeting=meeting, default=services.default_position(meeting)
    )
    if not form.is_valid():
        return _overview(request, meeting, failed={pk: {"accept": form}}, status=400)
    try:
        services.contribution_accept(
            request=contribution,
            user=request.user,
            expected_version=form.cleaned_data["version"],
            position=form.cleaned_data["position"],
        )
    except meeting_services.EditConflict:
        messages.error(
            request,
            "この会議は、この画面を開いた後に保存されています。"
            "入れる位置をもう一度確かめてから反映してください。",
        )
        return redirect("contributions:overview", pk=meeting.pk)
    except ValidationError as error:
        messages.error(
            request, "会議に反映できませんでした:" + " ".join(error.messages)
        )
        return redirect("contributions:overview", pk=meeting.pk)
    except (services.ContributionError, meeting_services.WorkflowError) as error:
        messages.error(request, str(error))
        return redirect("contributions:overview", pk=meeting.pk)
    messages.success(
        request,
        f"{contribution.organisation.name}の原稿を会議に反映しました。",
    )
    return redirect("contributions:overview", pk=meeting.pk)


@editor_required
@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _coordinated_request(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _overview(
            request,
            contribution.meeting,
            failed={pk: {"return": form}},
            status=400,
        )
    try:
        services.contribution_return(
            request=contribution,
            user=request.user,
            comment=form.cleaned_data["comment"],
        )
    except services.ContributionError as error:
        messages.error(request, str(error))
        return redirect("contributions:overview", pk=contribution.meeting_id)
    messages.success(
        request, f"{contribution.organisation.name}に原稿を差し戻しました。"
    )
    return redirect("contributions:overview", pk=contribution.meeting_id)
