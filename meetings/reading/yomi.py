"""Readings (hiragana) of Japanese text, for ふりがな and for speech.

Three sources, in this order:
1. the admin's table (``ReadingOverride``): names the dictionary gets wrong
   (万代庁舎, place names…), longest surface first;
2. rules for numbers with counters and weekdays, where readings change with the
   number (20日 はつか, 4月 しがつ, 30分 さんじゅっぷん, (月) げつ);
3. the morphological analyser SudachiPy with the ``sudachidict_core`` dictionary,
   both installed as packages (nothing is downloaded at run time).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ"
HAS_KANJI = re.compile(f"[{KANJI}]")
KANJI_RUNS = re.compile(f"[{KANJI}]+|[^{KANJI}]+")
# Sudachi's tokenizer takes at most ~49 KB a call; split long text on sentence ends.
MAX_CHUNK = 4000

# -- numbers -------------------------------------------------------------------

DIGITS = ["", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"]
HUNDREDS = {3: "さんびゃく", 6: "ろっぴゃく", 8: "はっぴゃく"}
THOUSANDS = {3: "さんぜん", 8: "はっせん"}
GROUPS = ["", "まん", "おく", "ちょう"]


def _below_10000(n: int) -> str:
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if thousands:
        out += THOUSANDS.get(
            thousands, ("" if thousands == 1 else DIGITS[thousands]) + "せん"
        )
    if hundreds:
        out += HUNDREDS.get(
            hundreds, ("" if hundreds == 1 else DIGITS[hundreds]) + "ひゃく"
        )
    if tens:
        out += ("" if tens == 1 else DIGITS[tens]) + "じゅう"
    return out + DIGITS[ones]


def number(n: int) -> str:
    """Cardinal reading: 22 → にじゅうに, 1000万 → いっせんまん."""
    if n == 0:
        return "ぜろ"
    parts = []
    for unit in GROUPS:
        n, group = divmod(n, 10000)
        if group:
            head = _below_10000(group)
            if unit and group >= 1000 and group // 1000 == 1:
                head = "いっ" + head  # いっせんまん
            parts.append(head + unit)
        if not n:
            break
    return "".join(reversed(parts))


def _sokuon(reading: str) -> str:
    """The number's last sound doubled before a k/s/t/p counter (いっかい…)."""
    for end, short in (
        ("いち", "いっ"),
        ("ろく", "ろっ"),
        ("はち", "はっ"),
        ("じゅう", "じゅっ"),
        ("ひゃく", "ひゃっ"),
    ):
        if reading.endswith(end):
            return reading[: -len(end)] + short
    return reading


def _ending(reading: str, table: dict[str, str]) -> str:
    for end, new in table.items():
        if reading.endswith(end):
            return reading[: -len(end)] + new
    return reading


YO_SHICHI_KU = {"よん": "よ", "なな": "しち", "きゅう": "く"}
DAYS = {
    1: "ついたち", 2: "ふつか", 3: "みっか", 4: "よっか", 5: "いつか", 6: "むいか",
    7: "なのか", 8: "ようか", 9: "ここのか", 10: "とおか", 14: "じゅうよっか",
    20: "はつか", 24: "にじゅうよっか",
}  # fmt: skip


def _day(n: int, date: bool = True) -> str:
    if n == 1 and not date:
        return "いちにち"
    if n in DAYS:
        return DAYS[n]
    return _ending(number(n), {"なな": "しち", "きゅう": "く"}) + "にち"


def _minutes(n: int) -> str:
    base = number(n)
    last = n % 10
    if last in (2, 5, 7, 9):
        return base + "ふん"
    if last in (3, 4):
        return base + "ぷん"
    return _sokuon(base) + "ぷん"


def _sokuon_counter(word: str) -> Callable[[int], str]:
    return lambda n: (
        _sokuon(number(n)) + word if n % 10 in (1, 6, 8, 0) else number(n) + word
    )


def _plain(word: str) -> Callable[[int], str]:
    return lambda n: number(n) + word


def _people(n: int) -> str:
    return {1: "ひとり", 2: "ふたり", 4: "よにん"}.get(n) or _ending(
        number(n), {"なな": "しち"}
    ) + "にん"


def _floor(n: int) -> str:
    return number(n) + "がい" if n % 10 == 3 else _sokuon_counter("かい")(n)


COUNTERS: dict[str, Callable[[int], str]] = {
    "年度": lambda n: _ending(number(n), YO_SHICHI_KU) + "ねんど",
    "年": lambda n: _ending(number(n), YO_SHICHI_KU) + "ねん",
    "か月": lambda n: _sokuon_counter("かげつ")(n),
    "カ月": lambda n: _sokuon_counter("かげつ")(n),
    "ヶ月": lambda n: _sokuon_counter("かげつ")(n),
    "月": lambda n: (
        _ending(number(n), {"よん": "し", "なな": "しち", "きゅう": "く"}) + "がつ"
    ),
    "日間": lambda n: _day(n, date=False) + "かん",
    "日": _day,
    "時間": lambda n: _ending(number(n), YO_SHICHI_KU) + "じかん",
    "時": lambda n: _ending(number(n), YO_SHICHI_KU) + "じ",
    "分": _minutes,
    "秒": _plain("びょう"),
    "名": _plain("めい"),
    "人": _people,
    "件": _sokuon_counter("けん"),
    "回": _sokuon_counter("かい"),
    "階": _floor,
    "号": _plain("ごう"),
    "頭": _sokuon_counter("とう"),
    "棟": _sokuon_counter("とう"),
    "箇所": _sokuon_counter("かしょ"),
    "か所": _sokuon_counter("かしょ"),
    "カ所": _sokuon_counter("かしょ"),
    "ヶ所": _sokuon_counter("かしょ"),
    "台": _plain("だい"),
    "戸": _plain("こ"),
    "羽": _plain("わ"),
    "週間": _sokuon_counter("しゅうかん"),
    "歳": _sokuon_counter("さい"),
    "度": _plain("ど"),
    "割": _plain("わり"),
    "円": _plain("えん"),
    "倍": _plain("ばい"),
    "社": _sokuon_counter("しゃ"),
    "校": _sokuon_counter("こう"),
}
NUMBER_COUNTER = re.compile(
    r"(?P<num>[0-9０-９]+(?:[,，][0-9０-９]{3})*(?:[万億兆][0-9０-９]*)*)(?:\s?(?P<counter>"
    + "|".join(sorted(map(re.escape, COUNTERS), key=len, reverse=True))
    + r")(?!時))?"  # 1 日時 (a numbered header) is not "the 1st"
)
WEEKDAYS = {
    "月": "げつ",
    "火": "か",
    "水": "すい",
    "木": "もく",
    "金": "きん",
    "土": "ど",
    "日": "にち",
}
WEEKDAY = re.compile(
    r"(?<=[(（])[月火水木金土日](?=[)）・])|(?<=・)[月火水木金土日](?=[)）])"
)


UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}


def to_int(digits: str) -> int:
    """12 → 12, 1,000 → 1000, 1000万 → 10000000, 1億2000万 → 120000000."""
    total, current = 0, ""
    for c in digits:
        if c in UNITS:
            total += int(current or "1") * UNITS[c]
            current = ""
        elif c not in ",，":
            current += str(unicodedata.digit(c))
    return total + int(current or "0")


def counter_reading(n: int, counter: str) -> str:
    return COUNTERS[counter](n)


def katakana_to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


# -- the analyser --------------------------------------------------------------

_local = threading.local()


def analyser() -> Any:
    """One SudachiPy tokenizer per thread (its dictionary loads in ~0.2 s)."""
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import Dictionary, SplitMode

        tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.B)
        _local.tokenizer = tokenizer
    return tokenizer


def dictionary_files() -> list[str]:
    """The files the analyser reads (to check they are local, installed packages)."""
    import sudachidict_core
    import sudachipy

    return [sudachipy.__file__, sudachidict_core.__file__]


# -- segments ------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    surface: str
    reading: str  # hiragana; "" for text read as written (kana, symbols)
    source: str = "dictionary"  # or "table" (ReadingOverride), "rule" (numbers)

    @property
    def ruby(self) -> bool:
        return bool(self.reading) and bool(HAS_KANJI.search(self.surface))


class Reader:
    """Readings with a fixed override table (load it once per batch of pages)."""

    def __init__(self, overrides: dict[str, str] | None = None) -> None:
        self.overrides = {k: v for k, v in (overrides or {}).items() if k}
        self._pattern = (
            re.compile(
                "|".join(
                    re.escape(s) for s in sorted(self.overrides, key=len, reverse=True)
                )
            )
            if self.overrides
            else None
        )

    @classmethod
    def load(cls) -> Reader:
        from meetings.reading.models import ReadingOverride

        return cls(dict(ReadingOverride.objects.values_list("surface", "reading")))

    def segments(self, text: str) -> list[Segment]:
        out: list[Segment] = []
        if not text:
            return out
        position = 0
        if self._pattern is not None:
            for match in self._pattern.finditer(text):
                out += self._rules(text[position : match.start()])
                out.append(
                    Segment(match.group(), self.overrides[match.group()], "table")
                )
                position = match.end()
        out += self._rules(text[position:])
        return out

    def _rules(self, text: str) -> list[Segment]:
        out: list[Segment] = []
        position = 0
        for match in _RULES.finditer(text):
            out += self._analyse(text[position : match.start()])
            if match.group("num"):
                n = to_int(match.group("num"))
                counter = match.group("counter")
                date = bool(re.search(r"月\s?$", text[: match.start()]))
                if counter is None:
                    reading = number(n)
                elif counter == "日":
                    reading = _day(n, date)
                else:
                    reading = counter_reading(n, counter)
            else:
                reading = WEEKDAYS[match.group()]
            plain = bool(match.group("num")) and not match.group("counter")
            out.append(Segment(match.group(), reading, "number" if plain else "rule"))
            position = match.end()
        out += self._analyse(text[position:])
        return out

    def _analyse(self, text: str) -> list[Segment]:
        if not text:
            return []
        if not HAS_KANJI.search(text):
            return [Segment(text, "")]
        out: list[Segment] = []
        for chunk in _chunks(text):
            for morpheme in analyser().tokenize(chunk):
                surface = morpheme.surface()
                if HAS_KANJI.search(surface):
                    out.append(
                        Segment(surface, katakana_to_hiragana(morpheme.reading_form()))
                    )
                elif out and not out[-1].ruby:
                    out[-1] = Segment(out[-1].surface + surface, "")
                else:
                    out.append(Segment(surface, ""))
        return out

    def reading(self, text: str) -> str:
        """The whole text in hiragana (kana and symbols as written)."""
        return "".join(
            s.reading if s.reading else katakana_to_hiragana(s.surface)
            for s in self.segments(text)
        )


_RULES = re.compile(f"{NUMBER_COUNTER.pattern}|{WEEKDAY.pattern}")


def _chunks(text: str) -> Iterable[str]:
    while len(text) > MAX_CHUNK:
        cut = max(text.rfind("。", 0, MAX_CHUNK), text.rfind("\n", 0, MAX_CHUNK))
        cut = cut + 1 if cut > 0 else MAX_CHUNK
        yield text[:cut]
        text = text[cut:]
    if text:
        yield text


def align(surface: str, reading: str) -> list[tuple[str, str]]:
    """Readings over the kanji only: 取り組み/とりくみ → [(取,と),(り,""),(組,く),(み,"")].

    Falls back to the whole surface when the kana in it do not line up."""
    runs = KANJI_RUNS.findall(surface)
    if len(runs) > 1:
        pattern = "".join(
            "(.+?)"
            if HAS_KANJI.match(run)
            else "(" + re.escape(katakana_to_hiragana(run)) + ")"
            for run in runs
        )
        match = re.fullmatch(pattern, reading)
        if match:
            return [
                (run, match.group(i + 1) if HAS_KANJI.match(run) else "")
                for i, run in enumerate(runs)
            ]
    return [(surface, reading)]
