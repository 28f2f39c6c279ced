"""Every role check in meetings' services, pinned by calling the service itself.

The views check roles too (decorators); these tests make sure the services are the
last line: deleting a check from a service makes one of these fail.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from meetings import exports, services
from meetings.models import Meeting, MeetingEvent, PdfExportJob, Publication
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def _state(meeting: Meeting) -> tuple:
    meeting.refresh_from_db()
    return (
        meeting.status,
        meeting.version,
        MeetingEvent.objects.filter(meeting=meeting).count(),
        Publication.objects.filter(meeting=meeting).count(),
    )


@pytest.fixture
def in_review(editor) -> Meeting:
    return make_meeting(user=editor, status="review")


@pytest.mark.parametrize("who", ["editor", "outsider", "anonymous"])
def test_meeting_publish_refuses_non_approvers(request, in_review, who):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    before = _state(in_review)
    with pytest.raises(PermissionDenied):
        services.meeting_publish(meeting=in_review, user=user)
    assert _state(in_review) == before


def test_meeting_publish_refuses_an_approver_who_edited_the_meeting(approver, settings):
    settings.APPROVER_MAY_PUBLISH_OWN_EDITS = False
    meeting = make_meeting(user=approver, status="review")  # created by the approver
    before = _state(meeting)
    with pytest.raises(PermissionDenied, match="自分が編集"):
        services.meeting_publish(meeting=meeting, user=approver)
    assert _state(meeting) == before


@pytest.mark.parametrize("who", ["editor", "outsider"])
def test_meeting_publish_reviewed_refuses_non_approvers(request, in_review, who):
    user = request.getfixturevalue(who)
    before = _state(in_review)
    with pytest.raises(PermissionDenied):
        services.meeting_publish_reviewed(
            meeting=in_review, user=user, version=in_review.version
        )
    assert _state(in_review) == before


def test_meeting_publish_reviewed_checks_the_role_before_anything_else(
    in_review, editor
):
    """Its own check, not only meeting_publish's: a stale version is not even read."""
    before = _state(in_review)
    with pytest.raises(PermissionDenied):
        services.meeting_publish_reviewed(
            meeting=in_review, user=editor, version=in_review.version - 1
        )
    assert _state(in_review) == before


def test_meeting_publish_reviewed_lets_an_approver_publish(in_review, approver):
    """The control: the same call by an approver publishes."""
    services.meeting_publish_reviewed(
        meeting=in_review, user=approver, version=in_review.version
    )
    assert _state(in_review)[0] == Meeting.Status.PUBLISHED


@pytest.mark.parametrize("who", ["editor", "outsider"])
def test_meeting_return_refuses_non_approvers(request, in_review, who):
    user = request.getfixturevalue(who)
    before = _state(in_review)
    with pytest.raises(PermissionDenied):
        services.meeting_return(meeting=in_review, user=user, comment="差戻し")
    assert _state(in_review) == before


@pytest.mark.parametrize("who", ["editor", "outsider"])
def test_meeting_withdraw_refuses_non_approvers(request, approver, who):
    meeting = make_meeting(status="review")
    services.meeting_publish(meeting=meeting, user=approver)
    user = request.getfixturevalue(who)
    before = _state(meeting)
    with pytest.raises(PermissionDenied):
        services.meeting_withdraw(meeting=meeting, user=user)
    assert _state(meeting) == before == (Meeting.Status.PUBLISHED, 1, 3, 1)


def test_meeting_submit_refuses_users_without_a_role(outsider, editor):
    meeting = make_meeting(user=editor)
    before = _state(meeting)
    with pytest.raises(PermissionDenied):
        services.meeting_submit(meeting=meeting, user=outsider)
    assert _state(meeting) == before
    services.meeting_submit(meeting=meeting, user=editor)
    assert _state(meeting)[0] == Meeting.Status.REVIEW


def test_meeting_save_refuses_users_without_a_role(outsider, editor):
    meeting = make_meeting(user=editor)
    before = _state(meeting)
    with pytest.raises(PermissionDenied):
        services.meeting_save(
            meeting=meeting,
            header={"title_override": "改ざん"},
            parts={},
            user=outsider,
            expected_version=meeting.version,
        )
    assert _state(meeting) == before
    with pytest.raises(PermissionDenied):
        services.meeting_save(meeting=None, header={}, parts={}, user=outsider)
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize("who", ["editor", "approver", "outsider"])
def test_pdf_export_job_create_refuses_non_admins(request, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        exports.pdf_export_job_create(
            user=user, fiscal_year=2024, include_unpublished=True
        )
    assert not PdfExportJob.objects.exists()
