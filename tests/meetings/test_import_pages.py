"""import_pages turns archived pages into meetings; parse_to_draft serves the editor."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from meetings import layout
from meetings.importer import parse_page, parse_to_draft
from meetings.models import Meeting

pytestmark = pytest.mark.django_db

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
SEED = "2022-06-20_renraku-kaigi_seed.txt"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_pages", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A folder of three pages, one of them in a sub-folder, and a file to ignore."""
    shutil.copy(PAGES / SEED, tmp_path / SEED)
    (tmp_path / "2022").mkdir()
    shutil.copy(PAGES / "html_page.html", tmp_path / "2022" / "html_page.html")
    shutil.copy(PAGES / "topic_then_speaker.txt", tmp_path / "2022" / "topic.txt")
    (tmp_path / "2022" / "notes.md").write_text("■無関係", encoding="utf-8")
    return tmp_path


def test_import_pages_creates_a_draft_for_each_page_in_a_folder_tree(archive):
    out, _ = run(str(archive))
    assert Meeting.objects.count() == 3
    assert set(Meeting.objects.values_list("status", flat=True)) == {"draft"}
    assert out.strip().splitlines()[-1] == "created 3, skipped 0, warnings 0"


def test_imported_seed_keeps_every_part_of_the_page(archive):
    run(str(archive / SEED))
    meeting = Meeting.objects.with_parts().get()
    assert meeting.meeting_type.name == "危機管理連絡会議"
    assert meeting.title == "危機管理連絡会議の開催結果について(令和4年6月20日)"
    assert meeting.attendee_total == 22
    assert meeting.attendee_tail == "各部局主管課副課長など"
    assert meeting.attendees.count() == 5
    assert meeting.sections.count() == 6
    assert meeting.sections.filter(group="other_reports").count() == 1
    directive = meeting.sections.get(kind="directive")
    assert (directive.speaker, directive.recipients) == (
        "危機管理環境部副部長",
        "各部局",
    )
    assert directive.items.count() == 4
    assert meeting.contact_phone == "088-621-2280"
    assert meeting.unstructured_text == ""


def test_stored_meeting_renders_text_that_parses_back_to_the_same_structure(archive):
    run(str(archive / SEED))
    parsed = parse_page((archive / SEED).read_text(encoding="utf-8"))[0]
    meeting = Meeting.objects.with_parts().get()
    [again] = parse_page(layout.render_text(layout.meeting_data(meeting)))
    for key in ("title", "held_on", "attendees", "agenda", "sections", "contact"):
        assert again[key] == parsed[key], key


def test_import_pages_skips_a_meeting_that_already_exists(archive):
    run(str(archive))
    out, _ = run(str(archive))
    assert Meeting.objects.count() == 3
    assert "skipped (already exists)" in out
    assert out.strip().splitlines()[-1] == "created 0, skipped 3, warnings 0"


def test_same_meeting_twice_in_one_run_is_created_once(tmp_path):
    for name in ("a.txt", "b.txt"):
        shutil.copy(PAGES / SEED, tmp_path / name)
    out, _ = run(str(tmp_path))
    assert Meeting.objects.count() == 1
    assert out.strip().splitlines()[-1] == "created 1, skipped 1, warnings 0"


def test_dry_run_writes_nothing_and_says_what_it_would_do(archive):
    out, _ = run(str(archive), "--dry-run")
    assert Meeting.objects.count() == 0
    assert out.strip().splitlines()[-1] == "would create 3, skipped 0, warnings 0"


def test_json_prints_one_object_per_file_and_writes_nothing(archive):
    out, err = run(str(archive), "--json")
    assert Meeting.objects.count() == 0
    objects = [json.loads(line) for line in out.splitlines()]
    assert [Path(o["file"]).name for o in objects] == [
        "html_page.html",  # files come in path order: 2022/… before 2022-06-20_…
        "topic.txt",
        SEED,
    ]
    seed = objects[2]["meetings"][0]
    assert seed["held_on"] == "2022-06-20"
    assert seed["attendee_total"] == 22
    assert [s["kind"] for s in seed["sections"]][-2:] == ["directive", "explanation"]
    for key in (
        "meeting_type",
        "session_number",
        "title",
        "published_on",
        "start_time",
        "end_time",
        "location",
        "attendees",
        "attendee_tail",
        "attendee_remote",
        "agenda",
        "sections",
        "attachments",
        "contact",
        "warnings",
        "unparsed",
    ):
        assert key in seed, key
    assert err.strip().splitlines()[-1] == "would create 3, skipped 0, warnings 0"


def test_warnings_are_counted_and_name_the_file_and_line(tmp_path):
    shutil.copy(PAGES / "transcript.txt", tmp_path / "transcript.txt")
    out, err = run(str(tmp_path))
    assert "transcript.txt: line 10: could not place 「○司会" in err
    assert out.strip().splitlines()[-1] == "created 1, skipped 0, warnings 1"
    meeting = Meeting.objects.get()
    assert meeting.unstructured_text.startswith("○司会 ただいまから")


def test_a_page_without_a_meeting_date_is_not_created(tmp_path):
    shutil.copy(PAGES / "prose_only.txt", tmp_path / "prose_only.txt")
    out, err = run(str(tmp_path))
    assert Meeting.objects.count() == 0
    assert "開催日が読み取れないため作成しません" in err
    assert out.strip().splitlines()[-1] == "created 0, skipped 0, warnings 2, failed 1"


def test_shift_jis_pages_are_read(tmp_path):
    text = (PAGES / SEED).read_text(encoding="utf-8").replace("\xa0", " ")
    (tmp_path / "seed.txt").write_bytes(text.encode("cp932"))
    run(str(tmp_path))
    assert Meeting.objects.get().location == "万代庁舎3階特別会議室"


def test_publish_option_publishes_the_imported_meeting(tmp_path):
    shutil.copy(PAGES / SEED, tmp_path / SEED)
    out, _ = run(str(tmp_path), "--publish")
    meeting = Meeting.objects.get()
    assert meeting.status == "published"
    assert meeting.current_publication is not None
    assert out.strip().splitlines()[-1] == "created 1, skipped 0, warnings 0"


def test_imported_by_names_the_user(tmp_path, editor):
    shutil.copy(PAGES / SEED, tmp_path / SEED)
    run(str(tmp_path), "--user", editor.username)
    assert Meeting.objects.get().created_by == editor


def test_unknown_path_or_user_is_an_error(tmp_path):
    with pytest.raises(CommandError):
        run(str(tmp_path / "missing"))
    with pytest.raises(CommandError):
        run(str(tmp_path), "--user", "nobody")


# ---------------------------------------------------------------------------
# parse_to_draft: what the editor's 「テキストから作成」 calls
# ---------------------------------------------------------------------------


def test_parse_to_draft_saves_the_pasted_page_as_a_draft(editor):
    text = (PAGES / "2014-04-13_renraku-kaigi_excerpt.txt").read_text(encoding="utf-8")
    meeting, warnings = parse_to_draft(text, user=editor)
    assert warnings == []
    assert meeting.status == "draft"
    assert meeting.created_by == editor
    assert meeting.held_on.isoformat() == "2014-04-13"
    assert list(meeting.sections.values_list("speaker", flat=True)) == [
        "農林水産部",
        "危機管理部",
        "各部局",
        "危機管理部",
    ]
    first = meeting.sections.get(order=1)
    assert first.items.filter(parent__isnull=True).count() == 4
    assert first.items.filter(parent__isnull=False).count() == 3


def test_parse_to_draft_keeps_prose_and_says_what_it_assumed(editor):
    text = (PAGES / "prose_only.txt").read_text(encoding="utf-8")
    meeting, warnings = parse_to_draft(text, user=editor)
    assert warnings[:2] == [
        "line 3: could not place "
        "「本日、知事が定例記者会見を行いました。 県内の新型コロナウイ…」",
        "line 7: could not place "
        "「また、大型連休中の観光施設の混雑状況について質疑がありました…」",
    ]
    assert any("開催日が読み取れなかった" in w for w in warnings)
    assert meeting.status == "draft"
    assert "県民の皆様に基本的な感染防止対策の徹底を呼びかけました。" in (
        meeting.unstructured_text
    )


def test_parse_to_draft_accepts_html(editor):
    html = (PAGES / "html_page.html").read_text(encoding="utf-8")
    meeting, warnings = parse_to_draft(html, user=editor)
    assert warnings == []
    assert meeting.sections.count() == 3
    assert meeting.contact_fax == "088-621-2849"


def test_parse_to_draft_keeps_a_count_below_the_list_as_a_warning(editor):
    text = (PAGES / SEED).read_text(encoding="utf-8").replace("計22 名", "計2名")
    meeting, warnings = parse_to_draft(text, user=editor)
    assert meeting.attendee_total is None
    assert any("計2名" in w for w in warnings)
