"""The marks that start a bullet, in one place.

The editor splits a typed or pasted mark from a bullet's text (on the server in
``meetings.forms`` and in the page's script, which reads ``EDITOR_PATTERN`` from the
page), and the importer finds items and agenda topics in a pasted public page.
"""

from __future__ import annotations

import re

# Symbols that start a bullet on the official pages and in typed text. ■ is not one:
# it starts a section heading.
BULLET_SYMBOLS = "・○●◎◆◇□▪▫◦※•➢➤→▶▷☆★◯"
# The few of them that number agenda topics (協議概要): ※ or → there is a note.
AGENDA_SYMBOLS = "○●◎◆◇□・"

# Numbered marks: ① ⑴ (1) 1. (full width too).
NUMBERED = r"[①-⑳]|[⑴-⒇]|[((][0-90-9]+[))]|[0-90-9]+[..](?!\d)"

# A mark typed at the start of a bullet in the editor, group 1: valid both as a Python
# and as a JavaScript regular expression (the page's script compiles the same text).
EDITOR_PATTERN = rf"^\s*([{BULLET_SYMBOLS}]|{NUMBERED}|-)\s*"

# The mark a section heading is written with, verbatim (■ unless the page used another):
# 【】 wraps the heading, "" is a heading with no mark (a department name standing alone).
DEFAULT_HEADING_MARKER = "■"
HEADING_MARKERS = ("■", "●", "◆", "○", "□", "◇", "【】", "")
HEADING_MARKER_CHOICES = [
    ("■", "■"),
    ("●", "●"),
    ("◆", "◆"),
    ("○", "○"),
    ("□", "□"),
    ("◇", "◇"),
    ("【】", "【】(かっこで囲む)"),
    ("", "記号なし"),
]


def heading_marks(marker: str | None) -> tuple[str, str]:
    """(before, after) the heading text for a section's heading marker."""
    if marker is None:
        marker = DEFAULT_HEADING_MARKER
    if marker == "【】":
        return "【", "】"
    return marker, ""


# Item marks that can head a sub-heading inside a section: (1) ⑴ 1. ア (ア), and a
# label standing alone such as (概要). A sub-heading has the items under it as children.
SUBHEADING_NUMBERED = (
    r"[((](?:[0-9]{1,2}|[ア-ン])[))]|[⑴-⒇]|[0-9]{1,2}[.)]|[ア-ン][.)]?"
)
# A label line: (概要), 【経緯】, <対応>: a short word in brackets and nothing else.
LABEL_PATTERN = r"^[((【〔<<][^()()【】〔〕<>。、,]{1,15}[))】〕>>]$"

# Marks offered in the editor's item marker list (a datalist; anything may be typed).
ITEM_MARKER_SUGGESTIONS = ("・", "○", "●", "①", "(1)", "1.", "ア", "(ア)")

# Enter after a numbered item offers the next number: ① → ②, ⑴ → ⑵, ア → イ, and
# (1) → (2), 1. → 2. (digits counted, the brackets and full or half width kept).
MARKER_SERIES = (
    "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳",
    "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇",
    "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛",
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン",
)
# Group 1: opening bracket or nothing, 2: the number, 3: the rest of the mark. Valid in
# Python and JavaScript (the page's script compiles the same text). Full-width forms
# are written as \u escapes.
COUNTED_PATTERN = r"^([(\uff08]?)([0-9]+|[\uff10-\uff19]+)([)\uff09.\uff0e\u3001]?)$"

_FULL_DIGITS = "".join(chr(0xFF10 + n) for n in range(10))
# What may stand around a mark of a series: (ア), ア., ア)
_SERIES_WRAPS = {("", ""), ("(", ")"), ("\uff08", "\uff09")}
_SERIES_ENDS = {"", ".", "\uff0e", ")", "\uff09"}


def next_marker(marker: str) -> str:
    """The mark of the next sibling: (1) → (2), ① → ②, ア → イ, (ア) → (イ); others as is."""
    stripped = marker.strip()
    for series in MARKER_SERIES:
        for n, mark in enumerate(series[:-1]):
            before, found, after = stripped.partition(mark)
            if found and (
                (before, after) in _SERIES_WRAPS
                or (not before and after in _SERIES_ENDS)
            ):
                return f"{before}{series[n + 1]}{after}"
    match = re.match(COUNTED_PATTERN, stripped)
    if not match:
        return marker
    digits = match[2]
    full = digits[0] in _FULL_DIGITS
    number = int(digits.translate(str.maketrans(_FULL_DIGITS, "0123456789"))) + 1
    text = str(number)
    if full:
        text = text.translate(str.maketrans("0123456789", _FULL_DIGITS))
    return f"{match[1]}{text}{match[3]}"
