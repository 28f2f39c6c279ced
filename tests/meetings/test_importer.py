"""The page parser reads every shape of a published 開催結果 page (FORMAT.md).

Inputs are the five real pages (the 2022-06-20 seed in full, four beginnings) and
pages written for one variation each, all under tests/fixtures/pages/. No database.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from meetings import demo_data
from meetings.importer import parse_page
from meetings.layout import render_text

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"


def meetings_on(name: str) -> list[dict[str, Any]]:
    return parse_page((PAGES / name).read_text(encoding="utf-8"), filename=name)


def page(name: str) -> dict[str, Any]:
    [meeting] = meetings_on(name)
    return meeting


def section_summary(data: dict[str, Any]) -> list[tuple]:
    return [
        (s["kind"], s["speaker"], s["recipients"], s["topic"], s["group"])
        for s in data["sections"]
    ]


def texts(items: list[dict[str, Any]]) -> list[str]:
    return [item["text"] for item in items]


def tree(items: list[dict[str, Any]]) -> list:
    """Markers and nesting only: [("○", [("・", []), …]), …]."""
    return [(item["marker"], tree(item["children"])) for item in items]


# ---------------------------------------------------------------------------
# The seed, in full
# ---------------------------------------------------------------------------


def test_seed_page_header_fields_come_out_as_published():
    data = page("2022-06-20_renraku-kaigi_seed.txt")
    assert data["meeting_type"] == "危機管理連絡会議"
    assert data["session_number"] is None
    assert data["title"] == "危機管理連絡会議の開催結果について(令和4年6月20日)"
    assert data["held_on"] == "2022-06-20"
    assert data["published_on"] == "2022-06-20"
    assert (data["start_time"], data["end_time"]) == ("17:30", "17:45")
    assert data["end_next_day"] is False
    assert data["mode"] == "in_person"
    assert data["location"] == "万代庁舎3階特別会議室"
    assert data["lead"] == (
        "以下のとおり,危機管理連絡会議を開催いたしましたので,お知らせいたします。"
    )
    assert data["separator"] == ","
    assert data["attendees"] == [
        "危機管理環境部副部長",
        "危機管理環境部次長",
        "危機管理政策課長",
        "医療政策課長",
        "警察本部生活安全部生活環境課サイバー犯罪対策官",
    ]
    assert data["attendee_tail"] == "各部局主管課副課長など"
    assert data["attendee_total"] == 22
    assert data["attendee_unit"] == "名"
    assert data["attendee_remote"] is None
    assert data["agenda"] == ["「県内医療機関でのサイバー攻撃事案の発生」について"]
    assert data["agenda_markers"] == [""]


def test_seed_page_sections_kinds_speakers_and_item_counts():
    data = page("2022-06-20_renraku-kaigi_seed.txt")
    assert section_summary(data) == [
        ("explanation", "医療政策課", None, None, "main"),
        ("explanation", "警察本部", None, None, "main"),
        ("explanation", "病院局総務課", None, None, "main"),
        ("explanation", "スマート県庁推進課", None, None, "main"),
        ("directive", "危機管理環境部副部長", "各部局", None, "main"),
        ("explanation", "畜産振興課", None, None, "other_reports"),
    ]
    assert [len(s["items"]) for s in data["sections"]] == [6, 3, 4, 9, 4, 2]
    assert all(s["heading"] is None for s in data["sections"])
    assert all(
        item["marker"] == "・" and item["children"] == []
        for s in data["sections"]
        for item in s["items"]
    )


def test_seed_page_joins_hard_wrapped_bullets_and_drops_spaces_in_numbers():
    items = page("2022-06-20_renraku-kaigi_seed.txt")["sections"][0]["items"]
    assert items[1]["text"] == (
        "昨日の17:40分頃、病院内のネットワークプリンタから大量の用紙が印刷されるとともに、"
        "各端末のパソコンが、自動的に再起動され、その後、「電子カルテシステムが使用不能」"
        "となった。警察の立入調査やシステム業者の調査が行われた結果、「ランサムウェア」に"
        "感染していることが判明。"
    )


def test_seed_page_directive_items_are_kept_whole():
    directive = page("2022-06-20_renraku-kaigi_seed.txt")["sections"][4]
    assert texts(directive["items"])[2] == (
        "システムが利用できなくなる事案は災害時に起こることも想定されるため、"
        "万一の情報システムの停止を想定し、BCP の確認、データの安全なバックアップ及び"
        "バックアップからの復旧手順の確認を行うこと。"
    )


def test_seed_page_attachments_contact_and_nothing_left_over():
    data = page("2022-06-20_renraku-kaigi_seed.txt")
    assert data["attachments"] == [
        {
            "label": "危機管理連絡会議 開催結果(R4.6.20)",
            "size": "141KB",
            "kind": "result",
        },
        {
            "label": "危機管理連絡会議 会議資料(R4.6.20)",
            "size": "1MB",
            "kind": "material",
        },
    ]
    assert data["contact"] == {
        "name": "危機管理政策課",
        "phone": "088-621-2280",
        "fax": None,
        "email": None,
        "note": None,
    }
    assert data["warnings"] == []
    assert data["unparsed"] == []


def test_seed_page_matches_the_demo_seed_meeting():
    data = page("2022-06-20_renraku-kaigi_seed.txt")
    seed = demo_data.SEED
    for key in ("meeting_type", "title", "held_on", "location", "lead", "attendees"):
        assert data[key] == seed[key], key
    assert [(s["kind"], s["speaker"], texts(s["items"])) for s in data["sections"]] == [
        (s["kind"], s["speaker"], texts(s["items"])) for s in seed["sections"]
    ]


# ---------------------------------------------------------------------------
# The other real pages
# ---------------------------------------------------------------------------


def test_2014_page_reads_spaced_labels_wrapped_attendees_and_agenda_on_next_line():
    data = page("2014-04-13_renraku-kaigi_excerpt.txt")
    assert data["title"].endswith(
        "(熊本県における高病原性鳥インフルエンザ疑い事例の発生について)"
    )
    assert data["held_on"] == "2014-04-13"
    assert (data["start_time"], data["end_time"]) == ("14:00", "14:15")
    assert data["location"] == "県庁4階405会議室"
    assert data["attendees"] == ["危機管理部長", "危機管理部副部長", "危機管理政策課長"]
    assert data["attendee_tail"] == "各部局主管課副課長ほか"
    assert data["attendee_total"] == 19
    assert data["separator"] == "、"
    assert data["agenda"] == [
        "熊本県における高病原性鳥インフルエンザ疑い事例の発生について"
    ]


def test_2014_page_sections_with_circled_numbers_under_a_bullet():
    data = page("2014-04-13_renraku-kaigi_excerpt.txt")
    assert section_summary(data) == [
        ("explanation", "農林水産部", None, None, "main"),
        ("explanation", "危機管理部", None, None, "main"),
        ("report", "各部局", None, None, "main"),
        ("directive", "危機管理部", "各部局", None, "main"),
    ]
    first = data["sections"][0]
    assert first["heading"] == "農林水産部から、以下の点について説明を行った。"
    assert tree(first["items"]) == [
        ("・", []),
        ("・", []),
        ("・", []),
        ("・", [("①", []), ("②", []), ("③", [])]),
    ]
    # A bullet wrapped across a blank line is one bullet.
    assert first["items"][2]["text"].endswith(
        "移動制限区域内の農場の発生状況確認検査の実施など)"
    )
    assert data["sections"][2]["items"] == []


def test_2014_page_directive_keeps_its_sub_header_and_wrapped_bullet():
    directive = page("2014-04-13_renraku-kaigi_excerpt.txt")["sections"][3]
    assert directive["heading"] == (
        "最後に、危機管理部から、次のとおり各部局に指示した。\n【副部長指示事項】"
    )
    assert directive["items"][0]["text"] == (
        "的確な情報把握に努め、「高病原性鳥インフルエンザ」を、本県で"
        "「発生させない、持ち込ませない」ように全力を尽くすこと。"
    )
    assert tree(directive["items"]) == [("・", []), ("・", [])]


def test_2021_page_topic_heading_over_a_speaker_line():
    data = page("2021-12-28_kiki-kanri-kaigi_excerpt.txt")
    assert data["meeting_type"] == "危機管理会議"
    assert data["location"] == "県庁4階 403会議室"
    assert data["attendees"] == ["政策監", "危機管理環境部長"]
    assert data["attendee_tail"] == "各部局主管課長など"
    [section] = data["sections"]
    assert section["kind"] == "report"
    assert section["speaker"] == "危機管理環境部"
    assert section["topic"] == "年末年始の危機事象対応について"
    assert section["topic_heading"] is True
    assert section["agenda_index"] == 0
    assert len(section["items"]) == 5
    assert section["items"][0]["text"].endswith(
        "お願いしている。各部局においても、引き続き警戒感を持って対策を進めていただきたい。"
    )


def test_2022_headquarters_page_reads_session_open_time_and_reporter_list():
    data = page("2022-12-23_saigai-honbu_excerpt.txt")
    assert data["meeting_type"] == "災害対策本部会議"
    assert data["session_number"] == 1
    assert data["published_on"] == "2022-12-23"
    assert (data["start_time"], data["end_time"]) == ("13:30", None)
    assert data["location"] == "県庁3階 防災危機管理センター"
    assert data["lead"].startswith("徳島県下に発表されている大雪警報について")
    assert data["lead"].endswith("以下のとおり第1回災害対策本部会議を開催しました。")
    assert len(data["attendees"]) == 25
    assert data["attendees"][0] == "知事(本部長)"
    assert data["attendees"][-1] == "西日本電信電話(株)"
    assert data["attendee_tail"] is None
    assert data["attendee_total"] == 25
    assert data["agenda"] == ["大雪への対応について"]
    assert section_summary(data) == [
        ("report", "徳島地方気象台", None, "気象の状況", "main"),
        ("report", "県各部局長", None, "県内の状況", "main"),
        (
            "report",
            "自衛隊、徳島海上保安部、徳島河川国道事務所",
            None,
            "関係機関の状況",
            "main",
        ),
        (
            "report",
            "四国電力(株)、西日本電信電話(株)",
            None,
            "ライフラインの状況",
            "main",
        ),
        ("directive", "本部長", None, None, "main"),
    ]


def test_2022_headquarters_page_directive_paragraphs_in_summary():
    directive = page("2022-12-23_saigai-honbu_excerpt.txt")["sections"][-1]
    assert directive["heading"] == "本部長指示(要旨)"
    assert [item["marker"] for item in directive["items"]] == ["○", "○"]
    assert directive["items"][0]["text"].startswith("まず1点目、県民の皆様に対しては、")
    assert directive["items"][0]["text"].endswith("をお願いしたい。")


def test_2025_page_drops_chrome_and_reads_list_bullets_and_three_agenda_topics():
    data = page("2025-04-23_renraku-kaigi_excerpt.txt")
    assert data["title"] == "危機管理連絡会議の開催結果について(令和7年4月23日)"
    assert data["published_on"] is None
    assert (data["start_time"], data["end_time"]) == ("13:30", "13:45")
    assert data["agenda"] == [
        "「熱中症に関する注意喚起」について",
        "「SFTS(重症熱性血小板減少症候群)に関する注意喚起」について",
        "「大型連休における危機管理体制の確保」について",
    ]
    assert data["agenda_markers"] == ["○", "○", "○"]
    assert section_summary(data) == [
        ("explanation", "健康寿命推進課", None, None, "main"),
        ("explanation", "感染症対策課", None, None, "main"),
    ]
    assert tree(data["sections"][0]["items"]) == [("•", [])] * 5
    assert data["unparsed"] == []


# ---------------------------------------------------------------------------
# Dates and times
# ---------------------------------------------------------------------------


def test_full_width_digits_and_spaces_inside_dates_and_counts_are_read():
    data = page("fullwidth_spaced_dates.txt")
    assert data["held_on"] == "2020-12-18"
    assert data["published_on"] == "2020-12-18"
    assert (data["start_time"], data["end_time"]) == ("17:30", "17:40")
    assert data["location"] == "県庁3階特別会議室"
    assert data["attendee_total"] == 18
    assert data["attendee_tail"] == "各部局主管課副課長など"
    assert data["agenda"] == ["「高病原性鳥インフルエンザの発生」について(県内2例目)"]
    first = data["sections"][0]["items"][0]["text"]
    assert first.startswith("本日午前8時5分、阿波市の養鶏場において")
    assert data["contact"]["phone"] == "088-621-2280"


@pytest.mark.parametrize(
    ("name", "start", "end", "next_day"),
    [
        ("pm_from_until.txt", "15:30", "15:45", False),
        ("pm_24hour.txt", "13:30", "13:40", False),
        ("hour_only_range.txt", "15:00", "15:30", False),
        ("open_ended_past_midnight.txt", "23:30", "00:15", True),
        ("open_ended_start.txt", "08:40", None, False),
        ("honbu_cumulative.txt", "08:30", "08:50", False),
        ("agenda_bullet_label.txt", "16:00", "16:20", False),
    ],
)
def test_every_time_form_gives_24_hour_times(name, start, end, next_day):
    data = page(name)
    assert (data["start_time"], data["end_time"], data["end_next_day"]) == (
        start,
        end,
        next_day,
    )


def test_spaces_inside_a_day_number_are_removed():
    assert page("pm_from_until.txt")["held_on"] == "2023-04-13"


def test_heisei_date_with_western_year_and_long_weekday():
    data = page("hour_only_range.txt")
    assert data["held_on"] == "2019-03-25"
    assert data["attendee_tail"] == "各部局長等"
    assert (data["attendee_total"], data["attendee_unit"]) == (21, "人")


def test_reiwa_first_year_is_read():
    assert page("agenda_paren_lines.txt")["held_on"] == "2019-10-11"
    assert page("attachment_sizes.txt")["held_on"] == "2019-05-07"


def test_a_late_meeting_is_posted_the_next_day():
    data = page("open_ended_past_midnight.txt")
    assert (data["held_on"], data["published_on"]) == ("2021-01-08", "2021-01-09")


# ---------------------------------------------------------------------------
# Title, type, session, mode
# ---------------------------------------------------------------------------


def test_topic_title_takes_type_and_date_from_the_body():
    data = page("open_ended_start.txt")
    assert data["title"] == (
        "危機管理会議(北朝鮮による弾道ミサイル発射について)の開催結果について(令和4年10月4日)"
    )
    assert data["meeting_type"] == "危機管理会議"
    assert data["held_on"] == "2022-10-04"


def test_title_without_a_meeting_name_takes_the_type_from_the_lead():
    data = page("header_forms.txt")
    assert data["title"] == "【会議結果】県内における豚熱の発生について"
    assert data["meeting_type"] == "危機管理会議"
    assert data["lead"] == "以下のとおり、本日、危機管理会議を開催しました。"


def test_session_and_cumulative_numbers_and_remote_attendees():
    data = page("honbu_cumulative.txt")
    assert data["meeting_type"] == "災害対策本部会議"
    assert (data["session_number"], data["cumulative_number"]) == (11, 30)
    assert data["attendee_total"] == 23
    assert data["attendee_remote"] == 2
    assert data["attendees"][:2] == ["知事(本部長)", "福井副知事"]
    outside = [d["role"] for d in data["attendee_details"] if d["outside"]]
    assert outside == ["徳島地方気象台", "陸上自衛隊第14旅団"]


def test_five_header_items_values_on_the_next_line():
    data = page("five_header_items.txt")
    assert data["meeting_type"] == "危機管理対策本部会議"
    assert data["session_number"] == 2
    assert data["held_on"] == "2020-03-28"
    assert (data["start_time"], data["end_time"]) == ("10:00", "10:30")
    assert data["location"] == "万代庁舎3階特別会議室"
    assert data["agenda"] == ["新型コロナウイルス感染症への対応について"]
    assert [s["speaker"] for s in data["sections"]] == ["感染症対策課", "知事"]
    assert data["unparsed"] == []


def test_unnumbered_fields_and_a_bulleted_agenda_label():
    data = page("agenda_bullet_label.txt")
    assert data["meeting_type"] == "災害対策連絡本部会議"
    assert data["held_on"] == "2018-07-05"
    assert data["location"] == "万代庁舎4階災害対策本部室"
    assert data["attendee_total"] == 22
    assert data["agenda"] == ["梅雨前線による大雨への対応について"]


def test_written_meeting_has_no_location():
    data = page("written_meeting.txt")
    assert data["mode"] == "written"
    assert data["location"] is None
    assert data["held_on"] == "2020-04-10"
    assert data["start_time"] is None


def test_online_meeting_keeps_its_location_text():
    data = page("online_zoom.txt")
    assert (data["mode"], data["location"]) == ("online", "Zoom会議")


def test_a_drill_is_marked():
    data = page("drill_page.txt")
    assert data["is_drill"] is True
    assert data["title"] == "災害対策本部会議(第1回)の開催について(訓練)"
    assert data["session_number"] == 1
    assert page("2022-06-20_renraku-kaigi_seed.txt")["is_drill"] is False


# ---------------------------------------------------------------------------
# Attendees
# ---------------------------------------------------------------------------


def test_tail_with_tou_and_nin_and_remote_attendees_in_parentheses():
    data = page("attendee_tails.txt")
    assert data["attendees"] == [
        "政策監",
        "危機管理環境部長",
        "南部総合県民局長",
        "西部総合県民局長",
        "徳島地方気象台",
    ]
    assert [d["remote"] for d in data["attendee_details"]] == [
        False,
        False,
        True,
        True,
        False,
    ]
    assert data["attendee_details"][-1]["outside"] is True
    assert data["attendee_tail"] == "各部局主管課長等"
    assert (data["attendee_total"], data["attendee_unit"]) == (21, "人")
    assert data["attendee_remote"] == 2


def test_tail_without_a_count():
    data = page("attendee_no_count.txt")
    assert data["attendee_tail"] == "各部局主管課副課長など"
    assert data["attendee_total"] is None
    assert data["attendees"] == [
        "危機管理部副部長",
        "危機管理政策課長",
        "感染症対策課長",
    ]


def test_ascii_commas_choose_the_comma_separator():
    assert page("attendee_no_count.txt")["separator"] == ","
    assert page("attendee_tails.txt")["separator"] == "、"


# ---------------------------------------------------------------------------
# Agenda
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "agenda", "markers"),
    [
        (
            "agenda_paren_lines.txt",
            [
                "台風第19号の接近について",
                "ラグビーワールドカップ開催に伴う危機管理体制について",
                "豚コレラ対策について",
                "その他",
            ],
            ["(1)", "(2)", "(3)", "(4)"],
        ),
        (
            "agenda_numbered_dots.txt",
            [
                "年度末・年度始めの危機管理体制について",
                "桜の開花時期の火災予防について",
            ],
            ["1.", "2."],
        ),
        (
            "agenda_unmarked_lines.txt",
            [
                "福島県沖を震源とする地震について",
                "新型コロナウイルスワクチン接種体制について",
            ],
            ["", ""],
        ),
        (
            "agenda_joined_touten.txt",
            ["出水期に向けた準備について", "熱中症予防について"],
            ["", ""],
        ),
        (
            "speaker_then_topic.txt",
            ["「大雪への備え」について", "「鳥インフルエンザ対策」について"],
            ["○", "○"],
        ),
    ],
)
def test_several_agenda_topics_in_each_form(name, agenda, markers):
    data = page(name)
    assert data["agenda"] == agenda
    assert data["agenda_markers"] == markers


def test_agenda_lines_do_not_swallow_the_body():
    data = page("agenda_paren_lines.txt")
    assert [s["speaker"] for s in data["sections"]] == ["徳島地方気象台", "危機管理部"]


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def test_topic_heading_then_speaker_lines():
    data = page("topic_then_speaker.txt")
    assert section_summary(data) == [
        ("report", "危機管理環境部", None, "年末年始の危機事象対応について", "main"),
        ("report", "警察本部", None, "年末年始の危機事象対応について", "main"),
        ("directive", "政策監", "各部局", None, "main"),
    ]
    assert [s["topic_heading"] for s in data["sections"]] == [True, True, False]
    assert [len(s["items"]) for s in data["sections"]] == [2, 1, 1]


def test_speaker_then_topic_lines_nest_items_under_the_topic():
    data = page("speaker_then_topic.txt")
    first, second = data["sections"]
    assert (first["speaker"], first["topic"]) == ("危機管理部", None)
    assert tree(first["items"]) == [
        ("○", [("・", []), ("・", [])]),
        ("○", [("・", [])]),
    ]
    assert texts(first["items"]) == [
        "「大雪への備え」について",
        "「鳥インフルエンザ対策」について",
    ]
    assert texts(second["items"]) == ["当該農場の概要", "今後の対応"]
    assert texts(second["items"][0]["children"]) == [
        "所在地:香川県東かがわ市",
        "飼養羽数:約4万羽",
    ]


def test_two_level_items_with_every_marker():
    data = page("two_level_items.txt")
    first, second = data["sections"]
    assert tree(first["items"]) == [
        ("○", [("・", []), ("・", [])]),
        (
            "○",
            [
                ("①", []),
                ("②", [("(1)", []), ("(2)", [("⑴", []), ("⑵", [])])]),
            ],
        ),
    ]
    assert tree(second["items"]) == [("1.", []), ("2.", [("-", []), ("-", [])])]
    assert second["items"][1]["children"][0]["text"] == "電話相談は平日9時から17時まで"


def test_header_forms_give_speaker_kind_and_topic():
    data = page("header_forms.txt")
    assert section_summary(data) == [
        ("explanation", "畜産振興課", None, None, "main"),
        ("explanation", "危機管理環境部", None, None, "main"),
        ("explanation", "県土整備部", None, "防疫作業に伴う交通規制について", "main"),
        ("report", "危機管理環境部及び農林水産部", None, None, "main"),
        ("report", "警察本部", None, None, "main"),
        ("report", "各部局", None, None, "main"),
        ("directive", "知事", "各部局", None, "main"),
    ]
    headings = [s["heading"] for s in data["sections"]]
    assert headings[0] == "畜産振興課から、次のとおり説明した。"
    assert headings[1] == "危機管理環境部から以下の項目について説明"
    assert headings[4] is None  # ■警察本部から報告 is the generated form
    assert data["sections"][5]["items"] == []


def test_topic_inside_the_header_is_the_section_topic():
    [section] = page("pm_24hour.txt")["sections"]
    assert section["speaker"] == "徳島地方気象台"
    assert section["topic"] == "「今後の気温の見通し」について"
    assert section["topic_heading"] is False


def test_several_speakers_in_one_header():
    [section] = page("agenda_unmarked_lines.txt")["sections"]
    assert section["speaker"] == "危機管理政策課、消防保安課"


def test_directive_sub_header_on_its_own_is_a_directive_of_that_post():
    data = page("directive_subheaders.txt")
    assert section_summary(data) == [
        ("explanation", "危機管理部", None, None, "main"),
        ("directive", "政策監", None, None, "main"),
    ]
    assert data["sections"][1]["heading"] == "政策監指示事項"
    assert len(data["sections"][1]["items"]) == 2


def test_directive_first_and_two_more_directives():
    data = page("two_directives.txt")
    assert [(s["kind"], s["speaker"], s["recipients"]) for s in data["sections"]] == [
        ("directive", "知事", "各部局"),
        ("explanation", "感染症対策課", None),
        ("directive", "政策監", None),
        ("directive", "市長", None),
    ]
    assert data["sections"][2]["heading"] == "最後に、政策監から以下のとおり指示。"


def test_headquarters_directive_paragraphs_and_reporters():
    data = page("honbu_cumulative.txt")
    assert data["agenda_markers"] == ["(1)", "(2)", "(3)", "(4)"]
    reports = data["sections"][:2]
    assert [(s["speaker"], s["topic"], s["agenda_index"]) for s in reports] == [
        ("徳島地方気象台", "気象の状況", 0),
        ("県各部局長", "県内の被害状況", 1),
    ]
    directive = data["sections"][2]
    assert (directive["kind"], directive["speaker"]) == ("directive", "本部長")
    assert texts(directive["items"]) == [
        "まず1点目、引き続き、河川の増水や土砂災害に厳重に警戒すること。",
        "次に2点目、避難所の運営に当たっては、感染症対策を徹底すること。",
    ]


def test_hard_wrapped_old_page_joins_lines_even_mid_word():
    data = page("hard_wrapped_old.txt")
    first = data["sections"][0]["items"]
    assert texts(first) == [
        "本日14時46分頃、三陸沖を震源とする地震が発生し、本県沿岸に大津波警報が発表されたこと。",
        "県内の被害状況については、現在情報収集中であるが、人的被害の報告は受けていないこと。",
        "県では、災害対策本部を設置し、沿岸市町に対し、住民の避難の徹底を要請したこと。",
    ]
    assert data["attendees"][-1] == "南海地震防災課長"
    assert data["sections"][2]["speaker"] == "危機管理部長"


def test_other_reports_group_in_brackets():
    data = page("other_reports_bracket.txt")
    assert [(s["speaker"], s["group"]) for s in data["sections"]] == [
        ("危機管理政策課", "main"),
        ("危機管理環境部副部長", "main"),
        ("鳥獣対策・ふるさと創造課", "other_reports"),
        ("健康づくり課", "other_reports"),
    ]
    assert data["sections"][3]["kind"] == "report"


def test_new_page_list_bullets_before_typed_markers():
    data = page("new_page_bullets.txt")
    assert data["title"] == "危機管理連絡会議の開催結果について(令和6年6月18日)"
    assert (data["start_time"], data["end_time"]) == ("16:30", "16:45")
    first, directive = data["sections"]
    assert tree(first["items"]) == [("・", []), ("・", [("•", []), ("•", [])])]
    assert directive["recipients"] == "各部局"
    assert data["contact"]["name"] == "危機管理政策課"
    assert data["unparsed"] == []


def test_directive_with_numbered_items_and_bullet_marked_other_reports():
    data = page("directive_numbered_items.txt")
    assert section_summary(data) == [
        (
            "explanation",
            "健康づくり課",
            None,
            "国内外の感染状況及び県の対応状況について",
            "main",
        ),
        ("report", "各部局", None, "所管施設等における対応状況について", "main"),
        ("directive", "危機管理部長", "各部局", None, "main"),
        ("explanation", "畜産振興課", None, "豚熱対策について", "other_reports"),
    ]
    assert tree(data["sections"][2]["items"]) == [("(1)", []), ("(2)", [])]


def test_bracket_topic_heading_over_bullet_speaker_lines():
    data = page("bracket_topic_bullet_speakers.txt")
    assert [
        (s["speaker"], s["topic"], s["topic_heading"]) for s in data["sections"]
    ] == [
        ("感染症対策課", "新型コロナウイルス感染症について", True),
        ("危機管理環境部", "新型コロナウイルス感染症について", True),
        ("知事", None, False),
    ]
    assert data["contact"] == {
        "name": "危機管理環境部 危機管理政策課",
        "phone": "088-621-2280(直通)",
        "fax": None,
        "email": None,
        "note": None,
    }


def test_numbered_parts_above_sections_are_their_topics():
    data = page("numbered_topics_over_sections.txt")
    assert data["title"] == "危機管理連絡会議の開催結果について"
    assert data["held_on"] == "2016-04-16"
    assert (data["start_time"], data["end_time"]) == ("10:00", "10:20")
    assert data["agenda"] == ["熊本県を震源とする地震への対応について"]
    assert data["attendee_tail"] == "各部局主管課副課長"
    assert [
        (s["speaker"], s["topic"], s["topic_heading"]) for s in data["sections"]
    ] == [
        ("危機管理政策課", "熊本県の被害状況", True),
        ("南海地震防災課", "本県の支援状況", True),
    ]


def test_posting_date_before_the_title_katakana_items_and_an_unnamed_directive():
    data = page("date_before_title.txt")
    assert data["title"] == "危機管理連絡会議の開催結果について(平成29年1月14日)"
    assert data["published_on"] == "2017-01-14"
    assert (data["start_time"], data["end_time"]) == ("14:00", "14:15")
    assert data["attendee_total"] == 18
    first, directive = data["sections"]
    assert [(i["marker"], i["text"]) for i in first["items"]] == [
        ("ア ", "県内の積雪状況"),
        ("イ ", "道路の通行規制状況"),
    ]
    assert (directive["kind"], directive["speaker"], directive["heading"]) == (
        "directive",
        None,
        "指示事項",
    )
    assert data["unparsed"] == []


# ---------------------------------------------------------------------------
# Footer
# ---------------------------------------------------------------------------


def test_attachment_size_forms():
    assert page("attachment_sizes.txt")["attachments"] == [
        {
            "label": "危機管理連絡会議 開催結果(R1.5.7)",
            "size": "612KB",
            "kind": "result",
        },
        {
            "label": "会議資料1 連休中の対応状況",
            "size": "199.7キロバイト",
            "kind": "material",
        },
        {"label": "別紙 連絡体制表", "size": "186KByte", "kind": "material"},
        {
            "label": "危機管理連絡会議 会議資料(R1.5.7)",
            "size": "1MB",
            "kind": "material",
        },
    ]


def test_contact_with_fax_email_address_and_person_in_charge():
    assert page("contact_full.txt")["contact"] == {
        "name": "危機管理環境部 危機管理政策課",
        "phone": "088-621-2280",
        "fax": "088-621-2849",
        "email": "kikikanriseisakuka@pref.tokushima.lg.jp",
        "note": "〒770-8570 徳島市万代町1丁目1番地 担当:危機管理担当",
    }


# ---------------------------------------------------------------------------
# What cannot be structured is kept
# ---------------------------------------------------------------------------


def test_a_page_of_prose_is_kept_as_unparsed_text_with_warnings():
    data = page("prose_only.txt")
    assert data["title"] == "知事記者会見の概要について"
    assert data["meeting_type"] is None
    assert data["held_on"] is None
    assert data["sections"] == []
    assert data["unparsed"] == [
        "本日、知事が定例記者会見を行いました。\n"
        "県内の新型コロナウイルス感染症の状況について説明し、\n"
        "県民の皆様に基本的な感染防止対策の徹底を呼びかけました。",
        "また、大型連休中の観光施設の混雑状況について質疑がありました。",
    ]
    assert data["warnings"] == [
        "line 3: could not place "
        "「本日、知事が定例記者会見を行いました。 県内の新型コロナウイ…」",
        "line 7: could not place "
        "「また、大型連休中の観光施設の混雑状況について質疑がありました…」",
    ]


def test_a_verbatim_transcript_is_kept_as_raw_text():
    data = page("transcript.txt")
    assert data["held_on"] == "2020-02-03"
    assert data["sections"] == []
    assert data["unparsed"] == [
        "○司会 ただいまから危機管理会議を開催します。\n"
        "○知事 皆さん、おはようございます。本日は新型コロナウイルスへの対応について"
        "協議します。\n"
        "○感染症対策課長 県内の状況について報告します。"
    ]
    assert data["warnings"] == [
        "line 10: could not place "
        "「○司会 ただいまから危機管理会議を開催します。 ○知事 皆さ…」"
    ]


def test_unreadable_date_and_time_are_warnings_not_failures():
    [data] = parse_page(
        "危機管理連絡会議の開催結果について\n1 日時:令和4年2月30日(月)25:99~\n"
    )
    assert data["held_on"] is None
    assert data["start_time"] is None
    assert data["warnings"] == [
        "line 2: could not read the date 「令和4年2月30日(月)25:99~」",
        "line 2: could not read the time 「令和4年2月30日(月)25:99~」",
    ]


@pytest.mark.parametrize("text", ["", "   \n\n", "<html></html>", "■\n・\n【】"])
def test_empty_or_odd_input_gives_one_empty_meeting(text):
    [data] = parse_page(text)
    assert data["sections"] == [] or data["sections"][0]["items"] == []
    assert isinstance(data["warnings"], list)


def test_every_example_and_input_places_all_its_text():
    for path in sorted(PAGES.iterdir()):
        if path.name in {"prose_only.txt", "transcript.txt"}:
            continue
        for data in meetings_on(path.name):
            assert data["unparsed"] == [], path.name
            assert data["warnings"] == [], path.name


def test_a_page_reporting_two_meetings_gives_two_meetings_sharing_the_contact():
    first, second = meetings_on("two_meetings_one_page.txt")
    assert (first["held_on"], first["start_time"]) == ("2021-08-14", "09:00")
    assert (second["held_on"], second["start_time"]) == ("2021-08-14", "17:00")
    assert (first["session_number"], second["session_number"]) == (None, 2)
    assert second["title"] == "【第2回】"
    assert second["meeting_type"] == "危機管理連絡会議"
    assert [s["speaker"] for s in first["sections"]] == ["徳島地方気象台"]
    assert [s["speaker"] for s in second["sections"]] == ["危機管理政策課"]
    assert first["contact"] == second["contact"]
    assert first["contact"]["phone"] == "088-621-2280"


def test_file_name_gives_date_and_type_only_when_the_page_does_not():
    text = "開催結果\n\n1 日時:17:30~17:45\n2 場所:万代庁舎3階特別会議室\n"
    [data] = parse_page(text, filename="archive/2021-03-05_renraku-kaigi.txt")
    assert (data["held_on"], data["meeting_type"]) == ("2021-03-05", "危機管理連絡会議")
    assert data["source_file"] == "archive/2021-03-05_renraku-kaigi.txt"
    seed = (PAGES / "2022-06-20_renraku-kaigi_seed.txt").read_text(encoding="utf-8")
    [data] = parse_page(seed, filename="1999-01-01_saigai-honbu.txt")
    assert (data["held_on"], data["meeting_type"]) == ("2022-06-20", "危機管理連絡会議")


def test_a_parser_failure_keeps_the_whole_page_as_raw_text(monkeypatch):
    from meetings.importer import page as page_module

    def broken(self):
        raise RuntimeError("bug")

    monkeypatch.setattr(page_module._MeetingParser, "parse", broken)
    [data] = parse_page("タイトル\n本文1\n本文2\n")
    assert data["title"] == "タイトル"
    assert data["unparsed"] == ["本文1\n本文2"]
    assert data["warnings"] == ["the page could not be parsed (RuntimeError)"]


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


def test_html_page_is_read_like_its_text_without_scripts_or_chrome():
    data = page("html_page.html")
    assert data["title"] == "危機管理連絡会議の開催結果について(令和4年7月11日)"
    assert data["published_on"] == "2022-07-11"
    assert data["held_on"] == "2022-07-11"
    assert (data["start_time"], data["end_time"]) == ("17:30", "17:45")
    assert data["attendees"] == [
        "危機管理環境部副部長",
        "危機管理政策課長",
        "感染症対策課長",
    ]
    assert data["attendee_total"] == 22
    assert section_summary(data) == [
        ("explanation", "感染症対策課", None, None, "main"),
        ("directive", "危機管理環境部副部長", "各部局", None, "main"),
        ("explanation", "畜産振興課", None, None, "other_reports"),
    ]
    assert texts(data["sections"][0]["items"]) == [
        "本県の新規感染者数は、前週比で約2倍に増加。",
        "夏休みを控え、基本的な感染対策の徹底を呼びかける。",
    ]
    assert tree(data["sections"][1]["items"]) == [("•", []), ("•", [("•", [])])]
    assert [a["label"] for a in data["attachments"]] == [
        "危機管理連絡会議 開催結果(R4.6.20)",
        "危機管理連絡会議 会議資料(R4.7.11)",
    ]
    assert data["contact"]["fax"] == "088-621-2849"
    assert data["contact"]["phone"] == "088-621-2280"  # not the site's switchboard
    assert data["unparsed"] == []


def test_html_page_without_a_title_line_takes_the_document_title():
    data = page("html_title_only.html")
    assert data["title"] == "危機管理会議の開催結果について(令和5年1月5日)"
    assert data["published_on"] == "2023-01-05"
    assert data["meeting_type"] == "危機管理会議"
    [section] = data["sections"]
    assert [(i["marker"], i["text"]) for i in section["items"]] == [
        ("", "年始の連絡体制を確認した。"),
        ("", "引き続き、警戒を怠らないこと。"),
    ]


# ---------------------------------------------------------------------------
# Round trip: the official plain-text layout of parsed data parses back the same
# ---------------------------------------------------------------------------

# Compared: every key of the schema except "warnings" (the layout prints none) and
# "source_file" (the input's name). "unparsed" is compared as one text, because the
# layout prints its paragraphs one after another without blank lines between them.
ROUND_TRIP_EXCLUDED = {"warnings", "source_file"}


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k not in ROUND_TRIP_EXCLUDED}
    data["unparsed"] = "\n".join(data["unparsed"])
    return data


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.iterdir()))
def test_rendered_text_of_a_parsed_page_parses_back_the_same(name):
    for data in meetings_on(name):
        [again] = parse_page(render_text(data))
        assert comparable(again) == comparable(data)


def test_seed_meeting_data_round_trips_through_its_official_text():
    seed = copy.deepcopy(demo_data.SEED)
    [parsed] = parse_page(render_text(seed))
    for key in (
        "meeting_type",
        "title",
        "held_on",
        "published_on",
        "start_time",
        "end_time",
        "location",
        "lead",
        "separator",
        "attendees",
        "attendee_tail",
        "attendee_total",
        "agenda",
        "agenda_markers",
    ):
        assert parsed[key] == seed[key], key
    assert [
        (s["kind"], s["speaker"], s["recipients"], s["group"], s["items"])
        for s in parsed["sections"]
    ] == [
        (s["kind"], s["speaker"], s.get("recipients"), s["group"], s["items"])
        for s in seed["sections"]
    ]
    assert parsed["contact"]["name"] == seed["contact"]["name"]
    assert parsed["contact"]["phone"] == seed["contact"]["phone"]
    assert parsed["unparsed"] == []
