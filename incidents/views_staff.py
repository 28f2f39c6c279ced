"""Staff pages for incidents: list, edit, timeline, links, alert levels, directives.

Every view needs a staff role (入力担当, 承認者 or 管理者): anonymous users go to the
login page, logged-in users without a role get 403. Role-dependent actions (cancel or
reopen a directive, delete an alert change) are checked again in the services.
"""

from __future__ import annotations

from collections import OrderedDict
from http import HTTPStatus
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from incidents import exports, services, timeline
from incidents.forms import (
    AlertChangeForm,
    DirectiveAssignForm,
    DirectiveProgressForm,
    DirectiveUpdateForm,
    FollowUpForm,
    IncidentForm,
    MeetingChoiceField,
    MeetingLinkForm,
    model_choice,
)
from incidents.models import (
    AlertChange,
    DirectiveAssignment,
    DirectiveFollowUp,
    DirectiveProgress,
    Incident,
    IncidentLink,
)
from meetings import permissions
from meetings.access import (
    coordinator_required,
    department_of,
    editor_required,
    is_department_editor,
    meeting_for_staff,
)
from meetings.form_messages import EMPTY_CHOICE
from meetings.models import Item, Meeting, Organisation, Section
from meetings.pdf import PdfRenderError
from meetings.permissions import Actor

# ---------------------------------------------------------------------------
# Access helpers
# ---------------------------------------------------------------------------


def _incident(pk: int) -> Incident:
    return get_object_or_404(
        Incident.objects.select_related("responsible_organisation"), pk=pk
    )


def _assignment(pk: int, user: Actor = None) -> DirectiveAssignment:
    """A directive assignment; a department's editor opens only its own
    department's and those to all departments (403 otherwise)."""
    assignment = get_object_or_404(DirectiveAssignment.objects.with_related(), pk=pk)
    if user is not None and is_department_editor(user):
        department = department_of(user)
        if not assignment.all_departments and (
            department is None or assignment.organisation_id != department.pk
        ):
            raise PermissionDenied(
                f"この指示事項は{assignment.recipient_label}への割当です。"
                f"{department.name if department else 'あなたの部署'}の入力担当は、"
                "自分の部署と全部局への指示事項だけを開けます。"
            )
    return assignment


# ---------------------------------------------------------------------------
# Incidents
# ---------------------------------------------------------------------------


@coordinator_required
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = list(Incident.objects.for_staff_list().order_by("-started_at"))
    now = timezone.now()
    rows = [
        {
            "incident": incident,
            "alerts": timeline.current_alerts(incident.alert_changes.all(), at=now),
        }
        for incident in incidents
    ]
    return render(request, "incidents/staff/incident_list.html", {"rows": rows})


@coordinator_required
@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_create(
                user=request.user, data=form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "事案を登録しました。")
            back = _link_step(request, incident)
            return redirect(back or incident.get_staff_url())
    return render(
        request,
        "incidents/staff/incident_form.html",
        {"form": form, "incident": None},
        status=HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK,
    )


def _link_step(request: HttpRequest, incident: Incident) -> str:
    """「新しい事案を登録」 from a meeting's link page returns there, the new incident
    chosen (``?meeting=<pk>`` on the form's URL)."""
    meeting_pk = request.GET.get("meeting", "")
    if not meeting_pk.isdigit():
        return ""
    meeting = meeting_for_staff(int(meeting_pk), user=request.user, write=True)
    url = reverse(
        "incidents_staff:meeting_incidents", kwargs={"meeting_pk": meeting.pk}
    )
    return f"{url}?incident={incident.pk}"


@coordinator_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    form = IncidentForm(request.POST or None, instance=incident)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_update(
                incident=incident, user=request.user, data=form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "事案を更新しました。")
            return redirect(incident.get_staff_url())
    return render(
        request,
        "incidents/staff/incident_form.html",
        {"form": form, "incident": incident},
        status=HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK,
    )


@coordinator_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    entries = timeline.build_timeline(incident)
    changes = [e.alert for e in entries if e.alert is not None]
    now = timezone.now()
    # Each meeting once, none already linked, none in the trash.
    meeting_field = MeetingChoiceField(
        queryset=Meeting.objects.alive()
        .exclude(incident_links__incident=incident)
        .select_related("meeting_type")
        .order_by("-held_on", "-start_time", "-id")[:200],
        empty_label=EMPTY_CHOICE,
    )
    return render(
        request,
        "incidents/staff/incident_detail.html",
        {
            "incident": incident,
            "timeline": entries,
            "alerts": timeline.current_alerts(changes, at=now),
            # A ModelChoiceField's choices: its ModelChoiceIterator.
            "meeting_choices": _distinct_labels(
                list(cast(ModelChoiceIterator, meeting_field.choices))
            ),
            "can_delete_alerts": permissions.is_approver(request.user),
            "today": timezone.localdate(now),
        },
    )


def _distinct_labels(choices: list[tuple[Any, Any]]) -> list[tuple[Any, str]]:
    """Two meetings with the same label (an imported draft beside a typed one) are
    told apart by their number."""
    counts: dict[str, int] = {}
    for _, label in choices:
        counts[str(label)] = counts.get(str(label), 0) + 1
    return [
        (value, f"{label}(No.{value})" if value and counts[str(label)] > 1 else label)
        for value, label in choices
    ]


@coordinator_required
def incident_link_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """From an incident, go to the link page of the meeting chosen in its picker."""
    incident = _incident(pk)
    meeting_pk = request.GET.get("meeting", "")
    if not meeting_pk.isdigit():
        messages.error(request, "関連付ける会議を選んでください。")
        return redirect(incident.get_staff_url())
    meeting = meeting_for_staff(int(meeting_pk), user=request.user, write=True)
    url = reverse(
        "incidents_staff:meeting_incidents", kwargs={"meeting_pk": meeting.pk}
    )
    return redirect(f"{url}?incident={incident.pk}")


@coordinator_required
def incident_timeline_csv(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    return exports.timeline_csv_response(incident)


@coordinator_required
def incident_timeline_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    try:
        return exports.timeline_pdf_response(incident)
    except PdfRenderError as exc:
        messages.error(request, str(exc))
        return redirect(incident.get_staff_url())


# ---------------------------------------------------------------------------
# Links between meetings and incidents
# ---------------------------------------------------------------------------


@coordinator_required
@require_http_methods(["GET", "POST"])
def meeting_incidents(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    """Link a meeting (and optionally its agenda items and sections) to incidents."""
    meeting = meeting_for_staff(meeting_pk, user=request.user, write=True)
    initial = {}
    preselected = request.GET.get("incident")
    if preselected and preselected.isdigit():
        incident = Incident.objects.filter(pk=preselected).first()
        if incident is not None:
            existing = IncidentLink.objects.filter(incident=incident, meeting=meeting)
            initial = {
                "incident": incident.pk,
                "agenda_items": [
                    link.agenda_item_id for link in existing if link.agenda_item_id
                ],
                "sections": [link.section_id for link in existing if link.section_id],
            }
    form = MeetingLinkForm(request.POST or None, meeting=meeting, initial=initial)
    if request.method == "POST" and form.is_valid():
        incident = form.cleaned_data["incident"]
        try:
            services.incident_link_meeting(
                incident=incident,
                meeting=meeting,
                user=request.user,
                agenda_items=form.cleaned_data["agenda_items"],
                sections=form.cleaned_data["sections"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"「{incident}」に関連付けました。")
            return redirect("incidents_staff:meeting_incidents", meeting_pk=meeting.pk)
    links = (
        IncidentLink.objects.filter(meeting=meeting)
        .select_related("incident", "agenda_item", "section")
        .order_by("incident__title", "id")
    )
    linked: OrderedDict[int, dict] = OrderedDict()
    for link in links:
        group = linked.setdefault(
            link.incident_id, {"incident": link.incident, "parts": []}
        )
        if link.agenda_item_id:
            group["parts"].append(f"協議概要: {link.agenda_item}")
        elif link.section is not None:
            group["parts"].append(
                "■" + timeline.section_heading(link.section, meeting.separator)
            )
    return render(
        request,
        "incidents/staff/meeting_incidents.html",
        {"meeting": meeting, "form": form, "linked": list(linked.values())},
        status=HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK,
    )


@coordinator_required
@require_POST
def meeting_incident_unlink(
    request: HttpRequest, meeting_pk: int, incident_pk: int
) -> HttpResponse:
    meeting = meeting_for_staff(meeting_pk, user=request.user, write=True)
    incident = get_object_or_404(Incident, pk=incident_pk)
    services.incident_unlink_meeting(
        incident=incident, meeting=meeting, user=request.user
    )
    messages.success(request, f"「{incident}」との関連付けを解除しました。")
    return redirect("incidents_staff:meeting_incidents", meeting_pk=meeting.pk)


# ---------------------------------------------------------------------------
# Alert levels
# ---------------------------------------------------------------------------


@coordinator_required
@require_http_methods(["GET", "POST"])
def alert_change_create(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    # Offered: the incident's meetings, plus one named in the URL (?meeting=, kept
    # on POST because the form posts back to the same URL).
    meeting = None
    meeting_param = request.GET.get("meeting", "")
    if meeting_param.isdigit():
        meeting = Meeting.objects.filter(pk=meeting_param).first()
    form = AlertChangeForm(request.POST or None, incident=incident, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.alert_change_record(
                incident=incident,
                level=data["level"],
                effective_at=data["effective_at"],
                meeting=data["meeting"],
                section=data["section"],
                note=data["note"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "警戒段階の変更を登録しました。")
            return redirect(incident.get_staff_url())
    return render(
        request,
        "incidents/staff/alert_change_form.html",
        {"incident": incident, "form": form},
        status=HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK,
    )


@coordinator_required
@require_POST
def alert_change_delete(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(AlertChange.objects.select_related("incident"), pk=pk)
    services.alert_change_delete(change=change, user=request.user)
    messages.success(request, "警戒段階の変更を削除しました。")
    return redirect(change.incident.get_staff_url())


# ---------------------------------------------------------------------------
# Directives
# ---------------------------------------------------------------------------


@editor_required
def directive_dashboard(request: HttpRequest) -> HttpResponse:
    """Open directives by department and by incident, overdue first."""
    today = timezone.localdate()
    open_assignments = DirectiveAssignment.objects.still_open()
    own = department_of(request.user) if is_department_editor(request.user) else None
    if own is not None:
        # A department's editor: its own directives and those to all departments.
        open_assignments = open_assignments.filter(
            Q(organisation=own) | Q(all_departments=True)
        )
    departments = Organisation.objects.filter(
        pk__in=open_assignments.values("organisation")
    ).order_by("kind", "name")
    department = None
    department_param = request.GET.get("department", "")
    if department_param.isdigit():
        department = get_object_or_404(departments, pk=department_param)
        # A directive to all departments concerns every department too.
        open_assignments = open_assignments.filter(
            Q(organisation=department) | Q(all_departments=True)
        )
    assignments = list(open_assignments.with_related().overdue_first(today))
    by_department: OrderedDict[str, list[DirectiveAssignment]] = OrderedDict()
    by_incident: OrderedDict[str, dict] = OrderedDict()
    for assignment in assignments:
        by_department.setdefault(assignment.recipient_label, []).append(assignment)
        key = str(assignment.incident_id or "")
        group = by_incident.setdefault(
            key, {"incident": assignment.incident, "assignments": []}
        )
        group["assignments"].append(assignment)
    return render(
        request,
        "incidents/staff/directive_dashboard.html",
        {
            "by_department": list(by_department.items()),
            "by_incident": list(by_incident.values()),
            "total": len(assignments),
            "overdue": sum(1 for a in assignments if a.is_overdue_on(today)),
            "today": today,
            "departments": departments,
            "department": department,
            "coordinating": own is None,
        },
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def meeting_directives(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    """Assign each directive item of a meeting to departments."""
    meeting = meeting_for_staff(meeting_pk, user=request.user, write=True)
    form = DirectiveAssignForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.directive_assign(
                item=data["item"],
                organisation=data["organisation"],
                all_departments=data["all_departments"],
                due_on=data["due_on"],
                incident=data["incident"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "指示事項を割り当てました。")
            return redirect("incidents_staff:meeting_directives", meeting_pk=meeting.pk)
    sections = (
        Section.objects.filter(meeting=meeting, kind=Section.Kind.DIRECTIVE)
        .order_by("order")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=Item.objects.prefetch_related(
                    Prefetch(
                        "directive_assignments",
                        queryset=DirectiveAssignment.objects.select_related(
                            "organisation", "incident"
                        ),
                    )
                ),
            )
        )
    )
    directive_sections = [
        {
            "section": section,
            "heading": timeline.section_heading(section, meeting.separator),
            "items": sorted(
                section.items.all(), key=lambda i: (i.parent_id or 0, i.order)
            ),
        }
        for section in sections
    ]
    return render(
        request,
        "incidents/staff/meeting_directives.html",
        {
            "meeting": meeting,
            "form": form,
            "directive_sections": directive_sections,
            "failed_item": form["item"].value() if form.errors else None,
            "organisations": model_choice(form, "organisation").queryset,
            "incidents": model_choice(form, "incident").queryset,
            "today": timezone.localdate(),
        },
        status=HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK,
    )


@editor_required
@require_http_methods(["GET", "POST"])
def directive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A directive's progress log; record progress and (by role) change its status."""
    assignment = _assignment(pk, request.user)
    allowed = services.directive_allowed_statuses(
        user=request.user, current=assignment.status
    )
    form = DirectiveProgressForm(
        request.POST or None, allowed=allowed, current=assignment.status
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.directive_progress_record(
                assignment=assignment,
                user=request.user,
                note=form.cleaned_data["note"],
                new_status=form.cleaned_data["new_status"] or None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            # Another department's directive: say why and keep what was typed.
            form.add_error(None, str(exc))
        else:
            messages.success(request, "取組状況を記録しました。")
            return redirect("incidents_staff:directive", pk=assignment.pk)
    return _render_directive(request, assignment, progress_form=form)


def _render_directive(
    request: HttpRequest,
    assignment: DirectiveAssignment,
    *,
    progress_form: DirectiveProgressForm | None = None,
    update_form: DirectiveUpdateForm | None = None,
    follow_up_form: FollowUpForm | None = None,
) -> HttpResponse:
    if progress_form is None:
        progress_form = DirectiveProgressForm(
            allowed=services.directive_allowed_statuses(
                user=request.user, current=assignment.status
            ),
            current=assignment.status,
        )
    progress = DirectiveProgress.objects.filter(assignment=assignment).select_related(
        "recorded_by"
    )
    follow_ups = DirectiveFollowUp.objects.filter(assignment=assignment).select_related(
        "section", "section__meeting", "section__meeting__meeting_type"
    )
    has_errors = any(
        f is not None and f.errors for f in (progress_form, update_form, follow_up_form)
    )
    return render(
        request,
        "incidents/staff/directive_detail.html",
        {
            "assignment": assignment,
            "progress": progress,
            "follow_ups": [
                {
                    "follow_up": f,
                    "heading": timeline.section_heading(
                        f.section, f.section.meeting.separator
                    ),
                }
                for f in follow_ups
            ],
            "progress_form": progress_form,
            "update_form": update_form or DirectiveUpdateForm(instance=assignment),
            "follow_up_form": follow_up_form or FollowUpForm(assignment=assignment),
            "today": timezone.localdate(),
            # A department's editor records progress; the rest is coordination.
            "coordinating": not is_department_editor(request.user),
        },
        status=HTTPStatus.BAD_REQUEST if has_errors else HTTPStatus.OK,
    )


@coordinator_required
@require_POST
def directive_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(pk)
    form = DirectiveUpdateForm(request.POST, instance=assignment)
    if form.is_valid():
        try:
            services.directive_update(
                assignment=assignment,
                user=request.user,
                due_on=form.cleaned_data["due_on"],
                incident=form.cleaned_data["incident"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "期限・事案を更新しました。")
            return redirect("incidents_staff:directive", pk=assignment.pk)
    assignment.refresh_from_db()
    return _render_directive(request, assignment, update_form=form)


@coordinator_required
@require_POST
def directive_follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(pk)
    form = FollowUpForm(request.POST, assignment=assignment)
    if form.is_valid():
        try:
            services.directive_follow_up_link(
                assignment=assignment,
                section=form.cleaned_data["section"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "取組報告を関連付けました。")
            return redirect("incidents_staff:directive", pk=assignment.pk)
    return _render_directive(request, assignment, follow_up_form=form)


@coordinator_required
@require_POST
def directive_follow_up_remove(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(DirectiveFollowUp, pk=pk)
    services.directive_follow_up_unlink(follow_up=follow_up, user=request.user)
    messages.success(request, "取組報告の関連付けを解除しました。")
    return redirect(
        reverse("incidents_staff:directive", kwargs={"pk": follow_up.assignment_id})
    )
