"""Asking, writing, submitting, returning and accepting contributions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.models import Incident, IncidentLink
from meetings import demo_data, layout, services
from meetings.contributions import services as contributions
from meetings.contributions import signals
from meetings.contributions.models import (
    ContributionEvent,
    ContributionRequest,
    ContributionVersion,
)
from meetings.models import AppendOnlyError, Meeting, MeetingEvent, Section
from tests.contributions.conftest import DEPARTMENTS, seed_section

pytestmark = pytest.mark.django_db


def _request(asked, name: str) -> ContributionRequest:
    return next(r for r in asked if r.organisation.name == name)


def _fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.with_parts().get(pk=meeting.pk)


def _speakers(meeting: Meeting) -> list[str]:
    return [s.speaker for s in _fresh(meeting).sections.all()]


def test_one_request_per_department_with_the_template(asked, meeting, coordinator):
    assert [r.organisation.name for r in asked] == DEPARTMENTS
    assert [r.order for r in asked] == [1, 2, 3, 4]
    assert all(r.status == ContributionRequest.Status.REQUESTED for r in asked)
    assert all(r.requested_by == coordinator for r in asked)
    first = asked[0]
    assert contributions.template_sections(first) == [
        {
            "kind": "explanation",
            "speaker": "医療政策課",
            "topic": None,
            "group": "main",
            "items": [],
        }
    ]
    assert ContributionEvent.objects.filter(action="request").count() == 4


def test_a_department_is_asked_once_per_meeting(asked, meeting, coordinator):
    with pytest.raises(ValidationError, match="すでに依頼しています:医療政策課"):
        contributions.contribution_request_create(
            meeting=meeting,
            user=coordinator,
            organisations=[asked[0].organisation],
            due_at=timezone.now(),
        )


def test_a_published_meeting_cannot_be_asked_for(
    meeting, coordinator, approver, departments
):
    services.meeting_submit(meeting=meeting, user=coordinator)
    services.meeting_publish(meeting=meeting, user=approver)
    with pytest.raises(contributions.ContributionError):
        contributions.contribution_request_create(
            meeting=meeting,
            user=coordinator,
            organisations=[departments["警察本部"]],
            due_at=timezone.now(),
        )


def test_submit_makes_immutable_versions_and_return_keeps_them(
    asked, coordinator, writers
):
    request = _request(asked, "病院局総務課")
    writer = writers["病院局総務課"]
    first = seed_section("病院局総務課")
    first["items"] = first["items"][:3]  # one bullet forgotten
    v1 = contributions.contribution_submit(
        request=request, user=writer, sections=[first]
    )
    assert v1.number == 1
    assert "■病院局総務課から説明" in v1.text
    request.refresh_from_db()
    assert request.status == "submitted"
    with pytest.raises(contributions.ContributionError):
        contributions.contribution_submit(
            request=request, user=writer, sections=[seed_section("病院局総務課")]
        )

    contributions.contribution_return(
        request=request, user=coordinator, comment="4つ目の項目が抜けています。"
    )
    request.refresh_from_db()
    assert request.status == "returned"
    returned = request.events.get(action="return")
    assert returned.comment == "4つ目の項目が抜けています。"
    assert returned.version == v1
    # The department goes on from what it sent.
    assert contributions.template_sections(request)[0]["items"] == first["items"]

    v2 = contributions.contribution_submit(
        request=request, user=writer, sections=[seed_section("病院局総務課")]
    )
    assert v2.number == 2
    v1.refresh_from_db()
    assert len(v1.sections[0]["items"]) == 3  # the first version is as it was sent
    v1.text = "changed"
    with pytest.raises(AppendOnlyError):
        v1.save()
    with pytest.raises(AppendOnlyError):
        ContributionVersion.objects.filter(pk=v1.pk).update(text="x")


def test_return_needs_a_reason(asked, coordinator, writers):
    request = _request(asked, "警察本部")
    contributions.contribution_submit(
        request=request, user=writers["警察本部"], sections=[seed_section("警察本部")]
    )
    with pytest.raises(ValidationError):
        contributions.contribution_return(
            request=request, user=coordinator, comment=" "
        )


def test_submitting_nothing_is_refused(asked, writers):
    request = _request(asked, "警察本部")
    empty = [{"kind": "explanation", "speaker": "警察本部", "items": []}]
    with pytest.raises(ValidationError, match="項目を1つ以上"):
        contributions.contribution_submit(
            request=request, user=writers["警察本部"], sections=empty
        )


def test_accepting_in_the_seed_order_gives_the_seed_meeting(
    asked, meeting, coordinator, writers
):
    # Submitted in another order than the meeting's.
    for name in reversed(DEPARTMENTS):
        contributions.contribution_submit(
            request=_request(asked, name),
            user=writers[name],
            sections=[seed_section(name)],
        )
    for name in DEPARTMENTS:
        fresh = _fresh(meeting)
        contributions.contribution_accept(
            request=_request(asked, name),
            user=coordinator,
            expected_version=fresh.version,
        )
    fresh = _fresh(meeting)
    assert _speakers(meeting) == [s["speaker"] for s in demo_data.SEED_SECTIONS]
    stored = layout.meeting_data(fresh)["sections"]
    assert [
        {key: s[key] for key in seed}
        for s, seed in zip(stored, demo_data.SEED_SECTIONS, strict=True)
    ] == demo_data.SEED_SECTIONS
    assert all(
        r.status == "accepted" and r.accepted_version is not None
        for r in ContributionRequest.objects.all()
    )
    # Each acceptance is a save of the meeting by the coordinator, in its history.
    saves = MeetingEvent.objects.filter(meeting=meeting, action="save")
    assert saves.count() == 4
    assert all(e.actor == coordinator for e in saves)


def test_the_coordinator_chooses_the_position(asked, meeting, coordinator, writers):
    for name in ("警察本部", "医療政策課"):
        contributions.contribution_submit(
            request=_request(asked, name),
            user=writers[name],
            sections=[seed_section(name)],
        )
    contributions.contribution_accept(
        request=_request(asked, "警察本部"),
        user=coordinator,
        expected_version=_fresh(meeting).version,
    )
    # 医療政策課 first, before 警察本部 that is already in.
    contributions.contribution_accept(
        request=_request(asked, "医療政策課"),
        user=coordinator,
        expected_version=_fresh(meeting).version,
        position=0,
    )
    assert _speakers(meeting) == [
        "医療政策課",
        "警察本部",
        "危機管理環境部副部長",
        "畜産振興課",
    ]


def test_accepting_keeps_the_meetings_rows_and_what_points_at_them(
    asked, meeting, coordinator, writers
):
    before = _fresh(meeting)
    directive = before.sections.get(kind=Section.Kind.DIRECTIVE)
    item_ids = sorted(directive.items.values_list("pk", flat=True))
    attendee_ids = sorted(before.attendees.values_list("pk", flat=True))
    incident = Incident.objects.create(
        title="サイバー攻撃", category="cyber", started_at=timezone.now()
    )
    link = IncidentLink.objects.create(
        incident=incident, meeting=meeting, section=directive
    )
    contributions.contribution_submit(
        request=_request(asked, "警察本部"),
        user=writers["警察本部"],
        sections=[seed_section("警察本部")],
    )
    contributions.contribution_accept(
        request=_request(asked, "警察本部"),
        user=coordinator,
        expected_version=before.version,
    )
    after = _fresh(meeting)
    assert after.version == before.version + 1
    assert after.sections.get(kind=Section.Kind.DIRECTIVE).pk == directive.pk
    assert sorted(directive.items.values_list("pk", flat=True)) == item_ids
    assert sorted(after.attendees.values_list("pk", flat=True)) == attendee_ids
    assert IncidentLink.objects.get(pk=link.pk).section_id == directive.pk


def test_accept_from_a_stale_page_is_refused_and_writes_nothing(
    asked, meeting, coordinator, writers
):
    stale = _fresh(meeting).version
    contributions.contribution_submit(
        request=_request(asked, "警察本部"),
        user=writers["警察本部"],
        sections=[seed_section("警察本部")],
    )
    data = services.meeting_save  # someone else saves the meeting meanwhile
    fresh = _fresh(meeting)
    from meetings.contributions.services import stored_parts

    data(
        meeting=fresh,
        header={},
        parts=stored_parts(fresh),
        user=coordinator,
        expected_version=stale,
    )
    with pytest.raises(services.EditConflict):
        contributions.contribution_accept(
            request=_request(asked, "警察本部"),
            user=coordinator,
            expected_version=stale,
        )
    assert _request(asked, "警察本部").__class__.objects.get(
        organisation__name="警察本部"
    ).status == ("submitted")
    assert "警察本部" not in _speakers(meeting)


def test_what_a_department_wrote_survives_the_coordinators_edits(
    asked, meeting, coordinator, writers
):
    request = _request(asked, "医療政策課")
    sent = seed_section("医療政策課")
    contributions.contribution_submit(
        request=request, user=writers["医療政策課"], sections=[sent]
    )
    contributions.contribution_accept(
        request=request, user=coordinator, expected_version=_fresh(meeting).version
    )
    fresh = _fresh(meeting)
    parts = contributions.stored_parts(fresh)
    parts["sections"] = [s for s in parts["sections"] if s["speaker"] != "医療政策課"]
    services.meeting_save(
        meeting=fresh,
        header={},
        parts=parts,
        user=coordinator,
        expected_version=fresh.version,
    )
    assert "医療政策課" not in _speakers(meeting)
    request.refresh_from_db()
    assert request.accepted_version.sections == contributions.clean_sections([sent])


def test_a_contribution_never_names_a_stored_row(asked, meeting, coordinator, writers):
    """Ids typed into a contribution (a forged form) are dropped: accepting adds
    rows and never overwrites the meeting's."""
    directive = _fresh(meeting).sections.get(kind=Section.Kind.DIRECTIVE)
    forged = seed_section("警察本部")
    forged["id"] = directive.pk
    forged["items"][0]["id"] = directive.items.first().pk
    contributions.contribution_submit(
        request=_request(asked, "警察本部"), user=writers["警察本部"], sections=[forged]
    )
    contributions.contribution_accept(
        request=_request(asked, "警察本部"),
        user=coordinator,
        expected_version=_fresh(meeting).version,
    )
    assert (
        _fresh(meeting).sections.get(pk=directive.pk).speaker == "危機管理環境部副部長"
    )


def test_signals_are_sent_after_commit_with_the_request(
    meeting, coordinator, writers, departments, django_capture_on_commit_callbacks
):
    received = []

    def receiver(signal, sender, request, **kwargs):
        received.append((signal, request.organisation.name, sorted(kwargs)))

    for signal in (
        signals.contribution_requested,
        signals.contribution_submitted,
        signals.contribution_returned,
        signals.contribution_accepted,
    ):
        signal.connect(receiver, weak=False, dispatch_uid="test")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            [request] = contributions.contribution_request_create(
                meeting=meeting,
                user=coordinator,
                organisations=[departments["警察本部"]],
                due_at=timezone.now() + timedelta(hours=1),
            )
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            contributions.contribution_submit(
                request=request,
                user=writers["警察本部"],
                sections=[seed_section("警察本部")],
            )
            contributions.contribution_return(
                request=request, user=coordinator, comment="直してください。"
            )
            contributions.contribution_submit(
                request=request,
                user=writers["警察本部"],
                sections=[seed_section("警察本部")],
            )
            contributions.contribution_accept(
                request=request,
                user=coordinator,
                expected_version=_fresh(meeting).version,
            )
    finally:
        for signal in (
            signals.contribution_requested,
            signals.contribution_submitted,
            signals.contribution_returned,
            signals.contribution_accepted,
        ):
            signal.disconnect(dispatch_uid="test")
    assert received == [
        (signals.contribution_requested, "警察本部", ["actor"]),
        (signals.contribution_submitted, "警察本部", ["actor", "version"]),
        (signals.contribution_returned, "警察本部", ["actor", "comment"]),
        (signals.contribution_submitted, "警察本部", ["actor", "version"]),
        (signals.contribution_accepted, "警察本部", ["actor", "version"]),
    ]


def test_no_signal_when_the_transaction_rolls_back(
    meeting, coordinator, departments, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(IntegrityError), transaction.atomic():
            contributions.contribution_request_create(
                meeting=meeting,
                user=coordinator,
                organisations=[departments["警察本部"]],
                due_at=timezone.now(),
            )
            raise IntegrityError("rolled back")
    assert callbacks == []
    assert not ContributionRequest.objects.exists()


# ---------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------


def test_only_the_department_asked_writes(asked, writers, coordinator, approver):
    police = _request(asked, "警察本部")
    for someone in (writers["医療政策課"], coordinator, approver):
        with pytest.raises(PermissionDenied):
            contributions.contribution_submit(
                request=police, user=someone, sections=[seed_section("警察本部")]
            )
        with pytest.raises(PermissionDenied):
            contributions.contribution_save_draft(
                request=police, user=someone, sections=[seed_section("警察本部")]
            )


def test_departments_neither_ask_nor_return_nor_accept(
    asked, meeting, writers, departments
):
    writer = writers["警察本部"]
    police = _request(asked, "警察本部")
    contributions.contribution_submit(
        request=police, user=writer, sections=[seed_section("警察本部")]
    )
    with pytest.raises(PermissionDenied):
        contributions.contribution_request_create(
            meeting=meeting,
            user=writer,
            organisations=[departments["畜産振興課"]],
            due_at=timezone.now(),
        )
    with pytest.raises(PermissionDenied):
        contributions.contribution_return(request=police, user=writer, comment="x")
    with pytest.raises(PermissionDenied):
        contributions.contribution_accept(
            request=police, user=writer, expected_version=_fresh(meeting).version
        )


def test_the_contact_division_coordinates(meeting, django_user_model, departments):
    from tests.contributions.conftest import department_user

    kiki = department_user(django_user_model, "kiki", departments["危機管理政策課"])
    assert contributions.may_coordinate(kiki, meeting)
    police = department_user(django_user_model, "police", departments["警察本部"])
    assert not contributions.may_coordinate(police, meeting)


def test_a_department_sees_only_its_own_requests(asked, writers, coordinator):
    seen = contributions.requests_for(writers["警察本部"])
    assert [r.organisation.name for r in seen] == ["警察本部"]
    assert not contributions.requests_for(coordinator).exists()


def test_recipients(asked, writers, coordinator, django_user_model, departments):
    from tests.contributions.conftest import department_user

    police = _request(asked, "警察本部")
    second = department_user(django_user_model, "police2", departments["警察本部"])
    gone = department_user(django_user_model, "police3", departments["警察本部"])
    gone.is_active = False
    gone.save()
    assert contributions.department_members(police) == [writers["警察本部"], second]
    assert contributions.coordinators(police) == [coordinator]


def test_a_double_click_submits_and_accepts_once(asked, meeting, coordinator, writers):
    police = _request(asked, "警察本部")
    sent = [seed_section("警察本部")]
    first = contributions.contribution_submit(
        request=police, user=writers["警察本部"], sections=sent
    )
    again = contributions.contribution_submit(
        request=police, user=writers["警察本部"], sections=sent
    )
    assert again == first
    assert police.versions.count() == 1
    version = _fresh(meeting).version
    contributions.contribution_accept(
        request=police, user=coordinator, expected_version=version
    )
    contributions.contribution_accept(
        request=police, user=coordinator, expected_version=version
    )
    assert _speakers(meeting).count("警察本部") == 1
    assert police.events.filter(action="accept").count() == 1


def test_withheld_parts_and_nesting_reach_the_meeting(
    asked, meeting, coordinator, writers
):
    from meetings.models import Item, WithholdingReason

    reason = WithholdingReason.objects.first()
    police = _request(asked, "警察本部")
    section = seed_section("警察本部")
    section["items"][0]["children"] = [
        {
            "marker": "○",
            "text": "捜査中の内容",
            "children": [],
            "withheld": {"reason": reason.code, "note": "捜査に支障"},
        }
    ]
    contributions.contribution_submit(
        request=police, user=writers["警察本部"], sections=[section]
    )
    contributions.contribution_accept(
        request=police, user=coordinator, expected_version=_fresh(meeting).version
    )
    child = Item.objects.get(section__meeting=meeting, text="捜査中の内容")
    assert child.parent.text == section["items"][0]["text"]
    assert child.withheld_reason == reason
    assert child.withheld_note == "捜査に支障"


def test_nothing_is_submitted_to_a_meeting_already_published(
    asked, meeting, coordinator, approver, writers
):
    services.meeting_submit(meeting=meeting, user=coordinator)
    services.meeting_publish(meeting=meeting, user=approver)
    with pytest.raises(contributions.ContributionError, match="原稿を提出できません"):
        contributions.contribution_submit(
            request=_request(asked, "警察本部"),
            user=writers["警察本部"],
            sections=[seed_section("警察本部")],
        )
    assert not ContributionVersion.objects.exists()
