"""The importer's parsed dict is what its TypedDicts say (``meetings.importer.types``):
mypy checks the code against them, this checks them against what a real page gives."""

from __future__ import annotations

from pathlib import Path

from meetings import layout, limits
from meetings.importer import parse_page
from meetings.importer.types import (
    ParsedAttachment,
    ParsedAttendees,
    ParsedMeeting,
    SpeakerInfo,
)

SEED = Path(__file__).parent.parent / "fixtures" / "seed_2022-06-20.txt"


def _keys(typed_dict: type) -> set[str]:
    """Every key a TypedDict declares (its own and inherited; NotRequired ones too:
    with postponed annotations Python does not tell them apart at run time)."""
    return set(typed_dict.__annotations__)


def test_a_parsed_page_has_the_keys_its_typeddict_declares():
    [data] = parse_page(SEED.read_text(encoding="utf-8"), filename="seed.txt")
    assert set(data) == _keys(ParsedMeeting)  # source_file (NotRequired) included
    [bare] = parse_page(SEED.read_text(encoding="utf-8"))
    assert set(bare) == _keys(ParsedMeeting) - {"source_file"}
    assert _keys(ParsedAttendees) <= set(data)
    assert data["attachments"]
    for attachment in data["attachments"]:
        assert set(attachment) == _keys(ParsedAttachment)
    assert set(data["contact"]) == _keys(layout.ContactData)
    required = _keys(layout.SectionData) - {"marker", "withheld", "id"}
    assert data["sections"]
    for section in data["sections"]:
        assert required <= set(section) <= _keys(layout.SectionData)
    for detail in data["attendee_details"]:
        assert set(detail) == _keys(layout.AttendeeDetail) - {"id"}


def test_a_speaker_heading_reads_as_its_typeddict():
    from meetings.importer.body import bare_org_header, parse_speaker_header

    info = parse_speaker_header("■危機管理環境部副部長から,次のとおり各部局に指示")
    assert info is not None and set(info) == _keys(SpeakerInfo)
    assert info["kind"] == "directive" and info["recipients"] == "各部局"
    bare = bare_org_header("健康福祉部より")
    assert bare is not None and set(bare) == _keys(SpeakerInfo)


def test_the_limits_read_the_header_fields_their_typeddict_names():
    assert set(limits.HEADER_TEXT_FIELDS) <= _keys(limits.LimitedMeeting)
    assert set(limits.SECTION_HEAD_FIELDS) <= _keys(limits.LimitedSection)
    [data] = parse_page(SEED.read_text(encoding="utf-8"))
    # A parsed page is checked as the editor checks it: over nothing here.
    assert limits.meeting_problems(data) == []  # type: ignore[arg-type]  # unchecked: its header lacks title_override
