"""Japanese dates, times, fiscal years and file sizes, as official pages print them.

The single module used by the HTML pages, the PDF, the importer and plain text, so
that every surface writes 令和元年5月1日, 17:30~17:45, R4.6.20 and 141KB the same way.

Parsers share one contract: they return None when the text holds no date or time
at all, and raise ValueError when it holds one that cannot exist (令和4年2月30日,
平成32年1月1日, 17:75). Forms can then name the field with a clear message, and the
importer can tell "nothing here" from "a typo here".
"""

import re
from dataclasses import dataclass
from datetime import date, time

__all__ = [
    "ERAS",
    "WEEKDAYS",
    "Era",
    "era_for",
    "era_year",
    "fiscal_year",
    "fiscal_year_range",
    "format_datetime_line",
    "format_fiscal_year",
    "format_short",
    "format_time",
    "format_time_range",
    "format_wareki",
    "format_wareki_year",
    "normalize_digits",
    "parse_short",
    "parse_time_range",
    "parse_wareki",
]


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R, as in R4.6.20
    start: date  # first day written in this era
    first_year: int  # Gregorian year that is this era's 元年

    def year_of(self, d: date) -> int:
        return d.year - self.first_year + 1


# Oldest first. 明治 starts at the adoption of the Gregorian calendar (明治6年1月1日);
# earlier 明治 dates were lunar and cannot be expressed as a datetime.date.
ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1873, 1, 1), 1868),
    Era("大正", "T", date(1912, 7, 30), 1912),
    Era("昭和", "S", date(1926, 12, 25), 1926),
    Era("平成", "H", date(1989, 1, 8), 1989),
    Era("令和", "R", date(2019, 5, 1), 2019),
)
_ERAS_BY_NAME = {era.name: era for era in ERAS}
_ERAS_BY_LETTER = {era.letter: era for era in ERAS}

# Monday first, matching date.weekday().
WEEKDAYS = "月火水木金土日"

# Ranges are printed with a full-width tilde (17:30～17:45) on the web and in the PDF:
# an ASCII ~ is read out as 「チルダ」 by screen readers.
RANGE_SEPARATOR = "\uff5e"
NEXT_DAY_MARK = "翌"


# --- eras -----------------------------------------------------------------------


def era_for(d: date) -> Era:
    """The era in effect on `d`; ValueError before 明治6年 (1873-01-01)."""
    for era in reversed(ERAS):
        if d >= era.start:
            return era
    raise ValueError(f"{d.isoformat()} is before the supported eras (1873-01-01)")


def era_year(d: date) -> tuple[str, int]:
    """("令和", 4) for 2022-06-20."""
    era = era_for(d)
    return era.name, era.year_of(d)


def _year_label(year: int) -> str:
    return "元" if year == 1 else str(year)


# --- formatting -----------------------------------------------------------------


def format_wareki_year(d: date) -> str:
    """令和4年; 令和元年 for the first year of an era."""
    name, year = era_year(d)
    return f"{name}{_year_label(year)}年"


def format_wareki(d: date, *, weekday: bool = False) -> str:
    """令和4年6月20日, or 令和4年6月20日(月) with the weekday."""
    text = f"{format_wareki_year(d)}{d.month}月{d.day}日"
    if weekday:
        text += f"({WEEKDAYS[d.weekday()]})"
    return text


def format_short(d: date) -> str:
    """R4.6.20 as in attachment names; the first year of an era is 1 (R1.5.1)."""
    era = era_for(d)
    return f"{era.letter}{era.year_of(d)}.{d.month}.{d.day}"


def format_time(t: time) -> str:
    """17:30, 9:05: 24-hour clock, hour not padded, minutes padded."""
    return f"{t.hour}:{t.minute:02d}"


def format_time_range(
    start: time | None, end: time | None, *, end_next_day: bool = False
) -> str:
    """17:30～17:45, open-ended 13:30～, past midnight 23:30～翌0:15; "" without start."""
    if start is None:
        return ""
    text = format_time(start) + RANGE_SEPARATOR
    if end is not None:
        if end_next_day:
            text += NEXT_DAY_MARK
        text += format_time(end)
    return text


def format_datetime_line(
    d: date, start: time | None, end: time | None, *, end_next_day: bool = False
) -> str:
    """The 日時 value: 令和4年6月20日(月)17:30～17:45."""
    return format_wareki(d, weekday=True) + format_time_range(
        start, end, end_next_day=end_next_day
    )


# --- fiscal years ---------------------------------------------------------------


def fiscal_year(d: date) -> int:
    """The 年度 (April to March) holding `d`, by its starting year: 2023-03-31 -> 2022."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_range(fy: int) -> tuple[date, date]:
    """First and last day of fiscal year `fy`: (fy-04-01, fy+1-03-31)."""
    return date(fy, 4, 1), date(fy + 1, 3, 31)


def format_fiscal_year(fy: int) -> str:
    """令和4年度.

    A fiscal year takes the era year of the calendar year it starts in, as that year
    is named at its end (December 31). So FY2019, which began on 平成31年4月1日, is
    令和元年度 as in government usage, FY2018 is 平成30年度, FY1988 stays 昭和63年度
    (平成 began in January 1989, within FY1988) and FY1989 is 平成元年度.
    """
    return format_wareki_year(date(fy, 12, 31)) + "度"


# --- parsing --------------------------------------------------------------------

_DIGIT_TRANSLATION = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # ０-９
        "：": ":",  # U+FF1A fullwidth colon
        "～": "~",  # U+FF5E fullwidth tilde
        "〜": "~",  # U+301C wave dash, what many IMEs type for ～
    }
)


def normalize_digits(text: str) -> str:
    """Full-width digits, colons and tildes (and the wave dash 〜) to ASCII.

    Maps character for character, so positions in the result match the input.
    """
    return text.translate(_DIGIT_TRANSLATION)


# Word processors leave spaces inside numbers (令和5年4月1 3 日, 午前8時5 分), but
# never line breaks, so a number may hold spaces or tabs, not newlines.
_SP = r"[^\S\n]*"
_NUM2 = rf"[0-9](?:{_SP}[0-9])?"
_ERA_NAMES = "|".join(era.name for era in ERAS)

_WAREKI_RE = re.compile(
    rf"(?P<era>{_ERA_NAMES})\s*(?P<era_year>元|{_NUM2})\s*年\s*"
    # 平成31年(2019年)3月25日: the Gregorian year in parentheses is a check.
    rf"(?:[((]\s*(?P<check_year>[0-9]{{4}})\s*年\s*[))]\s*)?"
    rf"(?P<month>{_NUM2})\s*月\s*(?P<day>{_NUM2})\s*日"
    r"|"
    rf"(?<![0-9])(?P<year>[0-9]{{4}})\s*年\s*"
    rf"(?P<w_month>{_NUM2})\s*月\s*(?P<w_day>{_NUM2})\s*日"
)


def _number(text: str) -> int:
    return int(re.sub(r"\s", "", text))


def _era_date(era: Era, year: int, month: int, day: int) -> date:
    if year < 1:
        raise ValueError(f"{era.name}{year}年 does not exist")
    d = date(era.first_year + year - 1, month, day)
    if era_for(d) != era:
        raise ValueError(f"{era.name}{year}年{month}月{day}日 is outside {era.name}")
    return d


def parse_wareki(text: str) -> date | None:
    """The first date in `text`, in 和暦 (令和4年6月20日, 令和元年5月1日) or 西暦.

    Accepts full-width digits, stray spaces (令和2 年12 月18 日), 1年 for 元年 and a
    Gregorian year in parentheses (平成31年(2019年)3月25日). Returns None when no date
    is found; raises ValueError for a date that cannot exist (令和4年2月30日,
    令和元年4月30日, a parenthesised year that disagrees with the era year).
    """
    match = _WAREKI_RE.search(normalize_digits(text))
    if match is None:
        return None
    if match["era"] is None:
        return date(
            int(match["year"]), _number(match["w_month"]), _number(match["w_day"])
        )
    era = _ERAS_BY_NAME[match["era"]]
    year = 1 if match["era_year"] == "元" else _number(match["era_year"])
    d = _era_date(era, year, _number(match["month"]), _number(match["day"]))
    if match["check_year"] is not None and int(match["check_year"]) != d.year:
        raise ValueError(f"{match.group(0)}: the year in parentheses is not {d.year}")
    return d


_SHORT_RE = re.compile(
    rf"(?<![A-Za-z])(?P<letter>[{''.join(_ERAS_BY_LETTER)}])\s*"
    r"(?P<year>元|[0-9]{1,2})\.(?P<month>[0-9]{1,2})\.(?P<day>[0-9]{1,2})(?![0-9])"
)


def parse_short(text: str) -> date | None:
    """The first short date in `text`: R4.6.20, H31.4.30, R1.5.1 (or R元.5.1).

    None when there is none; ValueError for one that cannot exist (R1.4.30).
    """
    match = _SHORT_RE.search(normalize_digits(text))
    if match is None:
        return None
    era = _ERAS_BY_LETTER[match["letter"]]
    year = 1 if match["year"] == "元" else int(match["year"])
    return _era_date(era, year, int(match["month"]), int(match["day"]))


def expand_short_dates(text: str) -> str:
    """危機管理連絡会議 会議資料(令和4年6月20日) for ...(R4.6.20): short dates spelled
    out for link text (a screen reader reads R4.6.20 as 「アール4てん6てん20」).
    A short date that cannot exist is left as written."""

    def spell(match: re.Match[str]) -> str:
        try:
            era = _ERAS_BY_LETTER[match["letter"]]
            year = 1 if match["year"] == "元" else int(match["year"])
            d = _era_date(era, year, int(match["month"]), int(match["day"]))
        except ValueError:
            return match.group(0)
        return format_wareki(d)

    return _SHORT_RE.sub(spell, text)


class DateInputError(ValueError):
    """A typed date that cannot be read or cannot exist; the message is for staff."""


DATE_INPUT_HELP = (
    "「令和4年6月20日」「R4.6.20」「2022-06-20」のように入力してください。"
)
_WEEKDAY_SUFFIX = re.compile(
    r"\s*[((]\s*(?P<weekday>[月火水木金土日])(?:曜日?)?\s*[))]\s*$"
)
_ISO_LIKE = re.compile(r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})")
_COMPACT = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")


def parse_date_input(text: str) -> date:
    """One date typed into a form field, the only date parser of the staff forms (the
    editor's hint asks the server, so the hint and the form always agree).

    Accepts 2022-06-20, 2022/6/20, 20220620, R4.6.20 (r4.6.20), 令和4年6月20日 and
    2022年6月20日, full-width digits, and a weekday after the date (平成24年12月26日(水)),
    which must be the right one. Raises DateInputError with a Japanese message for a
    date that cannot be read (25時, text) or cannot exist (令和7年2月30日, R4.2.30).
    """
    typed = text.strip()
    t = normalize_digits(typed)
    weekday = None
    if suffix := _WEEKDAY_SUFFIX.search(t):
        weekday = suffix["weekday"]
        t = t[: suffix.start()]
    t = re.sub(r"\s+", "", t)
    if t[:1] in ("r", "h", "s", "t", "m"):
        t = t[0].upper() + t[1:]
    result: date | None
    try:
        if match := (_ISO_LIKE.fullmatch(t) or _COMPACT.fullmatch(t)):
            result = date(int(match["y"]), int(match["m"]), int(match["d"]))
        elif _SHORT_RE.fullmatch(t) or _WAREKI_RE.fullmatch(t):
            result = parse_short(t) if _SHORT_RE.fullmatch(t) else parse_wareki(t)
            assert result is not None
        else:
            result = None
    except ValueError:
        raise DateInputError(
            f"「{typed}」という日付はありません。月と日(月末の日付)を確かめてください。"
        ) from None
    if result is None:
        raise DateInputError(
            f"「{typed}」を日付として読み取れません。{DATE_INPUT_HELP}"
        )
    if weekday is not None and WEEKDAYS[result.weekday()] != weekday:
        raise DateInputError(
            f"{format_wareki(result)}は{WEEKDAYS[result.weekday()]}曜日です"
            f"(入力は{weekday}曜日)。日付か曜日を確かめてください。"
        )
    return result


def date_hint(d: date) -> str:
    """The hint beside a date field: 令和4年6月20日(月)(2022年6月20日)."""
    return f"{format_wareki(d, weekday=True)}({d.year}年{d.month}月{d.day}日)"


_CLOCK = re.compile(r"(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{1,2}))?")
_CLOCK_COMPACT = re.compile(r"(?P<h>[0-9]{1,2})(?P<m>[0-9]{2})")


def parse_clock_input(text: str) -> time:
    """A time of day typed into a form field: 17:30, 1730, 17時30分, 17時 (any width).

    25時, 17:75 and 2400 are refused (they used to become 2:05 and the like).
    """
    typed = text.strip()
    t = normalize_digits(typed).replace(" ", "").replace("時", ":").replace("分", "")
    t = t.rstrip(":")
    match = _CLOCK.fullmatch(t) or _CLOCK_COMPACT.fullmatch(t)
    if match is None:
        raise DateInputError(
            f"「{typed}」を時刻として読み取れません。「17:30」のように入力してください。"
        )
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if hour > 23 or minute > 59:
        raise DateInputError(
            f"「{typed}」という時刻はありません。0時から23時59分までで入力してください"
            "(日付をまたぐ会議は「終了が翌日」を選びます)。"
        )
    return time(hour, minute)


def _time_pattern(prefix: str) -> str:
    """A time of day, with groups named `prefix`_*: 17:30, 午後3時30分, 15時, 正午."""
    p = prefix
    return (
        rf"(?:(?P<{p}_meridiem>午前|午後)\s*)?"
        r"(?:"
        rf"(?<![0-9])(?P<{p}_h>[0-9]{{1,2}})\s*:\s*(?P<{p}_m>[0-9]{{2}})(?![0-9])"
        r"|"
        rf"(?<![0-9])(?P<{p}_jh>{_NUM2}){_SP}時"
        rf"(?:\s*(?:(?P<{p}_jm>{_NUM2}){_SP}分|(?P<{p}_half>半)))?"
        r"|"
        rf"(?P<{p}_noon>正午)"
        r")"
    )


_TIME_RANGE_RE = re.compile(
    _time_pattern("start")
    + r"(?:\s*(?P<separator>~|から|-|－|–|—)\s*"
    + r"(?:(?P<next_day>翌日?)\s*)?"
    + rf"(?:{_time_pattern('end')})?"
    + r")?"
)


def _clock(
    match: re.Match[str], prefix: str, inherited_meridiem: str | None = None
) -> tuple[time, bool, str | None]:
    """Read one time from `match`: (time, is 24:00 i.e. next day, meridiem used)."""
    if match[f"{prefix}_noon"]:
        return time(12, 0), False, None
    if match[f"{prefix}_h"] is not None:
        hour, minute = int(match[f"{prefix}_h"]), int(match[f"{prefix}_m"])
    else:
        hour = _number(match[f"{prefix}_jh"])
        if match[f"{prefix}_half"]:
            minute = 30
        elif match[f"{prefix}_jm"] is not None:
            minute = _number(match[f"{prefix}_jm"])
        else:
            minute = 0
    meridiem = match[f"{prefix}_meridiem"]
    if meridiem is None and inherited_meridiem == "午後" and hour < 12:
        # 午後3時30分から3時45分まで: the end takes the start's 午後.
        meridiem = inherited_meridiem
    if meridiem == "午後" and hour < 12:
        hour += 12
    elif meridiem == "午前" and hour > 12:
        raise ValueError(f"{match.group(0)}: 午前{hour}時 does not exist")
    # 午後13時30分 is a 24-hour number written with 午後 and stays 13:30; 12 with
    # either 午前 or 午後 is read as noon, the only sensible meeting-time reading.
    if hour == 24 and minute == 0:
        return time(0, 0), True, meridiem
    if hour > 23 or minute > 59:
        raise ValueError(f"{match.group(0)}: {hour}:{minute:02d} does not exist")
    return time(hour, minute), False, meridiem


def parse_time_range(text: str) -> tuple[time | None, time | None, bool]:
    """The first time range in `text`: (start, end, end_next_day).

    Reads 17:30~17:40, 17:30 ~ 17:45, 〜 and full-width forms, 午後3時30分から午後3時45分まで,
    15時~15時30分, 午後13時30分から13時40分まで, open-ended 午後1時30分から / 14時30分~,
    a single time (午前0時40分), and 23:30~0:15 or 23:30~翌0:15, where the end is on
    the next day. An end without 午前/午後 after a 午後 start is in the afternoon too.
    Returns (None, None, False) when there is no time; raises ValueError for an
    impossible one (17:75, 午前15時).
    """
    match = _TIME_RANGE_RE.search(normalize_digits(text))
    if match is None:
        return None, None, False
    start, start_is_24, start_meridiem = _clock(match, "start")
    if start_is_24:
        raise ValueError(f"{match.group(0)}: a meeting cannot start at 24:00")
    has_end = match["end_h"] or match["end_jh"] or match["end_noon"]
    if not has_end:
        return start, None, False
    end, end_is_24, _ = _clock(match, "end", start_meridiem)
    end_next_day = end_is_24 or match["next_day"] is not None or end < start
    return start, end, end_next_day
