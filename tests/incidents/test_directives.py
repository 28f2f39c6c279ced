"""Directive assignments: who may change a status, progress, follow-ups, dashboard."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import (
    DirectiveAssignment,
    DirectiveFollowUp,
    DirectiveProgress,
)
from meetings.models import Organisation
from tests.factories import make_meeting
from tests.incidents.conftest import (
    directive_items,
    make_directive_meeting,
    make_incident,
    report_section,
)

pytestmark = pytest.mark.django_db

S = DirectiveAssignment.Status


@pytest.fixture
def division(db) -> Organisation:
    return Organisation.objects.create(
        name="医療政策課", kind=Organisation.Kind.DIVISION
    )


@pytest.fixture
def assignment(editor, division) -> DirectiveAssignment:
    meeting = make_directive_meeting("病院を支援すること。")
    [item] = directive_items(meeting)
    return services.directive_assign(item=item, organisation=division, user=editor)


def _set_status(assignment: DirectiveAssignment, status: str) -> None:
    DirectiveAssignment.objects.filter(pk=assignment.pk).update(status=status)
    assignment.refresh_from_db()


# Every (from, to) pair and who may do it. Editors start and finish; approvers and
# admins may also cancel, reopen, or move back.
TRANSITIONS = [
    (S.OPEN, S.IN_PROGRESS, {"editor", "approver", "admin_user"}),
    (S.OPEN, S.DONE, {"editor", "approver", "admin_user"}),
    (S.IN_PROGRESS, S.DONE, {"editor", "approver", "admin_user"}),
    (S.OPEN, S.CANCELLED, {"approver", "admin_user"}),
    (S.IN_PROGRESS, S.CANCELLED, {"approver", "admin_user"}),
    (S.IN_PROGRESS, S.OPEN, {"approver", "admin_user"}),
    (S.DONE, S.OPEN, {"approver", "admin_user"}),
    (S.DONE, S.IN_PROGRESS, {"approver", "admin_user"}),
    (S.DONE, S.CANCELLED, {"approver", "admin_user"}),
    (S.CANCELLED, S.OPEN, {"approver", "admin_user"}),
]


@pytest.mark.parametrize(("before", "after", "allowed"), TRANSITIONS)
@pytest.mark.parametrize("role", ["outsider", "editor", "approver", "admin_user"])
def test_directive_status_changes_follow_the_role_rules(
    request, assignment, role, before, after, allowed
):
    user = request.getfixturevalue(role)
    _set_status(assignment, before)
    if role in allowed:
        entry = services.directive_progress_record(
            assignment=assignment, user=user, new_status=after, note="変更"
        )
        assignment.refresh_from_db()
        assert assignment.status == after
        assert (entry.from_status, entry.to_status) == (before, after)
        assert entry.recorded_by == user
    else:
        with pytest.raises(PermissionDenied):
            services.directive_progress_record(
                assignment=assignment, user=user, new_status=after, note="変更"
            )
        assignment.refresh_from_db()
        assert assignment.status == before
        assert not DirectiveProgress.objects.filter(assignment=assignment).exists()


def test_a_transition_nobody_may_make_is_a_validation_error(assignment, approver):
    _set_status(assignment, S.CANCELLED)
    with pytest.raises(ValidationError) as excinfo:
        services.directive_progress_record(
            assignment=assignment, user=approver, new_status=S.DONE
        )
    assert "new_status" in excinfo.value.message_dict


def test_editors_may_add_notes_to_a_finished_directive_without_changing_it(
    assignment, editor
):
    _set_status(assignment, S.DONE)
    entry = services.directive_progress_record(
        assignment=assignment, user=editor, note="追加の報告。"
    )
    assert (entry.from_status, entry.to_status) == ("", "")
    assignment.refresh_from_db()
    assert assignment.status == S.DONE


def test_progress_without_a_note_or_a_status_change_is_refused(assignment, editor):
    with pytest.raises(ValidationError) as excinfo:
        services.directive_progress_record(assignment=assignment, user=editor)
    assert "note" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectiveProgress.objects.create(
            assignment=assignment, recorded_at=timezone.now()
        )


@pytest.mark.parametrize(
    ("role", "new_status", "expected"),
    [
        ("editor", S.IN_PROGRESS, 302),
        ("editor", S.CANCELLED, 400),  # not offered to editors: the form refuses it
        ("approver", S.CANCELLED, 302),
        ("admin_user", S.CANCELLED, 302),
    ],
)
def test_directive_page_offers_and_accepts_only_the_roles_status_changes(
    request, client, assignment, role, new_status, expected
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    url = reverse("incidents_staff:directive", args=[assignment.pk])
    offered = client.get(url).context["progress_form"].fields["new_status"].choices
    assert (new_status in dict(offered)) == (expected == 302)
    response = client.post(url, {"note": "記録", "new_status": new_status})
    assert response.status_code == expected
    assignment.refresh_from_db()
    assert (assignment.status == new_status) == (expected == 302)
    if expected == 400:
        # The typed note is kept on the re-rendered page.
        assert "記録" in response.content.decode()


def test_assignment_needs_exactly_one_recipient(editor, division):
    meeting = make_directive_meeting()
    first, second = directive_items(meeting)
    with pytest.raises(ValidationError):
        services.directive_assign(item=first, user=editor)
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectiveAssignment.objects.create(
            item=first,
            meeting=meeting,
            directive_text="x",
            organisation=division,
            all_departments=True,
        )
    services.directive_assign(item=first, all_departments=True, user=editor)
    services.directive_assign(item=first, organisation=division, user=editor)
    with pytest.raises(ValidationError):  # the same department twice
        services.directive_assign(item=first, organisation=division, user=editor)
    assert DirectiveAssignment.objects.filter(item=first).count() == 2


def test_only_items_of_directive_sections_can_be_assigned(editor, division):
    meeting = make_directive_meeting()
    report_item = meeting.sections.get(kind="report").items.get()
    with pytest.raises(ValidationError) as excinfo:
        services.directive_assign(item=report_item, organisation=division, user=editor)
    assert "item" in excinfo.value.message_dict


def test_a_post_or_outside_body_cannot_be_assigned(editor):
    meeting = make_directive_meeting()
    [item, _] = directive_items(meeting)
    police = Organisation.objects.create(
        name="警察本部", kind=Organisation.Kind.OUTSIDE
    )
    with pytest.raises(ValidationError):
        services.directive_assign(item=item, organisation=police, user=editor)


def test_assignment_keeps_the_directive_when_the_meeting_is_re_edited(editor, division):
    from meetings import services as meeting_services
    from tests.factories import meeting_data

    meeting = make_directive_meeting("病院を支援すること。")
    [item] = directive_items(meeting)
    assignment = services.directive_assign(
        item=item, organisation=division, user=editor
    )
    # A save whose data no longer holds the item (no row with its id) deletes it.
    meeting_services.meeting_parts_sync(meeting=meeting, data=meeting_data())
    assignment.refresh_from_db()
    assert assignment.item is None
    assert assignment.directive_text == "・病院を支援すること。"
    assert assignment.meeting == meeting


def test_follow_up_must_come_from_a_later_meeting(assignment, editor):
    same_day_earlier = make_meeting(
        held_on=assignment.meeting.held_on.isoformat(), start_time="09:00"
    )
    later = make_meeting(
        held_on="2024-06-10", sections=[report_section("医療政策課", "報告。")]
    )
    own_section = assignment.meeting.sections.first()
    for section in (own_section, same_day_earlier.sections.first()):
        with pytest.raises(ValidationError) as excinfo:
            services.directive_follow_up_link(
                assignment=assignment, section=section, user=editor
            )
        assert "section" in excinfo.value.message_dict
    services.directive_follow_up_link(
        assignment=assignment, section=later.sections.get(), user=editor
    )
    assert DirectiveFollowUp.objects.filter(assignment=assignment).count() == 1


def test_follow_up_form_offers_sections_of_later_meetings_only(
    client, editor, assignment
):
    earlier = make_meeting(held_on="2024-01-10")
    later = make_meeting(
        held_on="2024-06-10", sections=[report_section("医療政策課", "報告。")]
    )
    client.force_login(editor)
    url = reverse("incidents_staff:directive", args=[assignment.pk])
    field = client.get(url).context["follow_up_form"].fields["section"]
    offered = set(field.queryset.values_list("meeting_id", flat=True))
    assert offered == {later.pk}
    assert earlier.pk not in offered
    response = client.post(
        reverse("incidents_staff:follow_up_add", args=[assignment.pk]),
        {"section": later.sections.get().pk, "note": "取組状況を報告"},
    )
    assert response.status_code == 302
    assert assignment.follow_ups.get().note == "取組状況を報告"


def test_dashboard_lists_open_directives_overdue_first_by_department_and_incident(
    client, editor, division
):
    other = Organisation.objects.create(
        name="スマート県庁推進課", kind=Organisation.Kind.DIVISION
    )
    incident = make_incident(title="サイバー攻撃事案")
    meeting = make_directive_meeting(
        "期限なしの指示。", "期限前の指示。", "期限超過の指示。", "完了した指示。"
    )
    services.incident_link_meeting(incident=incident, meeting=meeting, user=editor)
    no_due, future, overdue, done = directive_items(meeting)
    today = timezone.localdate()
    from datetime import timedelta

    services.directive_assign(item=no_due, organisation=division, user=editor)
    services.directive_assign(
        item=future,
        organisation=division,
        due_on=today + timedelta(days=3),
        user=editor,
    )
    services.directive_assign(
        item=overdue, organisation=other, due_on=today - timedelta(days=1), user=editor
    )
    finished = services.directive_assign(
        item=done, all_departments=True, due_on=today - timedelta(days=9), user=editor
    )
    services.directive_progress_record(
        assignment=finished, user=editor, new_status=S.DONE
    )

    client.force_login(editor)
    response = client.get(reverse("incidents_staff:directives"))
    assert response.status_code == 200
    by_department = response.context["by_department"]
    # The department with an overdue directive comes first; done ones are not listed.
    assert [label for label, _ in by_department] == ["スマート県庁推進課", "医療政策課"]
    assert [a.directive_text for a in by_department[1][1]] == [
        "・期限前の指示。",
        "・期限なしの指示。",
    ]
    [group] = response.context["by_incident"]
    assert group["incident"] == incident
    assert [a.directive_text for a in group["assignments"]] == [
        "・期限超過の指示。",
        "・期限前の指示。",
        "・期限なしの指示。",
    ]
    assert response.context["overdue"] == 1
    assert "完了した指示" not in response.content.decode()


def test_dashboard_query_count_does_not_grow_with_rows(
    client, editor, division, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n: int, day: int) -> None:
        meeting = make_directive_meeting(
            *[f"指示{day}-{i}" for i in range(n)], held_on=f"2024-07-{day:02d}"
        )
        services.incident_link_meeting(
            incident=make_incident(title=f"事案{day}"), meeting=meeting, user=editor
        )
        for item in directive_items(meeting):
            services.directive_assign(item=item, organisation=division, user=editor)

    add(1, 1)
    client.force_login(editor)
    url = reverse("incidents_staff:directives")
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for day in range(2, 6):
        add(4, day)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["total"] == 17


def test_assigning_through_the_meeting_page_keeps_typed_values_on_error(
    client, editor, division
):
    meeting = make_directive_meeting("病院を支援すること。")
    [item] = directive_items(meeting)
    client.force_login(editor)
    url = reverse("incidents_staff:meeting_directives", args=[meeting.pk])
    response = client.post(
        url, {"item": item.pk, "organisation": "", "due_on": "2024-06-30"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "担当部局・課を選ぶか、全部局を選んでください。" in html
    assert 'value="2024-06-30"' in html
    response = client.post(
        url, {"item": item.pk, "organisation": division.pk, "due_on": "2024-06-30"}
    )
    assert response.status_code == 302
    assignment = DirectiveAssignment.objects.get()
    assert (assignment.organisation, str(assignment.due_on)) == (
        division,
        "2024-06-30",
    )
    assert assignment.issuer == "危機管理部副部長"


def test_dashboard_filters_by_department_and_keeps_directives_to_all(
    client, editor, division
):
    other = Organisation.objects.create(
        name="スマート県庁推進課", kind=Organisation.Kind.DIVISION
    )
    meeting = make_directive_meeting("医療の指示。", "情報の指示。", "全体の指示。")
    medical, smart, everyone = directive_items(meeting)
    services.directive_assign(item=medical, organisation=division, user=editor)
    services.directive_assign(item=smart, organisation=other, user=editor)
    services.directive_assign(item=everyone, all_departments=True, user=editor)
    client.force_login(editor)
    url = reverse("incidents_staff:directives")
    response = client.get(url, {"department": division.pk})
    assert [label for label, _ in response.context["by_department"]] == [
        "医療政策課",
        "全部局",
    ]
    assert "情報の指示。" not in response.content.decode()
    assert client.get(url, {"department": 99999}).status_code == 404
    assert response.context["total"] == 2


def test_a_departments_editor_records_progress_only_on_its_own_or_all_departments(
    assignment, editor, other_editor, approver, division, client
):
    from incidents.models import DepartmentMembership

    other = Organisation.objects.create(
        name="スマート県庁推進課", kind=Organisation.Kind.DIVISION
    )
    DepartmentMembership.objects.create(user=other_editor, organisation=other)
    with pytest.raises(PermissionDenied) as excinfo:
        services.directive_progress_record(
            assignment=assignment, user=other_editor, note="他部署の記録"
        )
    assert "スマート県庁推進課の入力担当" in str(excinfo.value)
    assert not assignment.progress_entries.exists()

    # Through the page: another department's directive is not even opened
    # (meetings.access: a department's editor sees its own and all departments').
    client.force_login(other_editor)
    url = reverse("incidents_staff:directive", args=[assignment.pk])
    for response in (
        client.get(url),
        client.post(url, {"note": "他部署の記録", "new_status": ""}),
    ):
        assert response.status_code == 403
        assert (
            "自分の部署と全部局への指示事項だけを開けます" in response.content.decode()
        )
    assert not assignment.progress_entries.exists()

    # Its own department's directive, and one to all departments, are fine.
    DepartmentMembership.objects.filter(user=other_editor).update(organisation=division)
    services.directive_progress_record(
        assignment=assignment, user=other_editor, note="自部署の記録"
    )
    everyone = services.directive_assign(
        item=assignment.item, all_departments=True, user=editor
    )
    DepartmentMembership.objects.filter(user=other_editor).update(organisation=other)
    services.directive_progress_record(
        assignment=everyone, user=other_editor, note="全部局への指示"
    )
    # Editors without a department (the coordinating division) and approvers record any.
    services.directive_progress_record(assignment=assignment, user=editor, note="調整")
    services.directive_progress_record(
        assignment=assignment, user=approver, note="確認"
    )
    assert assignment.progress_entries.count() == 3
