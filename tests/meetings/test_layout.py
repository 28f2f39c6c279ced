"""The plain-text rendering of the seed meeting equals the official page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from meetings import layout
from meetings.models import Meeting
from tests.factories import make_meeting

# The seed tests read the demo: loaded once for the module.
pytestmark = pytest.mark.usefixtures("shared_demo")

SEED_TEXT = (
    Path(__file__).parent.parent / "fixtures" / "seed_2022-06-20.txt"
).read_text(encoding="utf-8")
SIZE = re.compile(r"\((\d+(?:KB|MB))\)$")


def normalise(text: str) -> list[str]:
    """Remove spaces and blank lines; a line that starts indented continues the last one.

    The official page hard-wraps long bullets and the attendee list with indented
    continuation lines; the structured data holds each bullet as one line.
    """
    lines: list[str] = []
    for raw in text.splitlines():
        stripped = re.sub(r"\s", "", raw)
        if not stripped:
            continue
        if raw[:1].isspace() and lines and not stripped.startswith(("・", "■")):
            lines[-1] += stripped
        else:
            lines.append(stripped)
    return lines


def _without_sizes(lines: list[str]) -> list[str]:
    return [SIZE.sub("(SIZE)", line) for line in lines]


def test_seed_text_rendering_equals_the_official_page_line_by_line(seed_meeting):
    meeting = Meeting.objects.with_parts().get(pk=seed_meeting.pk)
    rendered = normalise(layout.render_text(layout.meeting_data(meeting)))
    # Time ranges are printed with the full-width ～ (issue 19), the page has "~".
    expected = [
        line.replace("17:30~17:45", "17:30～17:45") for line in normalise(SEED_TEXT)
    ]
    # Attachment sizes are those of our real files, not of the prefecture's originals.
    assert _without_sizes(rendered) == _without_sizes(expected)


def test_seed_attachment_sizes_are_taken_from_the_files(seed_meeting):
    meeting = Meeting.objects.with_parts().get(pk=seed_meeting.pk)
    text = layout.render_text(layout.meeting_data(meeting))
    for attachment in meeting.attachments.all():
        assert attachment.size_bytes == attachment.file.size
        assert f"{attachment.label}.pdf({attachment.size_display})" in text


@pytest.mark.django_db
def test_past_midnight_meeting_prints_next_day_end():
    meeting = make_meeting(start_time="23:30", end_time="00:15", end_next_day=True)
    text = layout.render_text(
        layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    )
    assert "1 日時:令和6年5月10日(金)23:30～翌0:15" in text


@pytest.mark.django_db
def test_open_ended_written_meeting_renders_without_end_and_with_written_note():
    meeting = make_meeting(end_time=None, mode="written", location="")
    text = layout.render_text(
        layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    )
    assert "17:30～\n" in text
    assert "2 場所:※書面開催" in text


@pytest.mark.django_db
def test_topic_heading_nesting_and_deep_items_render_in_order():
    sections = [
        {
            "kind": "report",
            "speaker": "危機管理環境部",
            "topic": "年末年始の危機事象対応について",
            "topic_heading": True,
            "group": "main",
            "items": [
                {
                    "marker": "○",
                    "text": "当該農場の概要",
                    "children": [
                        {
                            "marker": "・",
                            "text": "所在地:香川県",
                            "children": [
                                {"marker": "①", "text": "三段目", "children": []}
                            ],
                        }
                    ],
                }
            ],
        },
        {
            "kind": "report",
            "speaker": "警察本部",
            "topic": "年末年始の危機事象対応について",
            "topic_heading": True,
            "group": "main",
            "items": [{"marker": "", "text": "段落の報告。", "children": []}],
        },
        {
            "kind": "explanation",
            "speaker": "畜産振興課",
            "group": "other_reports",
            "items": [{"marker": "・", "text": "その他。", "children": []}],
        },
    ]
    meeting = make_meeting(sections=sections)
    data = layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    assert (
        data["sections"][0]["items"][0]["children"][0]["children"][0]["text"]
        == "三段目"
    )
    lines = [
        line.strip() for line in layout.render_text(data).splitlines() if line.strip()
    ]
    start = lines.index("■年末年始の危機事象対応について")
    assert lines[start : start + 9] == [
        "■年末年始の危機事象対応について",
        "○危機管理環境部からの報告",
        "○当該農場の概要",
        "・所在地:香川県",
        "①三段目",
        "○警察本部からの報告",
        "段落の報告。",
        "(その他報告事項)",
        "■畜産振興課から説明",
    ]
    # The shared topic heading is printed once.
    assert lines.count("■年末年始の危機事象対応について") == 1


@pytest.mark.django_db
def test_attendee_line_prints_remote_attendees_and_count_in_parentheses():
    meeting = make_meeting(
        attendees=[],
        attendee_details=[
            {"role": "知事(本部長)", "remote": False, "outside": False},
            {"role": "南部総合県民局長", "remote": True, "outside": False},
            {"role": "四国電力(株)", "remote": False, "outside": True},
        ],
        attendee_tail="",
        attendee_total=23,
        attendee_remote=2,
        separator="、",
    )
    data = layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    assert layout.attendee_line(data) == (
        "知事(本部長)、(南部総合県民局長)、四国電力(株) 計23名(内テレビ会議2名)"
    )
