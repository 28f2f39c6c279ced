"""Model invariants: order unique per parent, end after start, totals, load_demo."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from meetings import demo_data
from meetings.models import (
    AgendaItem,
    Attachment,
    Attendee,
    Item,
    Meeting,
    MeetingEvent,
    Organisation,
    Publication,
    Section,
)
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def test_attendee_order_is_unique_per_meeting():
    meeting = make_meeting()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendee.objects.create(meeting=meeting, order=1, role="重複")
    other = make_meeting(held_on="2024-05-11")
    Attendee.objects.create(
        meeting=other, order=99, role="別の会議なら同じ順番でもよい"
    )
    Attendee.objects.create(meeting=meeting, order=99, role="ok")


def test_agenda_and_section_order_are_unique_per_meeting():
    meeting = make_meeting()
    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaItem.objects.create(meeting=meeting, order=1, text="重複")
    with pytest.raises(IntegrityError), transaction.atomic():
        Section.objects.create(meeting=meeting, order=1, speaker="重複")


def test_item_order_is_unique_among_siblings_but_not_across_parents():
    meeting = make_meeting()
    section = meeting.sections.get()
    root = section.items.get()
    child = Item.objects.create(section=section, parent=root, order=1, text="子1")
    # Same order under another parent, and at root level under the same section, differ.
    Item.objects.create(section=section, parent=child, order=1, text="孫1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(section=section, parent=root, order=1, text="子の重複")
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(section=section, parent=None, order=1, text="根の重複")


def test_end_before_start_is_rejected_unless_past_midnight():
    meeting = make_meeting()
    meeting.start_time, meeting.end_time = time(17, 30), time(17, 0)
    with pytest.raises(ValidationError) as excinfo:
        meeting.full_clean()
    assert "end_time" in excinfo.value.message_dict
    assert "終了時刻が開始時刻より前" in excinfo.value.message_dict["end_time"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(end_time=time(17, 0))
    meeting.end_next_day = True
    meeting.full_clean()
    meeting.save()
    meeting.refresh_from_db()
    assert meeting.end_next_day and meeting.end_time == time(17, 0)


def test_next_day_flag_with_end_after_start_is_rejected():
    meeting = make_meeting()
    meeting.end_next_day = True  # 17:30 -> 17:45 is the same day
    with pytest.raises(ValidationError) as excinfo:
        meeting.full_clean()
    assert "end_next_day" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(end_next_day=True)


def test_stated_total_below_listed_attendees_is_rejected_with_a_japanese_message():
    with pytest.raises(ValidationError) as excinfo:
        make_meeting(attendees=["部長", "次長", "課長"], attendee_total=2)
    message = excinfo.value.message_dict["attendee_total"][0]
    assert "出席者数(計)2名" in message and "(3)" in message
    assert not Meeting.objects.exists()  # nothing half-created


def test_remote_count_cannot_exceed_total():
    meeting = make_meeting()
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(
            attendee_total=2, attendee_remote=3
        )


def test_title_is_generated_from_type_and_date_unless_overridden():
    meeting = make_meeting(held_on="2019-05-01")
    assert meeting.title == "危機管理連絡会議の開催結果について(令和元年5月1日)"
    meeting.title_override = "【会議結果】台風第14号への対応"
    assert meeting.title == "【会議結果】台風第14号への対応"


def test_public_identifiers_are_unique_and_not_editable():
    first, second = make_meeting(), make_meeting(held_on="2024-05-11")
    assert first.public_id != second.public_id
    assert not Meeting._meta.get_field("public_id").editable


def test_unknown_speaker_is_linked_only_when_known():
    meeting = make_meeting(
        sections=[
            {"kind": "explanation", "speaker": "気象台", "group": "main", "items": []},
            {
                "kind": "explanation",
                "speaker": "謎の調整室",
                "group": "main",
                "items": [],
            },
        ]
    )
    org = Organisation.objects.create(name="徳島地方気象台", kind="outside")
    org.aliases.create(name="気象台")
    from meetings import services

    assert services.organisation_resolve(name="気象台") == org
    assert meeting.sections.get(order=2).speaker == "謎の調整室"
    offered = services.organisations_offer_unknown(names=["謎の調整室"])["謎の調整室"]
    assert offered.needs_review is True


@pytest.mark.usefixtures("shared_demo")  # the first load, shared by all such tests
def test_load_demo_twice_changes_nothing_the_second_time(settings):
    settings.DEBUG = True  # load_demo refuses to run with DEBUG off
    counts = {
        model.__name__: model.objects.count()
        for model in (
            Meeting,
            Section,
            Item,
            Attendee,
            Attachment,
            Publication,
            MeetingEvent,
            Organisation,
        )
    }
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert counts == {
        model.__name__: model.objects.count()
        for model in (
            Meeting,
            Section,
            Item,
            Attendee,
            Attachment,
            Publication,
            MeetingEvent,
            Organisation,
        )
    }
    seed = Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)
    assert seed.status == Meeting.Status.PUBLISHED
    assert seed.sections.count() == 6
    assert seed.sections.filter(group="other_reports").count() == 1
    assert list(seed.attachments.values_list("kind", flat=True)) == [
        "result",
        "material",
    ]
    statuses = set(Meeting.objects.values_list("status", flat=True))
    assert {"draft", "review", "published"} <= statuses
    assert Meeting.objects.filter(end_next_day=True, status="published").exists()


def test_syncing_parts_resolves_organisations_in_queries_that_do_not_grow():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from meetings import services
    from tests.factories import meeting_data

    Organisation.objects.create(name="医療政策課", kind="division")
    meeting = make_meeting()

    def queries(attendees: int) -> int:
        data = meeting_data(
            attendees=["医療政策課", *(f"課長{n}" for n in range(attendees))],
            attendee_total=None,
        )
        with CaptureQueriesContext(connection) as captured:
            services.meeting_parts_sync(meeting=meeting, data=data)
        return len(captured.captured_queries)

    assert queries(2) == queries(40)
    assert meeting.attendees.get(order=1).organisation.name == "医療政策課"
    assert meeting.attendees.get(order=2).organisation is None
