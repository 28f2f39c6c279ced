"""The page head: title, meeting type, dates, and the numbered header fields."""

from __future__ import annotations

import re

from meetings.importer.text import join_wrapped, tidy
from meetings.importer.types import ParsedAttendees
from meetings.layout import AttendeeDetail
from meetings.markers import AGENDA_SYMBOLS

# --- meeting type and session ------------------------------------------------------

# Longest first, so that 危機管理連絡会議 is not read as 危機管理会議's neighbour.
KNOWN_TYPES = (
    "危機管理対策本部会議",
    "災害対策連絡本部会議",
    "災害対策警戒本部会議",
    "危機管理連絡会議",
    "災害対策本部会議",
    "災害警戒本部会議",
    "危機管理会議",
)
_GENERIC_TYPE = re.compile(
    r"([0-9一-龥ァ-ヶー・]*[一-龥ァ-ヶー]会議)"
    r"(?:\s*[((]第\s*\d+\s*回[^))]*[))])?\s*(?:を|の(?:開催|結果|概要)|開催|結果)"
)
_SESSION = re.compile(r"(?<!通算)第\s*(\d+)\s*回")
_CUMULATIVE = re.compile(r"通算\s*第?\s*(\d+)\s*回")


# The name of another body before a known type: 阿南市危機管理会議, 香川県災害対策本部会議.
_BODY_PREFIX = re.compile(r"([0-9一-龥ァ-ヶー・]{1,12}?[市町村県府都道区])$")
# This prefecture's own meetings: the type alone.
OWN_BODIES = ("徳島県", "県", "本県", "当県")


def with_body(name: str, before: str) -> str:
    """A known type with the other body that holds it: 阿南市 + 危機管理会議."""
    match = _BODY_PREFIX.search(re.sub(r"^(?:.*とおり|.*本日|.*回|.*年度)", "", before))
    if match is None or match[1] in OWN_BODIES or match[1].startswith("徳島県"):
        return name
    return match[1] + name


def find_meeting_type(*texts: str | None) -> str | None:
    """The meeting type named first in the lead, else the title, else the body.

    Another body's meeting keeps its name: 阿南市危機管理会議, not 危機管理会議."""
    for text in texts:
        if not text:
            continue
        found = [(text.find(name), -len(name), name) for name in KNOWN_TYPES]
        found = [f for f in found if f[0] >= 0]
        if found:
            at, _, name = min(found)
            return with_body(name, text[max(0, at - 20) : at])
        match = _GENERIC_TYPE.search(text)
        if match:
            name = re.sub(r"^(?:.*とおり|本日|.*回)", "", match[1])
            if len(name) > 2 and not name.startswith("会議"):
                return name
    return None


def find_session(*texts: str | None) -> tuple[int | None, int | None]:
    session = cumulative = None
    for text in texts:
        if not text:
            continue
        text = tidy(text)
        if session is None and (match := _SESSION.search(text)):
            session = int(match[1])
        if cumulative is None and (match := _CUMULATIVE.search(text)):
            cumulative = int(match[1])
    return session, cumulative


# --- header fields ----------------------------------------------------------------

_LABELS = {
    "開催日時": "datetime",
    "日時": "datetime",
    "日程": "datetime",
    "開催日": "datetime",
    "開催場所": "location",
    "場所": "location",
    "会場": "location",
    "出席者等": "attendees",
    "構成員": "attendees",
    "出席者": "attendees",
    "参加者": "attendees",
    "出席": "attendees",
    "協議概要": "agenda",
    "協議事項": "agenda",
    "協議内容": "agenda",
    "協議結果": "agenda",
    "会議内容": "agenda",
    "会議概要": "agenda",
    "議題": "agenda",
    "議事": "agenda",
    "内容": "agenda",
    "概要": "agenda",
}
_WEAK_LABELS = {"内容", "概要", "日程", "出席", "議事"}
_LABEL_ALTERNATION = "|".join(
    r"\s*".join(map(re.escape, label))
    for label in sorted(_LABELS, key=len, reverse=True)
)
_FIELD = re.compile(
    r"^(?:(?P<num>\d{1,2})\s*[.、)]?\s*|\(\d{1,2}\)\s*|(?P<mark>[●○■◆◇□・])\s*)?"
    r"(?P<open>[【<<\[])?\s*"
    rf"(?P<label>{_LABEL_ALTERNATION})\s*(?(open)[】>>\]])\s*"
    r"(?P<colon>[::])?\s*(?P<value>.*)$"
)


def header_field(text: str) -> tuple[str, str, str] | None:
    """(field, label as written, value) for a header field line such as 1 日 時:…"""
    match = _FIELD.match(text)
    if match is None:
        return None
    label = re.sub(r"\s", "", match["label"])
    value = match["value"].strip()
    numbered = any(match[g] is not None for g in ("num", "mark", "open"))
    if not match["colon"]:
        # Without a colon the label must stand alone or be set off by a space
        # (a table cell), so that 日時点で… or 内容について… are not read as fields.
        rest = text[match.end("label") :]
        if value and not (rest[:1] in " 】>>]" and label not in _WEAK_LABELS):
            return None
        if label in _WEAK_LABELS and not numbered:
            return None
    elif label in _WEAK_LABELS and not numbered and len(label) < 3:
        return None
    return _LABELS[label], label, value


# --- attendees --------------------------------------------------------------------

_OPEN = "((「【[『"
_CLOSE = "))」】]』"
_TOTAL = re.compile(
    r"[((]?\s*(?:(?:合|総)?計|総勢|以上)?\s*(?P<total>\d+)\s*(?P<unit>名|人)\s*[))]?\s*$"
)
_REMOTE = re.compile(
    r"\s*[((]\s*(?:内|うち)\s*(?P<how>[^\d()()]*?)\s*(?P<remote>\d+)\s*(?:名|人)\s*[))]\s*$"
)
_TAIL_JOINERS = ("など", "ほか", "等", "他", "外")
_OUTSIDE = re.compile(
    r"気象台|自衛隊|海上保安|国土交通省|河川国道|整備局|地方整備|\(株\)|株式会社|"
    r"電力|電信電話|NTT|ガス|医師会|歯科医師会|薬剤師会|看護協会|赤十字|"
    r"社会福祉協議会|警察署|消防局|消防本部|消防組合|[市町村]長$|役場|日本銀行|"
    r"JR|鉄道|放送|新聞|協会|財団|大学|省$|総務省|厚生労働省|農林水産省|環境省|"
    r"経済産業省|防衛省|内閣|高速道路|NEXCO|郵便|協議会|連合会"
)


def split_list(text: str) -> list[str]:
    """Split on 、 and , outside parentheses and brackets."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and char in "、,":
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def detect_separator(*texts: str | None) -> str:
    for text in texts:
        if not text:
            continue
        commas, touten = text.count(","), text.count("、")
        if commas or touten:
            return "," if commas > touten else "、"
    return ","


def parse_attendees(value: str) -> ParsedAttendees:
    """出席者 value -> attendees, details, collective tail, total, unit, remote."""
    text = tidy(value)
    remote = total = None
    unit = "名"
    remote_match = _REMOTE.search(text)
    if remote_match:
        remote = int(remote_match["remote"])
        text = text[: remote_match.start()]
    total_match = _TOTAL.search(text)
    if total_match and (
        "計" in total_match[0]
        or "以上" in total_match[0]
        or text[: total_match.start()].rstrip().endswith(_TAIL_JOINERS)
        or total_match.start() == 0
        or text[total_match.start() - 1] in " 、,"
    ):
        total = int(total_match["total"])
        unit = total_match["unit"]
        text = text[: total_match.start()]
    elif remote_match:
        unit = "人" if re.search(r"人\s*[))]\s*$", remote_match[0]) else "名"
    entries = split_list(text)
    tail = None
    if entries and entries[-1].endswith(_TAIL_JOINERS) and len(entries[-1]) > 2:
        tail = entries.pop()
    elif entries and re.search(
        r"(?:など|ほか|等)(?:各|関係)|^(?:各|関係)", entries[-1]
    ):
        # 各部局主管課長: a collective entry is the tail even without など.
        tail = entries.pop()
    details: list[AttendeeDetail] = []
    for entry in entries:
        is_remote = entry[:1] in "((" and entry[-1:] in "))"
        role = entry[1:-1].strip() if is_remote else entry
        details.append(
            {"role": role, "remote": is_remote, "outside": bool(_OUTSIDE.search(role))}
        )
    return {
        "attendees": [d["role"] for d in details],
        "attendee_details": details,
        "attendee_tail": tail,
        "attendee_total": total,
        "attendee_unit": unit,
        "attendee_remote": remote,
    }


# --- agenda -----------------------------------------------------------------------

AGENDA_MARKER = re.compile(
    rf"^(?P<marker>[{AGENDA_SYMBOLS}]"
    r"|\(\d{1,2}\)|[①-⑳]|[⑴-⒇]|\d{1,2}[.)](?!\d)|\d{1,2} (?=\D)"
    r"|\([ア-ン]\)|[ア-ン][.)]|[ア-ン] (?=\S))"
    r"\s*(?P<text>.*)$"
)
_SPLIT_SYMBOL = re.compile(r"\s*(?=[○●◎◆◇])")
_SPLIT_PAREN = re.compile(r"\s*(?=\(\d{1,2}\))")
_SPLIT_CIRCLED = re.compile(r"\s*(?=[①-⑳⑴-⒇])")
_SPLIT_DOT = re.compile(r"\s+(?=\d{1,2}[.](?!\d))")


def agenda_marker(text: str) -> tuple[str, str]:
    match = AGENDA_MARKER.match(text)
    if match is None:
        return "", text
    marker = match["marker"]
    return (marker if not marker.endswith(" ") else marker), match["text"]


def split_agenda(value: str) -> list[tuple[str, str]]:
    """One 協議概要 value -> [(marker, topic)]; several topics may share a line."""
    value = value.strip()
    if not value:
        return []
    pieces = [value]
    for splitter, min_count in (
        (_SPLIT_SYMBOL, 2),
        (_SPLIT_PAREN, 2),
        (_SPLIT_CIRCLED, 2),
        (_SPLIT_DOT, 1),
    ):
        parts = [p for p in splitter.split(value) if p.strip()]
        if len(parts) >= min_count and all(agenda_marker(p)[0] for p in parts):
            pieces = parts
            break
    else:
        parts = value.split("、")
        if len(parts) >= 2 and all(p.strip().endswith("について") for p in parts):
            pieces = parts
    topics = []
    for piece in pieces:
        marker, text = agenda_marker(piece.strip())
        topics.append((marker, tidy(text)))
    return [(m, t) for m, t in topics if t]


def _enumeration_kind(char: str) -> str:
    """1, ア, a or 一: markers of one series share a kind (ア and イ are siblings)."""
    if char in "0123456789":
        return "9"
    if "ア" <= char <= "ン":
        return "ア"
    if char.isascii() and char.isalpha():
        return "a"
    if char in "一二三四五六七八九十":
        return "一"
    return char


def marker_class(marker: str) -> str:
    """Markers of one class are siblings; a new class nests under the last item."""
    if not marker:
        return ""
    marker = marker.strip()
    if marker[0] in "((":
        return "(" + _enumeration_kind(marker[1:2]) + ")"
    if len(marker) <= 3 and (marker[0] in "0123456789" or "ア" <= marker[0] <= "ン"):
        return _enumeration_kind(marker[0]) + (marker[-1] if len(marker) > 1 else "")
    if "①" <= marker[0] <= "⑳" or "㉑" <= marker[0] <= "㉟":
        return "①"
    if "⑴" <= marker[0] <= "⒇":
        return "⑴"
    if "⒈" <= marker[0] <= "⒛":
        return "⒈"
    return marker


def join_lines(lines: list[str]) -> str:
    return tidy(join_wrapped(lines))
