from datetime import date, time

import pytest

from meetings.files import format_file_size
from meetings.wareki import (
    ERAS,
    era_year,
    fiscal_year,
    fiscal_year_range,
    format_datetime_line,
    format_fiscal_year,
    format_short,
    format_time,
    format_time_range,
    format_wareki,
    format_wareki_year,
    normalize_digits,
    parse_short,
    parse_time_range,
    parse_wareki,
)

# Era boundaries: each date with its long and short forms.
BOUNDARIES = [
    (date(1989, 1, 7), "昭和64年1月7日", "S64.1.7"),
    (date(1989, 1, 8), "平成元年1月8日", "H1.1.8"),
    (date(2019, 4, 30), "平成31年4月30日", "H31.4.30"),
    (date(2019, 5, 1), "令和元年5月1日", "R1.5.1"),
    (date(1926, 12, 24), "大正15年12月24日", "T15.12.24"),
    (date(1926, 12, 25), "昭和元年12月25日", "S1.12.25"),
    (date(1912, 7, 29), "明治45年7月29日", "M45.7.29"),
    (date(1912, 7, 30), "大正元年7月30日", "T1.7.30"),
]


# --- eras -----------------------------------------------------------------------


def test_era_table_is_in_chronological_order_ending_with_reiwa() -> None:
    starts = [era.start for era in ERAS]
    assert starts == sorted(starts)
    assert [era.name for era in ERAS] == ["明治", "大正", "昭和", "平成", "令和"]
    assert ERAS[-1].start == date(2019, 5, 1)


def test_era_year_gives_the_era_name_and_year_number() -> None:
    assert era_year(date(2022, 6, 20)) == ("令和", 4)
    assert era_year(date(2019, 4, 30)) == ("平成", 31)
    assert era_year(date(2019, 5, 1)) == ("令和", 1)


def test_dates_before_the_gregorian_meiji_calendar_are_rejected() -> None:
    with pytest.raises(ValueError):
        era_year(date(1872, 12, 31))


# --- long and short forms -------------------------------------------------------


@pytest.mark.parametrize(("day", "long_form", "short_form"), BOUNDARIES)
def test_era_boundary_dates_format_in_the_right_era(
    day: date, long_form: str, short_form: str
) -> None:
    assert format_wareki(day) == long_form
    assert format_short(day) == short_form


@pytest.mark.parametrize(("day", "long_form", "short_form"), BOUNDARIES)
def test_era_boundary_dates_parse_back_to_the_same_day(
    day: date, long_form: str, short_form: str
) -> None:
    assert parse_wareki(long_form) == day
    assert parse_short(short_form) == day


def test_first_year_of_an_era_is_gannen_in_long_form_and_1_in_short_form() -> None:
    assert format_wareki(date(2019, 12, 31)) == "令和元年12月31日"
    assert format_wareki_year(date(2019, 5, 1)) == "令和元年"
    assert format_short(date(2019, 12, 31)) == "R1.12.31"
    assert "1年" not in format_wareki(date(2019, 5, 1))


def test_second_year_of_an_era_is_written_with_a_number() -> None:
    assert format_wareki(date(2020, 1, 1)) == "令和2年1月1日"
    assert format_wareki_year(date(2022, 6, 20)) == "令和4年"


def test_weekday_is_appended_in_kanji_with_ascii_parentheses() -> None:
    assert format_wareki(date(2022, 6, 20), weekday=True) == "令和4年6月20日(月)"
    assert format_wareki(date(2022, 6, 26), weekday=True) == "令和4年6月26日(日)"
    assert format_wareki(date(2022, 6, 20)) == "令和4年6月20日"


def test_short_form_has_no_padding() -> None:
    assert format_short(date(2022, 6, 20)) == "R4.6.20"
    assert format_short(date(2010, 1, 5)) == "H22.1.5"


# --- times ----------------------------------------------------------------------


def test_time_has_unpadded_hour_and_padded_minutes() -> None:
    assert format_time(time(17, 30)) == "17:30"
    assert format_time(time(9, 5)) == "9:05"
    assert format_time(time(0, 40)) == "0:40"


def test_time_range_joins_start_and_end_with_an_ascii_tilde() -> None:
    assert format_time_range(time(17, 30), time(17, 45)) == "17:30~17:45"


def test_open_ended_time_range_ends_with_the_tilde() -> None:
    assert format_time_range(time(13, 30), None) == "13:30~"


def test_time_range_past_midnight_marks_the_end_as_next_day() -> None:
    assert (
        format_time_range(time(23, 30), time(0, 15), end_next_day=True)
        == "23:30~翌0:15"
    )


def test_time_range_without_start_is_empty() -> None:
    assert format_time_range(None, None) == ""
    assert format_time_range(None, time(17, 45)) == ""


def test_datetime_line_combines_date_weekday_and_time_range() -> None:
    line = format_datetime_line(date(2022, 6, 20), time(17, 30), time(17, 45))
    assert line == "令和4年6月20日(月)17:30~17:45"


def test_datetime_line_past_midnight_and_without_times() -> None:
    late = format_datetime_line(
        date(2022, 6, 20), time(23, 30), time(0, 15), end_next_day=True
    )
    assert late == "令和4年6月20日(月)23:30~翌0:15"
    assert format_datetime_line(date(2022, 6, 20), None, None) == "令和4年6月20日(月)"


# --- fiscal years ---------------------------------------------------------------


def test_fiscal_year_changes_on_april_first() -> None:
    assert fiscal_year(date(2023, 3, 31)) == 2022
    assert fiscal_year(date(2023, 4, 1)) == 2023
    assert fiscal_year(date(2022, 12, 31)) == 2022


def test_fiscal_year_range_runs_from_april_first_to_march_thirty_first() -> None:
    assert fiscal_year_range(2022) == (date(2022, 4, 1), date(2023, 3, 31))
    assert fiscal_year_range(2023) == (date(2023, 4, 1), date(2024, 3, 31))


def test_fiscal_year_is_named_with_nendo() -> None:
    assert format_fiscal_year(2022) == "令和4年度"


def test_fiscal_2019_is_reiwa_gannen_and_fiscal_2018_is_heisei_30() -> None:
    assert format_fiscal_year(2019) == "令和元年度"
    assert format_fiscal_year(2018) == "平成30年度"


def test_era_change_in_january_leaves_the_fiscal_year_in_the_old_era() -> None:
    # 平成 began on 1989-01-08, inside FY1988, which stayed 昭和63年度.
    assert format_fiscal_year(1988) == "昭和63年度"
    assert format_fiscal_year(1989) == "平成元年度"


# --- file sizes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_bytes", "expected"),
    [
        (0, "1KB"),
        (1, "1KB"),
        (1023, "1KB"),
        (1024, "1KB"),
        (1535, "1KB"),
        (1536, "2KB"),
        (144_000, "141KB"),
        (1_048_575, "1MB"),
        (1_048_576, "1MB"),
        (1_300_000, "1MB"),
        (1_572_864, "2MB"),
        (15 * 1024 * 1024, "15MB"),
    ],
)
def test_file_size_is_printed_as_official_pages_print_it(
    n_bytes: int, expected: str
) -> None:
    assert format_file_size(n_bytes) == expected


def test_below_one_megabyte_the_size_is_whole_kilobytes() -> None:
    assert format_file_size(1_048_063) == "1023KB"


def test_negative_file_size_is_rejected() -> None:
    with pytest.raises(ValueError):
        format_file_size(-1)


# --- parsing dates --------------------------------------------------------------


def test_parse_wareki_reads_a_plain_reiwa_date() -> None:
    assert parse_wareki("令和4年6月20日") == date(2022, 6, 20)


def test_parse_wareki_reads_gannen_and_also_1nen() -> None:
    assert parse_wareki("令和元年5月1日") == date(2019, 5, 1)
    assert parse_wareki("令和1年5月1日") == date(2019, 5, 1)


def test_parse_wareki_reads_a_gregorian_year_in_parentheses_and_a_long_weekday() -> (
    None
):
    assert parse_wareki("平成31年(2019年)3月25日(月曜日)") == date(2019, 3, 25)
    assert parse_wareki("平成31年(2019年)3月25日") == date(2019, 3, 25)


def test_parse_wareki_ignores_stray_spaces_from_word_processors() -> None:
    assert parse_wareki("令和2 年12 月18 日") == date(2020, 12, 18)
    assert parse_wareki("令和5年4月1 3 日") == date(2023, 4, 13)
    assert parse_wareki("令和4年6 月20 日(月)") == date(2022, 6, 20)


def test_parse_wareki_reads_full_width_digits() -> None:
    assert parse_wareki("令和４年６月２０日") == date(2022, 6, 20)


def test_parse_wareki_reads_a_gregorian_date() -> None:
    assert parse_wareki("2022年6月20日") == date(2022, 6, 20)


def test_parse_wareki_finds_the_date_inside_a_header_line() -> None:
    line = "1 日時:令和4年6 月20 日(月)17:30 ~ 17:45"
    assert parse_wareki(line) == date(2022, 6, 20)
    title = "危機管理連絡会議の開催結果について(令和4年6月20日)"
    assert parse_wareki(title) == date(2022, 6, 20)


@pytest.mark.parametrize(
    "text", ["", "危機管理連絡会議", "平成30年度に導入", "計22名", "令和4年"]
)
def test_parse_wareki_returns_none_for_text_without_a_date(text: str) -> None:
    assert parse_wareki(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "令和4年2月30日",
        "令和4年13月1日",
        "令和元年4月30日",  # still 平成31年
        "平成32年1月1日",  # already 令和2年
        "昭和64年1月8日",  # already 平成元年
        "令和0年5月1日",
        "平成31年(2018年)3月25日",  # the parenthesised year disagrees
        "2022年2月29日",
    ],
)
def test_parse_wareki_raises_for_an_impossible_date(text: str) -> None:
    with pytest.raises(ValueError):
        parse_wareki(text)


def test_parse_short_reads_short_forms_inside_attachment_names() -> None:
    assert parse_short("R4.6.20") == date(2022, 6, 20)
    assert parse_short("H31.4.30") == date(2019, 4, 30)
    assert parse_short("危機管理連絡会議 開催結果(R4.6.20).pdf") == date(2022, 6, 20)


def test_parse_short_returns_none_without_a_date_and_raises_for_a_wrong_one() -> None:
    assert parse_short("開催結果.pdf") is None
    assert parse_short("R4.6") is None
    with pytest.raises(ValueError):
        parse_short("R1.4.30")
    with pytest.raises(ValueError):
        parse_short("H31.5.1")


# --- parsing times --------------------------------------------------------------


def test_normalize_digits_turns_full_width_digits_colons_and_tildes_to_ascii() -> None:
    assert normalize_digits("１７：３０～１７：４５") == "17:30~17:45"
    assert normalize_digits("17:30〜17:45") == "17:30~17:45"
    assert normalize_digits("令和４年") == "令和4年"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17:30~17:40", (time(17, 30), time(17, 40), False)),
        ("17:30 ~ 17:45", (time(17, 30), time(17, 45), False)),
        ("17:30〜17:45", (time(17, 30), time(17, 45), False)),
        ("17:30～17:45", (time(17, 30), time(17, 45), False)),
        ("１７：３０～１７：４５", (time(17, 30), time(17, 45), False)),
        ("午後3時30分から午後3時45分まで", (time(15, 30), time(15, 45), False)),
        ("15時~15時30分", (time(15, 0), time(15, 30), False)),
        ("午後13時30分から13時40分まで", (time(13, 30), time(13, 40), False)),
        ("午後3時30分から3時45分まで", (time(15, 30), time(15, 45), False)),
        ("午前11時30分から12時まで", (time(11, 30), time(12, 0), False)),
        ("午前8時5 分から", (time(8, 5), None, False)),
        ("午後1時30分から", (time(13, 30), None, False)),
        ("14時30分~", (time(14, 30), None, False)),
        ("0:40~1:10", (time(0, 40), time(1, 10), False)),
        ("午前0時40分", (time(0, 40), None, False)),
        ("9:05", (time(9, 5), None, False)),
    ],
)
def test_parse_time_range_reads_each_form_found_on_real_pages(
    text: str, expected: tuple[time | None, time | None, bool]
) -> None:
    assert parse_time_range(text) == expected


def test_parse_time_range_detects_an_end_past_midnight() -> None:
    assert parse_time_range("23:30~0:15") == (time(23, 30), time(0, 15), True)
    assert parse_time_range("23:30~翌0:15") == (time(23, 30), time(0, 15), True)
    assert parse_time_range("23:00~24:00") == (time(23, 0), time(0, 0), True)


def test_parse_time_range_finds_the_range_after_the_date_in_a_header_line() -> None:
    line = "1 日時:令和4年6 月20 日(月)17:30 ~ 17:45"
    assert parse_time_range(line) == (time(17, 30), time(17, 45), False)
    line = "1 日時:令和4年12月23日(金)午後1時30分から"
    assert parse_time_range(line) == (time(13, 30), None, False)


@pytest.mark.parametrize("text", ["", "令和4年6月20日(月)", "日時:未定", "計22名"])
def test_parse_time_range_returns_nothing_when_there_is_no_time(text: str) -> None:
    assert parse_time_range(text) == (None, None, False)


@pytest.mark.parametrize("text", ["17:75~18:00", "25:00", "午前15時", "24:00~1:00"])
def test_parse_time_range_raises_for_an_impossible_time(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time_range(text)


@pytest.mark.parametrize(
    ("start", "end", "end_next_day"),
    [
        (time(17, 30), time(17, 45), False),
        (time(23, 30), time(0, 15), True),
        (time(13, 30), None, False),
        (time(9, 5), time(10, 0), False),
    ],
)
def test_formatted_time_ranges_parse_back_to_the_same_values(
    start: time, end: time | None, end_next_day: bool
) -> None:
    text = format_time_range(start, end, end_next_day=end_next_day)
    assert parse_time_range(text) == (start, end, end_next_day)
