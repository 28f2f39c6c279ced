"""Normalisation of Japanese text for search, the same on both sides (index, query).

``fold(text)`` returns the folded text and, for each of its characters, the index of
the original character it came from, so that a match found in the folded text is
highlighted in the original. The rules, in order:

- NFKC, then casefold (ＰＣ, PC and pc match; ﾗﾝｻﾑ is ランサム; ① is 1); a
  half-width or spacing sound mark is joined to its kana (ｶﾞ is ガ);
- katakana to hiragana (らんさむ finds ランサム);
- small kana to full size (ァ/ア, ッ/ツ, ヶ/ヵ/か as in 3ヶ所 and 3か所);
- ヴ as ブ, and ヴァ/ヴィ/ヴェ/ヴォ as バ/ビ/ベ/ボ;
- the long-vowel mark after kana dropped (サーバー, サーバ);
- whitespace runs as one space;
- kanji numerals as digits where it is safe: a run of 〇一二…九十百千万 followed by a
  counter (年 月 日 件 名 戸 人 回 号 …) or preceded by 第, and not glued to a
  preceding kanji other than 第 計 約 全 各 or an era name (令和四年 → 令和4年,
  第三回 → 第3回, 二十三件 → 23件; 統一日 and 一時 stay as they are); 元年 after
  an era name is 1年.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_KATAKANA_FIRST, _KATAKANA_LAST = 0x30A1, 0x30F6  # ァ .. ヶ
_SMALL = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかか")
_SMALL_CHARS = frozenset("ぁぃぅぇぉっゃゅょゎゕゖ")
_VU_PAIRS = {"ぁ": "ば", "ぃ": "び", "ぇ": "べ", "ぉ": "ぼ"}
_LONG_VOWEL = "ー"
_SOUND_MARKS = {"\u3099", "\u309a", "\u309b", "\u309c"}
_SPACING_TO_COMBINING = {"\u309b": "\u3099", "\u309c": "\u309a"}
_SPACE = re.compile(r"\s")
# Hyphens and dashes NFKC leaves apart (COVID‐19, COVID－19 and COVID-19 match).
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63")

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4}
_DIGITS.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
_UNITS = {"十": 10, "百": 100, "千": 1000}
_MAN = "万"
_NUMERALS = frozenset(_DIGITS) | frozenset(_UNITS) | {_MAN}
# What may follow a number: 一時 (temporarily) and 十分 (enough) are left out.
_COUNTERS = frozenset("年月日件名戸人回号条階歳頭羽台棟校週次か箇ヶ人隻機")
# Kanji that may stand before a number without making it part of a word.
_PRECEDERS = frozenset("第計約全各")
_ERAS = ("令和", "平成", "昭和")


def fold(text: str) -> tuple[str, list[int]]:
    """The folded text and the original index of each of its characters."""
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        for out in _fold_char(ch):
            if out in _SOUND_MARKS and chars:
                out = _SPACING_TO_COMBINING.get(out, out)
                joined = unicodedata.normalize("NFC", chars[-1] + out)
                if len(joined) == 1:
                    chars[-1] = _kana(joined)
                continue  # a stray mark carries no meaning for search
            if out in _SOUND_MARKS:
                continue
            chars.append(out)
            origin.append(index)
    chars, origin = _kana_variants(chars, origin)
    chars, origin = _numerals(chars, origin)
    return "".join(chars), origin


def normalize(text: str) -> str:
    return fold(text)[0]


def bigrams(folded: str) -> list[str]:
    """Distinct two-character substrings without whitespace, sorted."""
    grams = {folded[i : i + 2] for i in range(len(folded) - 1)}
    return sorted(g for g in grams if not any(ch.isspace() for ch in g))


@functools.cache
def _fold_char(ch: str) -> str:
    if _SPACE.match(ch):
        return " "
    if ch in _SOUND_MARKS:
        return ch
    if ch in _DASHES:
        return "-"
    out = []
    for part in unicodedata.normalize("NFKC", ch):
        folded = part.casefold()
        out.append(_kana(folded if len(folded) == 1 else part.lower()))
    return "".join(out)


def _kana(ch: str) -> str:
    """Katakana to hiragana (one character)."""
    code = ord(ch) if len(ch) == 1 else 0
    if _KATAKANA_FIRST <= code <= _KATAKANA_LAST:
        if ch in "ヵヶ":
            return "か"
        return chr(code - 0x60)
    return ch


def _is_kana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f" or "\u30a0" <= ch <= "\u30ff"


def _kana_variants(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    out: list[str] = []
    out_origin: list[int] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch == "ゔ":
            following = chars[i + 1] if i + 1 < len(chars) else ""
            if following in _VU_PAIRS:
                out.append(_VU_PAIRS[following])
                out_origin.append(origin[i])
                i += 2
                continue
            ch = "ぶ"
        elif ch == _LONG_VOWEL and out and _is_kana(out[-1]):
            i += 1
            continue
        elif ch in _SMALL_CHARS:
            ch = ch.translate(_SMALL)
        elif ch == " " and out and out[-1] == " ":
            i += 1
            continue
        out.append(ch)
        out_origin.append(origin[i])
        i += 1
    return out, out_origin


def _is_kanji(ch: str) -> bool:
    return len(ch) == 1 and ("\u4e00" <= ch <= "\u9fff" or ch in "々〇")


def _numerals(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    if not any(ch in _NUMERALS or ch == "元" for ch in chars):
        return chars, origin
    out: list[str] = []
    out_origin: list[int] = []
    i = 0
    n = len(chars)
    while i < n:
        ch = chars[i]
        if ch not in _NUMERALS and ch != "元":
            out.append(ch)
            out_origin.append(origin[i])
            i += 1
            continue
        era = "".join(chars[max(0, i - 2) : i]) in _ERAS
        if ch == "元" and era and i + 1 < n and chars[i + 1] == "年":
            out.append("1")
            out_origin.append(origin[i])
            i += 1
            continue
        if ch not in _NUMERALS or ch == _MAN:
            out.append(ch)
            out_origin.append(origin[i])
            i += 1
            continue
        end = i
        while end < n and chars[end] in _NUMERALS:
            end += 1
        before = chars[i - 1] if i else ""
        after = chars[end] if end < n else ""
        # 年六月: a number after a counter starts afresh.
        glued = (
            _is_kanji(before)
            and before not in _PRECEDERS
            and before not in _COUNTERS
            and not era
        )
        value = None
        if not glued and (after in _COUNTERS or before == "第"):
            value = _value(chars[i:end])
        if value is None:
            out.extend(chars[i:end])
            out_origin.extend(origin[i:end])
        else:
            digits = str(value)
            first, last = origin[i], origin[end - 1]
            for k, digit in enumerate(digits):
                out.append(digit)
                out_origin.append(first if k < len(digits) - 1 else last)
        i = end
    return out, out_origin


def _value(run: list[str]) -> int | None:
    """二十三 → 23, 二〇二二 → 2022, 三千五百 → 3500, 一万二千 → 12000."""
    if run[0] == _MAN:
        return None
    if all(ch in _DIGITS for ch in run):
        return int("".join(str(_DIGITS[ch]) for ch in run))
    total = section = digit = 0
    seen_digit = False
    for ch in run:
        if ch in _DIGITS:
            if seen_digit:
                return None  # 二三十: not a number as written
            digit, seen_digit = _DIGITS[ch], True
        elif ch in _UNITS:
            section += (digit if seen_digit else 1) * _UNITS[ch]
            digit, seen_digit = 0, False
        else:  # 万
            total += (section + digit) * 10000
            section = digit = 0
            seen_digit = False
    return total + section + digit


# ---------------------------------------------------------------------------
# The static search (Pagefind, in the browser) gets what it can of the same rules
# ---------------------------------------------------------------------------

_KATAKANA_RUN = re.compile(r"[\u30a1-\u30fa\u30fc]{2,}")
_SMALL_KATAKANA = "ァィゥェォッャュョヮヵヶ"
_LARGE_KATAKANA = "アイウエオツヤユヨワカカ"


def static_query_map() -> dict[str, str]:
    """Characters the static search page replaces in a query (after NFKC), so
    that らんさむ, ランサム and ﾗﾝｻﾑ, or サーバー and サーバ, reach the same words:
    hiragana as katakana (Pagefind's Japanese word splitting reads katakana words
    whole), small kana as full size, ヴ as ブ, the long-vowel mark dropped."""
    mapping = {chr(code): chr(code + 0x60) for code in range(0x3041, 0x3097)}
    for small, large in zip(_SMALL_KATAKANA, _LARGE_KATAKANA, strict=True):
        mapping[small] = large
        mapping[chr(ord(small) - 0x60)] = large if small not in "ヵヶ" else "カ"
    mapping["ヴ"] = mapping["ゔ"] = "ブ"
    mapping[_LONG_VOWEL] = ""
    return mapping


def static_variants(text: str) -> str:
    """The katakana words of ``text`` as ``static_query_map`` writes them, where
    that differs (サーバー → サーバ, ランサムウェア → ランサムウエア): indexed with the
    page, hidden, so that a query folded by the static search page finds them."""
    mapping = str.maketrans(static_query_map())
    variants = []
    for word in _KATAKANA_RUN.findall(unicodedata.normalize("NFKC", text)):
        folded = word.translate(mapping)
        if folded != word and len(folded) >= 2:
            variants.append(folded)
    return " ".join(dict.fromkeys(variants))
