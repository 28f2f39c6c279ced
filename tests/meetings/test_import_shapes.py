"""The importer reads the shapes issue 14 names, each from a page written for it
(tests/fixtures/labelled/, labels in labels.json): ● ◆ 【】 and plain-text headings,
(1) sub-headings, (概要) blocks with their children, other bodies' meeting names with
第N回, department headings as text, the first item of a section, agenda shapes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from meetings.importer import parse_page
from meetings.importer.header import find_meeting_type
from meetings.layout import render_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LABELLED = FIXTURES / "labelled"
LABELS: dict[str, dict[str, Any]] = json.loads(
    (LABELLED / "labels.json").read_text(encoding="utf-8")
)
PAGE_2012 = FIXTURES / "pages" / "2012-12-26_kiki-kanri-kaigi_bullets.txt"

sys.path.insert(0, str(FIXTURES.parent.parent / "bench"))
from import_accuracy import compare  # noqa: E402


def parsed(name: str) -> dict[str, Any]:
    [data, *_] = parse_page(
        (LABELLED / name).read_text(encoding="utf-8"), filename=name
    )
    return data


def outline(items: list[dict[str, Any]]) -> list:
    """(marker, text, sub-heading?, children) without the long texts' tails."""
    return [
        (i["marker"], i["text"][:10], bool(i.get("heading")), outline(i["children"]))
        for i in items
    ]


@pytest.mark.parametrize("name", sorted(LABELS))
def test_each_labelled_field_is_read(name):
    misses = [field for field, ok in compare(LABELS[name], parsed(name)) if not ok]
    assert misses == []


@pytest.mark.parametrize("name", sorted(LABELS))
def test_each_page_reads_back_the_same_from_its_rendered_text(name):
    data = parsed(name)
    [again] = parse_page(render_text(data))
    for key in ("meeting_type", "held_on", "agenda", "agenda_markers", "sections"):
        assert again[key] == data[key], key
    assert data["unparsed"] == []


def test_the_2012_page_has_marked_headings_a_sub_heading_and_a_label_block():
    data = parse_page(PAGE_2012.read_text(encoding="utf-8"))[0]
    assert data["warnings"] == [] and data["unparsed"] == []
    assert [s.get("marker") for s in data["sections"]] == ["●", "●", "●"]
    first, second, directive = data["sections"]
    assert (first["kind"], first["speaker"], first["heading"]) == (
        "report",
        "危機管理部",
        "年末年始の危機事象対応について",
    )
    assert outline(first["items"]) == [
        (
            "(1)",
            "危機管理部からの報告",
            True,
            [
                ("・", "年末年始の休日におけ", False, []),
                ("・", "大雪や強風などの気象", False, []),
                ("・", "鳥インフルエンザなど", False, []),
            ],
        )
    ]
    assert second["topic"] == "放射性物質を含む災害廃棄物の広域処理について"
    assert outline(second["items"]) == [
        (
            "",
            "(概要)",
            True,
            [
                ("・", "環境省から、被災地の", False, []),
                ("・", "県内の処理施設の受入", False, []),
                ("・", "今後、住民説明会の開", False, []),
            ],
        )
    ]
    assert (directive["kind"], directive["speaker"]) == ("directive", "政策監")


def test_with_squares_the_label_is_not_glued_to_the_item_above():
    """■ instead of ●: (概要) was glued to the previous item, its children flattened."""
    data = parsed("h_2012_page_with_squares.txt")
    assert "marker" not in data["sections"][1]  # ■, the default
    assert outline(data["sections"][1]["items"])[0][:3] == ("", "(概要)", True)
    assert len(data["sections"][1]["items"][0]["children"]) == 3


def test_an_indented_label_block_nests_under_its_item_and_the_next_item_is_back_out():
    items = parsed("i_katakana_agenda_gaiyo_indented.txt")["sections"][0]["items"]
    assert outline(items) == [
        (
            "・",
            "県内の被害状況",
            False,
            [
                (
                    "",
                    "(概要)",
                    True,
                    [
                        ("・", "人的被害:軽傷2名", False, []),
                        ("・", "住家被害:一部損壊5", False, []),
                    ],
                )
            ],
        ),
        ("・", "避難所の開設状況", False, []),
    ]


def test_a_sub_heading_inside_a_diamond_section_heads_its_items():
    section = parsed("diamond_headings_subheadings.txt")["sections"][0]
    assert section["marker"] == "◆"
    assert [(i["marker"], i["text"], i.get("heading")) for i in section["items"]] == [
        ("(1)", "発生農場の概要", True),
        ("(2)", "防疫措置", True),
    ]
    assert [len(i["children"]) for i in section["items"]] == [2, 2]


def test_department_headings_written_as_plain_text_start_sections():
    data = parsed("city_kiki_kaigi_plain_departments.txt")
    assert [s["kind"] for s in data["sections"]] == [
        "explanation",
        "explanation",
        "report",
    ]
    assert [
        (s["speaker"], s.get("marker"), s["heading"]) for s in data["sections"]
    ] == [
        ("危機管理課", "", "危機管理課"),
        ("都市整備課", "", "都市整備課から"),
        ("福祉課", "", "福祉課より報告"),
    ]


def test_numbered_department_headings_keep_their_number_and_start_sections():
    data = parsed("b_town_numbered_departments.txt")
    assert [s["heading"] for s in data["sections"]][:3] == [
        "(1)総務課",
        "(2)建設課",
        "(3)健康福祉課",
    ]


def test_the_reporters_of_a_headquarters_page_are_not_taken_for_departments():
    """(1)気象の状況 / 徳島地方気象台 / (2)…: the body under a topic, not a heading."""
    data = parse_page(
        (FIXTURES / "pages" / "2022-12-23_saigai-honbu_excerpt.txt").read_text(
            encoding="utf-8"
        )
    )[0]
    assert data["sections"][0]["speaker"] == "徳島地方気象台"
    assert data["sections"][0]["topic"] == "気象の状況"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第2回阿南市危機管理会議を開催しました", "阿南市危機管理会議"),
        ("香川県災害対策本部会議(第5回)の開催結果", "香川県災害対策本部会議"),
        ("徳島県災害対策本部会議の開催について", "災害対策本部会議"),
        ("以下のとおり、危機管理会議を開催いたしました", "危機管理会議"),
        ("令和5年度第1回危機管理連絡会議を開催", "危機管理連絡会議"),
    ],
)
def test_other_bodies_keep_their_name_and_this_prefecture_its_type(text, expected):
    assert find_meeting_type(text) == expected


def test_a_bullet_heading_right_under_an_empty_agenda_label_is_not_an_agenda_topic():
    text = PAGE_2012.read_text(encoding="utf-8").replace(
        "4 協議概要:年末年始の危機事象対応について\n\n", "4 協議概要\n"
    )
    data = parse_page(text)[0]
    assert data["agenda"] == []
    assert data["sections"][0]["heading"] == "年末年始の危機事象対応について"
    assert data["sections"][0]["items"][0]["text"] == "危機管理部からの報告"
    assert data["unparsed"] == []


HEAD = """危機管理連絡会議の開催結果について(令和4年3月1日)

以下のとおり、危機管理連絡会議を開催いたしましたので、お知らせいたします。

1 日時:令和4年3月1日(火)17:00~17:15
2 場所:万代庁舎3階特別会議室
3 出席者:危機管理環境部副部長、各部局主管課副課長など計20名
"""
BODY = """
■危機管理政策課から説明
・情報収集を行っている。
"""


@pytest.mark.parametrize(
    "agenda",
    [
        "4 議題:(1)大雨への対応について (2)感染症対策について\n",
        "4 協議概要:大雨への対応について、感染症対策について\n",
        "4 協議概要\n・大雨への対応について\n・感染症対策について\n",
        "4 協議事項\n ①大雨への対応について\n ②感染症対策について\n",
        "4 議題:1.大雨への対応について 2.感染症対策について\n",
        "4 議題:①大雨への対応について ②感染症対策について\n",
        "4. 協議概要:\n1. 大雨への対応について\n2. 感染症対策について\n",
        "4 議題\n ア 大雨への対応について\n イ 感染症対策について\n",
        "4 議題\n (ア)大雨への対応について\n (イ)感染症対策について\n",
    ],
)
def test_agenda_topics_in_every_shape_and_the_body_after_them(agenda):
    data = parse_page(HEAD + agenda + BODY)[0]
    assert data["agenda"] == ["大雨への対応について", "感染症対策について"]
    assert data["sections"][0]["items"][0]["text"] == "情報収集を行っている。"
    assert data["unparsed"] == []
    [again] = parse_page(render_text(data))
    assert (again["agenda"], again["agenda_markers"]) == (
        data["agenda"],
        data["agenda_markers"],
    )


def test_a_heading_wrapped_onto_the_next_line_and_a_first_item_on_the_heading_line():
    sections = parsed("g_wrapped_and_run_on_headings.txt")["sections"]
    assert (sections[1]["speaker"], sections[1]["topic"]) == (
        "徳島地方気象台",
        "「今後の気温の見通し」について",
    )
    assert [i["text"] for i in sections[1]["items"]] == ["3月は気温が高くなる見込み。"]
    assert [i["text"] for i in sections[2]["items"]] == [
        "サイバー攻撃への警戒を強化している。",
        "不審なメールに注意すること。",
    ]
