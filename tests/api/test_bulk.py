"""Bulk downloads: CSV that Excel and the csv module open with Japanese intact,
ids that join the three files, JSON Lines, the data page and the sitemap."""

from __future__ import annotations

import csv
import io
import json
from http import HTTPStatus

import pytest
from django.test import Client

from meetings import demo_data, services
from meetings.api import bulk
from tests.factories import make_meeting

# The demo is read, never changed for good: loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]

SEED = demo_data.SEED_PUBLIC_ID


@pytest.fixture
def demo(db):
    """The module's demo (loaded once by shared_demo)."""


def _rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    with io.StringIO(content.decode("utf-8-sig"), newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_files_open_with_their_columns_and_japanese_intact(client: Client, demo):
    files = {}
    for name in ("meetings.csv", "sections.csv", "items.csv"):
        response = client.get(f"/data/2022/{name}")
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert b"\r\n" in response.content  # CRLF rows, as Excel writes them
        files[name] = _rows(response.content)
    meetings = {row["meeting_id"]: row for row in files["meetings.csv"]}
    columns = [column for column, _, _ in bulk.MEETING_COLUMNS]
    assert list(files["meetings.csv"][0]) == columns
    assert list(files["sections.csv"][0]) == [c for c, _, _ in bulk.SECTION_COLUMNS]
    assert list(files["items.csv"][0]) == [c for c, _, _ in bulk.ITEM_COLUMNS]
    seed = meetings[SEED]
    assert seed["title"] == "危機管理連絡会議の開催結果について(令和4年6月20日)"
    assert seed["held_on_wareki"] == "令和4年6月20日(月)"
    assert seed["datetime_text"] == "令和4年6月20日(月)17:30～17:45"
    assert seed["venue"] == "万代庁舎3階特別会議室"
    assert seed["agenda"] == "「県内医療機関でのサイバー攻撃事案の発生」について"
    assert seed["fiscal_year"] == "2022"
    # The three files join on meeting_id and section_index.
    sections = [r for r in files["sections.csv"] if r["meeting_id"] == SEED]
    assert int(seed["section_count"]) == len(sections)
    assert sections[0]["heading_text"] == "医療政策課から説明"
    items = [
        r
        for r in files["items.csv"]
        if r["meeting_id"] == SEED and r["section_index"] == "0"
    ]
    assert int(sections[0]["item_count"]) == len(items)
    assert items[0]["item_id"] == "1" and items[0]["marker"] == "・"
    assert items[0]["text"].startswith("昨日、「鳴門山上病院」において")
    # Every section and item row belongs to a meeting of the file.
    assert {r["meeting_id"] for r in files["items.csv"]} <= set(meetings)


def test_nested_items_carry_their_parent(client: Client, approver, editor, demo):
    meeting = make_meeting(
        user=editor,
        status="review",
        held_on="2023-05-01",
        sections=[
            {
                "kind": "report",
                "speaker": "危機管理政策課",
                "group": "main",
                "items": [
                    {
                        "marker": "○",
                        "text": "避難所",
                        "children": [
                            {"marker": "・", "text": "開設数", "children": []},
                            {"marker": "・", "text": "=SUM(A1)", "children": []},
                        ],
                    }
                ],
            }
        ],
    )
    services.meeting_publish(meeting=meeting, user=approver)
    rows = [
        r
        for r in _rows(client.get("/data/2023/items.csv").content)
        if r["meeting_id"] == str(meeting.public_id)
    ]
    assert [(r["item_id"], r["parent_item_id"], r["depth"]) for r in rows] == [
        ("1", "", "0"),
        ("1.1", "1", "1"),
        ("1.2", "1", "1"),
    ]
    # A cell that a spreadsheet would run as a formula is neutralised.
    assert rows[2]["text"] == "'=SUM(A1)"


def test_all_is_every_fiscal_year_joined(client: Client, demo):
    years = bulk.fiscal_years()
    assert len(years) >= 2
    all_rows = _rows(client.get("/data/all/meetings.csv").content)
    per_year = [
        row
        for year in sorted(years)
        for row in _rows(client.get(f"/data/{year}/meetings.csv").content)
    ]
    assert all_rows == per_year
    assert [r["held_on"] for r in all_rows] == sorted(r["held_on"] for r in all_rows)
    generated = dict(bulk.generate_all(base="http://testserver"))
    assert generated["all/meetings.csv"] == client.get("/data/all/meetings.csv").content
    assert set(generated) == {
        f"{scope}/{name}"
        for scope in ["all", *map(str, years)]
        for name in bulk.FILE_NAMES
    }


def test_json_lines_hold_one_record_per_meeting(client: Client, demo):
    response = client.get("/data/all/meetings.jsonl")
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert not response.content.startswith(b"\xef\xbb\xbf")
    records = [json.loads(line) for line in response.content.decode().splitlines()]
    csv_ids = [
        r["meeting_id"] for r in _rows(client.get("/data/all/meetings.csv").content)
    ]
    assert [r["id"] for r in records] == csv_ids
    assert all(r["sections"] is not None for r in records)


def test_a_fiscal_year_without_published_meetings_is_404(client: Client, demo):
    assert client.get("/data/1999/meetings.csv").status_code == HTTPStatus.NOT_FOUND


def test_data_page_states_the_license_and_lists_every_file(client: Client, demo):
    html = client.get("/data/").content.decode()
    assert "政府標準利用規約(第2.0版)" in html
    assert "CC BY 4.0" in html
    for url in bulk.file_urls()[1:]:
        assert f'href="{url}"' in html
    for column, meaning, _ in bulk.ITEM_COLUMNS:
        assert f"<code>{column}</code>" in html and meaning in html


def test_sitemap_lists_the_bulk_files(client: Client, demo):
    sitemap = client.get("/sitemap.xml").content.decode()
    for url in bulk.file_urls():
        assert f"<loc>http://testserver{url}</loc>" in sitemap


def test_updating_one_fiscal_year_gives_what_a_full_build_gives(approver, editor, demo):
    files = dict(bulk.generate_all(base="https://example.lg.jp"))
    added = make_meeting(user=editor, status="review", held_on="2023-05-01")
    services.meeting_publish(meeting=added, user=approver)
    lonely = make_meeting(user=editor, status="review", held_on="2019-05-01")
    services.meeting_publish(meeting=lonely, user=approver)
    for path, content in bulk.update_years(
        [2023, 2019], files.get, base="https://example.lg.jp"
    ):
        files[path] = content
    assert files == dict(bulk.generate_all(base="https://example.lg.jp"))
    assert str(added.public_id).encode() in files["all/meetings.csv"]
    # Withdrawn: the 年度 left without meetings loses its files, all loses the row.
    services.meeting_withdraw(meeting=lonely, user=approver)
    updates = dict(bulk.update_years([2019], files.get, base="https://example.lg.jp"))
    assert {updates[f"2019/{name}"] for name in bulk.FILE_NAMES} == {None}
    assert str(lonely.public_id).encode() not in updates["all/meetings.jsonl"]


def test_refresh_rebuilds_only_what_changed(approver, editor, demo, monkeypatch):
    files: dict[str, bytes] = {}

    def apply(changes) -> set[str]:
        written = set()
        for path, content in changes:
            written.add(path)
            if content is None:
                files.pop(path, None)
            else:
                files[path] = content
        return written

    def refresh() -> set[str]:
        state = bulk.tree_files.state()
        written = apply(bulk.tree_files.refresh(files.get, state))
        files[bulk.FINGERPRINTS] = state
        return written

    assert refresh() == bulk.expected_paths()
    assert refresh() == set()  # nothing changed
    added = make_meeting(user=editor, status="review", held_on="2023-05-01")
    services.meeting_publish(meeting=added, user=approver)
    built: list[int] = []
    original = bulk.year_files
    monkeypatch.setattr(
        bulk,
        "year_files",
        lambda year, **kw: built.append(year) or original(year, **kw),
    )
    assert {p.split("/")[0] for p in refresh()} == {"2023", "all"}
    assert built == [2023]
    monkeypatch.undo()
    full = dict(bulk.tree_files.full())
    assert {p: c for p, c in files.items() if p != bulk.FINGERPRINTS} == full
    # An incident renamed: the 年度 of its meetings is rebuilt.
    from incidents.models import Incident

    incident = Incident.objects.public().first()
    incident.title = "改名した事案"
    incident.save()
    assert refresh()
    assert "改名した事案".encode() in files["all/meetings.jsonl"]
