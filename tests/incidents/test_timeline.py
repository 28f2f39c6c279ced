"""The incident timeline: every meeting, section, directive and alert change in order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents import services, timeline
from incidents.models import DirectiveAssignment
from tests.factories import make_meeting
from tests.incidents.conftest import (
    at,
    directive_items,
    level,
    make_directive_meeting,
    make_incident,
    report_section,
)

pytestmark = pytest.mark.django_db


def _describe(entries) -> list[str]:
    out = []
    for e in entries:
        if e.kind == timeline.KIND_MEETING:
            out.append(f"meeting {e.meeting.held_on} {e.meeting.start_time:%H:%M}")
            out.extend(f"  section {s.section.speaker}" for s in e.sections)
        elif e.kind == timeline.KIND_ALERT:
            out.append(f"alert {e.alert.level.name}")
        else:
            out.append(f"progress {e.progress.note}")
    return out


def test_timeline_orders_meetings_by_date_and_start_time_and_sections_by_page_order(
    scheme, editor
):
    incident = make_incident()
    # Created out of order on purpose: the same day twice, a late-night meeting.
    evening = make_meeting(
        held_on="2023-01-10",
        start_time="23:30",
        end_time="00:15",
        end_next_day=True,
        sections=[
            report_section("畜産振興課", "疑い事例。"),
            report_section("危機管理政策課", "体制。"),
            report_section("警察本部", "交通規制。"),
        ],
    )
    morning = make_meeting(held_on="2023-01-10", start_time="09:00", end_time="09:15")
    earlier_day = make_meeting(
        held_on="2022-12-28", start_time="13:15", end_time="13:30"
    )
    for meeting in (evening, morning, earlier_day):
        services.incident_link_meeting(incident=incident, meeting=meeting, user=editor)
    # Link the evening's sections in reverse page order: the timeline keeps page order.
    services.incident_link_meeting(
        incident=incident,
        meeting=evening,
        user=editor,
        sections=list(evening.sections.order_by("-order")),
    )
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅢ"),
        effective_at=at(2023, 1, 10, 12, 0),  # between the two meetings of the day
        meeting=morning,
        user=editor,
    )

    assert _describe(timeline.build_timeline(incident)) == [
        "meeting 2022-12-28 13:15",
        "meeting 2023-01-10 09:00",
        "alert ステージⅢ",
        "meeting 2023-01-10 23:30",
        "  section 畜産振興課",
        "  section 危機管理政策課",
        "  section 警察本部",
    ]


def test_an_alert_change_at_the_meeting_start_comes_after_that_meeting(scheme, editor):
    incident = make_incident()
    meeting = make_meeting(held_on="2022-06-20", start_time="17:30")
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "平常時"),
        effective_at=at(2022, 6, 20, 17, 30),
        meeting=meeting,
        user=editor,
    )
    kinds = [e.kind for e in timeline.build_timeline(incident)]
    assert kinds == [timeline.KIND_MEETING, timeline.KIND_ALERT]


def test_timeline_shows_directives_progress_and_follow_up_reports(editor):
    incident = make_incident()
    directive_meeting = make_directive_meeting(
        "病院を支援すること。", held_on="2022-06-20"
    )
    report = make_meeting(
        held_on="2022-07-20",
        sections=[report_section("医療政策課", "支援の状況を報告。")],
    )
    [item] = directive_items(directive_meeting)
    services.incident_link_meeting(
        incident=incident, meeting=directive_meeting, user=editor
    )
    assignment = services.directive_assign(item=item, all_departments=True, user=editor)
    # The meeting's only incident is the default.
    assert assignment.incident == incident
    services.directive_progress_record(
        assignment=assignment,
        user=editor,
        note="着手した。",
        new_status=DirectiveAssignment.Status.IN_PROGRESS,
        recorded_at=at(2022, 6, 25, 10),
    )
    services.directive_follow_up_link(
        assignment=assignment, section=report.sections.get(), user=editor
    )

    entries = timeline.build_timeline(incident)
    assert _describe(entries) == [
        "meeting 2022-06-20 17:30",
        "  section 危機管理部副部長",
        "progress 着手した。",
        "meeting 2022-07-20 17:30",
        "  section 医療政策課",
    ]
    directive = entries[0].sections[0]
    assert directive.is_directive
    assert directive.items[0].assignments == [assignment]
    assert [f.assignment for f in entries[2].sections[0].follow_ups] == [assignment]

    rows = timeline.timeline_rows(entries)
    assert [r["kind"] for r in rows] == [
        "会議",
        "指示",
        "指示事項",
        "取組状況",
        "会議",
        "報告",
        "取組報告",
    ]
    assert rows[2]["recipient"] == "全部局"
    assert rows[3]["status"] == "未着手から対応中へ"


def test_drill_meetings_are_labelled_in_the_timeline_rows(editor):
    incident = make_incident(is_drill=True)
    drill = make_meeting(is_drill=True)
    services.incident_link_meeting(incident=incident, meeting=drill, user=editor)
    [row] = timeline.timeline_rows(timeline.build_timeline(incident))
    assert row["drill"] == "【訓練】"


def test_public_incident_page_and_record_leave_out_drafts_and_their_alert_changes(
    client, scheme, editor
):
    """The staff timeline lists a draft and the alert change it announces; the
    public incident page and the incident's API record show the published meeting
    only, and no alert level."""
    incident = make_incident(is_public=True)
    published = make_meeting(status="published", held_on="2024-05-10")
    draft = make_meeting(held_on="2024-05-20")
    for meeting in (published, draft):
        services.incident_link_meeting(incident=incident, meeting=meeting, user=editor)
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅢ"),
        effective_at=at(2024, 5, 20, 18),
        meeting=draft,
        user=editor,
    )
    staff = timeline.build_timeline(incident)
    assert len(staff) == 3
    assert [e.kind for e in staff].count(timeline.KIND_ALERT) == 1

    page = client.get(incident.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert published.get_absolute_url() in html
    assert str(draft.public_id) not in html
    assert "ステージⅢ" not in html and "現在の警戒段階" not in html
    record = client.get(reverse("api:incident", args=[incident.public_id])).json()
    assert [m["id"] for m in record["meetings"]] == [str(published.public_id)]
    assert record["alert_history"] == [] and record["current_alerts"] == []


def test_timeline_page_runs_a_constant_number_of_queries(
    client, editor, scheme, django_assert_max_num_queries
):
    incident = make_incident()

    def add_meeting(day: int) -> None:
        meeting = make_directive_meeting(
            "指示Aを行うこと。", "指示Bを行うこと。", held_on=f"2024-06-{day:02d}"
        )
        services.incident_link_meeting(
            incident=incident,
            meeting=meeting,
            user=editor,
            sections=list(meeting.sections.all()),
        )
        for item in directive_items(meeting):
            assignment = services.directive_assign(
                item=item, all_departments=True, user=editor
            )
            services.directive_progress_record(
                assignment=assignment, user=editor, note="記録"
            )
        services.alert_change_record(
            incident=incident,
            level=level(scheme, "ステージⅡ"),
            effective_at=at(2024, 6, day, 18),
            meeting=meeting,
            user=editor,
        )

    add_meeting(1)
    client.force_login(editor)
    url = reverse("incidents_staff:detail", args=[incident.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for day in range(2, 8):
        add_meeting(day)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("指示Bを行うこと。") >= 7
