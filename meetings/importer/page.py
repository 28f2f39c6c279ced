"""parse_page: one published 開催結果 page (text or HTML) -> meeting dicts."""

from __future__ import annotations

import logging
import re
from datetime import date

from meetings import wareki
from meetings.importer.body import BodyBuilder, Token, classify, strip_bullet
from meetings.importer.footer import contact_heading, parse_attachment, parse_contact
from meetings.importer.header import (
    KNOWN_TYPES,
    agenda_marker,
    detect_separator,
    find_meeting_type,
    find_session,
    header_field,
    join_lines,
    marker_class,
    parse_attendees,
    split_agenda,
    with_body,
)
from meetings.importer.text import (
    Line,
    html_to_text,
    is_chrome,
    looks_like_html,
    normalize_text,
    split_lines,
    tidy,
)
from meetings.importer.types import ParsedAttachment, ParsedMeeting
from meetings.layout import SectionData

logger = logging.getLogger(__name__)

_BODY_KINDS = {"section", "topic", "group", "part", "subdirective"}
_DATE_LINE = re.compile(
    r"^(?:(?:掲載日|公開日|発表日)\s*[::]?\s*)?"
    r"(?:(?:令和|平成)\s*(?:\d[\d ]*|元)\s*年|\d{4}\s*年)"
    r"\s*\d[\d ]*\s*月\s*\d[\d ]*\s*日"
    r"(?:\s*[((][^))]{1,5}[))])?$"
)
_DRILL_LINE = re.compile(r"^[【((\[]?\s*訓練\s*[】))\]]?$")
_WRITTEN_ONLY = re.compile(
    r"^※?\s*書面(?:開催|会議|による(?:開催|会議))?\s*(?:のため)?$"
)
_ONLINE = re.compile(
    r"Zoom|ZOOM|Teams|Web会議|WEB会議|ウェブ会議|オンライン|テレビ会議"
)
_VENUE_WORDS = re.compile(r"庁舎|県庁|会議室|室|センター|階|ホール|会館")
_TITLE_HINT = re.compile(r"会議|開催|結果|について")
_TOPIC_ENDS = ("について", "。", "」", ")", ")", "の件", "ため")
_ACTIVE_TYPE = re.compile(
    r"(?:第\d+回)?(?P<name>[0-9一-龥ァ-ヶー・]*[一-龥ァ-ヶー]会議)"
    r"(?:\s*[((]第\s*\d+\s*回[^))]*[))])?を(?:開催|行)"
)


def parse_page(
    text_or_html: str, *, filename: str | None = None
) -> list[ParsedMeeting]:
    """Read a published 開催結果 page into meeting dicts (one per meeting found).

    Accepts the page's text or its HTML. Never fails on odd input and never drops
    text silently: what it cannot place is in ``unparsed``, with a ``warnings``
    entry naming the line.
    """
    source = text_or_html
    if looks_like_html(source):
        source = html_to_text(source)
    lines = split_lines(normalize_text(source))
    try:
        meetings = [
            _MeetingParser(chunk, filename).parse() for chunk in _split_meetings(lines)
        ]
    except Exception as error:  # a parser bug must not lose the page
        logger.exception("could not parse %s", filename or "a page")
        return [_unparsed_page(lines, filename, error)]
    # The お問い合わせ block at the foot of the page is every meeting's contact.
    shared = next(
        (m["contact"] for m in reversed(meetings) if any(m["contact"].values())), None
    )
    for meeting in meetings:
        if shared and not any(meeting["contact"].values()):
            meeting["contact"] = {**shared}
    return meetings


def _unparsed_page(
    lines: list[Line], filename: str | None, error: Exception
) -> ParsedMeeting:
    """The whole page as raw text, for when the parser itself fails."""
    parser = _MeetingParser([], filename)
    data = parser._result()
    data["title"] = lines[0].text if lines else ""
    data["unparsed"] = ["\n".join(line.text for line in lines[1:])] if lines[1:] else []
    data["warnings"] = [f"the page could not be parsed ({type(error).__name__})"]
    return data


def _meeting_start(lines: list[Line], n: int) -> bool:
    """A 日時 field with a date, followed closely by 場所 or 出席者."""
    field = header_field(lines[n].text)
    if field is None or field[0] != "datetime":
        return False
    following = [header_field(line.text) for line in lines[n + 1 : n + 7]]
    return any(f and f[0] in {"location", "attendees"} for f in following)


def _preamble_like(text: str) -> bool:
    return bool(
        _DATE_LINE.match(text)
        or is_chrome(text)
        or _DRILL_LINE.match(text)
        or (_TITLE_HINT.search(text) and not text.endswith("。"))
        or re.fullmatch(r"[【((\[].{1,40}[】))\]]", text)
        or re.search(r"開催|お知らせ|以下のとおり", text)
    )


def _split_meetings(lines: list[Line]) -> list[list[Line]]:
    """Pages that report several meetings in full: one chunk per meeting."""
    starts = [n for n in range(len(lines)) if _meeting_start(lines, n)]
    if len(starts) < 2:
        return [lines]
    cuts = [0]
    for previous, start in zip(starts, starts[1:], strict=False):
        cut = start
        while cut - 1 > previous + 3 and _preamble_like(lines[cut - 1].text):
            cut -= 1
        cuts.append(cut)
    cuts.append(len(lines))
    return [lines[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


class _MeetingParser:
    def __init__(self, lines: list[Line], filename: str | None) -> None:
        self.lines = lines
        self.filename = filename
        self.i = 0
        self.warnings: list[str] = []
        self.unplaced: list[Line] = []
        self.title = ""
        self.is_drill = False
        self.published_on: str | None = None
        self.lead_lines: list[Line] = []
        self.datetime_value: str | None = None
        self.datetime_line: Line | None = None
        self.location_value = ""
        self.attendee_value: str | None = None
        self.agenda: list[tuple[str, str]] = []
        self.fields_seen: set[str] = set()
        self.tokens: list[Token] = []
        self.attachments: list[ParsedAttachment] = []
        self.contact_texts: list[str] = []

    # --- helpers -------------------------------------------------------------
    def _line(self, offset: int = 0) -> Line | None:
        index = self.i + offset
        return self.lines[index] if index < len(self.lines) else None

    def _warn(self, line: Line | None, message: str) -> None:
        prefix = f"line {line.number}: " if line else ""
        self.warnings.append(prefix + message)

    # --- stages --------------------------------------------------------------
    def parse(self) -> ParsedMeeting:
        self._read_title()
        self._read_preamble()
        self._read_rest()
        return self._result()

    def _read_title(self) -> None:
        lines = self.lines
        while self.i < len(lines) and is_chrome(lines[self.i].text):
            self.i += 1
        if self.i < len(lines) and _DRILL_LINE.match(lines[self.i].text):
            self.is_drill = True
            self.i += 1
        # The title is the first line that reads like one, before any header field;
        # a posting date may come first.
        for offset in range(self.i, min(len(lines), self.i + 8)):
            text = lines[offset].text
            if header_field(text):
                break
            if _DATE_LINE.match(text) or is_chrome(text):
                continue
            if _TITLE_HINT.search(text) and not text.endswith("。"):
                for skipped in lines[self.i : offset]:
                    if _DATE_LINE.match(skipped.text) and self.published_on is None:
                        self.published_on = self._date(skipped, skipped.text)
                    elif not is_chrome(skipped.text):
                        self.unplaced.append(skipped)
                self.i = offset
                break
        line = self._line()
        if line is None or header_field(line.text) or _DATE_LINE.match(line.text):
            self._warn(line, "no title found")
            return
        self.title = tidy(line.text)
        self.i += 1
        if re.search(r"[【((]訓練[】))]", self.title):
            self.is_drill = True

    def _read_preamble(self) -> None:
        lines = self.lines
        preamble: list[Line] = []
        structured = False
        while self.i < len(lines):
            line = lines[self.i]
            text = line.text
            if is_chrome(text):
                self.i += 1
                continue
            if self.published_on is None and _DATE_LINE.match(text):
                self.published_on = self._date(line, text)
                self.i += 1
                continue
            if _DRILL_LINE.match(text):
                self.is_drill = True
                self.i += 1
                continue
            if header_field(text) or classify(line).kind in _BODY_KINDS:
                structured = True
                break
            if (
                parse_attachment(strip_bullet(text)[0])
                or contact_heading(text) is not None
            ):
                break
            preamble.append(line)
            self.i += 1
        if structured:
            self.lead_lines = preamble
        else:
            self.unplaced.extend(preamble)

    def _date(self, line: Line, text: str) -> str | None:
        try:
            found = wareki.parse_wareki(text)
        except ValueError:
            self._warn(line, f"could not read the date 「{text}」")
            return None
        return found.isoformat() if found else None

    def _read_rest(self) -> None:
        lines = self.lines
        body_started = False
        while self.i < len(lines):
            line = lines[self.i]
            text = line.text
            if is_chrome(text):
                self.i += 1
                continue
            attachment = parse_attachment(strip_bullet(text)[0])
            if attachment:
                self.attachments.append(attachment)
                self.i += 1
                continue
            rest = contact_heading(text)
            if rest is not None:
                self._read_contact(rest)
                return
            if not body_started:
                field = header_field(text)
                if field:
                    self._read_field(*field)
                    continue
            token = classify(line)
            if token.kind in _BODY_KINDS:
                body_started = True
            self.tokens.append(token)
            self.i += 1

    def _read_contact(self, rest: str) -> None:
        texts = [rest] if rest else []
        self.i += 1
        while self.i < len(self.lines):
            text = self.lines[self.i].text
            self.i += 1
            if is_chrome(text):
                if texts:
                    break  # the site footer follows
                continue
            attachment = parse_attachment(strip_bullet(text)[0])
            if attachment:
                self.attachments.append(attachment)
                continue
            texts.append(text)
        self.contact_texts = texts

    # --- header fields -------------------------------------------------------
    def _read_field(self, field: str, label: str, value: str) -> None:
        line = self.lines[self.i]
        self.i += 1
        if field in self.fields_seen and field != "agenda":
            self.unplaced.append(line)
            self._warn(line, f"a second {label} field; kept as text")
            return
        self.fields_seen.add(field)
        if field == "datetime":
            self._read_datetime(line, value)
        elif field == "location":
            self._read_location(value)
        elif field == "attendees":
            self._read_attendees(value)
        else:
            self._read_agenda(line, value)

    def _next_value_line(self) -> Line | None:
        """The value printed on the line after its label."""
        while (line := self._line()) is not None and is_chrome(line.text):
            self.i += 1
        if line is None or header_field(line.text):
            return None
        if classify(line).kind in _BODY_KINDS:
            return None
        return line

    def _read_datetime(self, line: Line, value: str) -> None:
        if not value and (nxt := self._next_value_line()) is not None:
            value = nxt.text
            line = nxt
            self.i += 1
        nxt = self._next_value_line()
        if nxt is not None and not nxt.blank_before and _has_time(nxt.text):
            if not _has_time(value):
                value = f"{value} {nxt.text}"
                self.i += 1
        self.datetime_value = value
        self.datetime_line = line

    def _read_location(self, value: str) -> None:
        if not value and (nxt := self._next_value_line()) is not None:
            value = nxt.text
            self.i += 1
        # A note wrapped onto the next line: (南部・西部総合県民局はテレビ会議で参加)
        nxt = self._next_value_line()
        if (
            value
            and nxt is not None
            and not nxt.blank_before
            and nxt.text.startswith(("(", "(", "※"))
            and classify(nxt).kind == "text"
        ):
            value = join_lines([value, nxt.text])
            self.i += 1
        self.location_value = value

    def _read_attendees(self, value: str) -> None:
        parts = [value] if value else []
        while (line := self._next_value_line()) is not None:
            joined = "".join(parts)
            if parse_attachment(line.text) or contact_heading(line.text) is not None:
                break
            if joined and re.search(r"\d\s*[名人]\s*[))]?\s*$", joined):
                break
            if joined and line.blank_before and not joined.endswith(("、", ",")):
                break
            if classify(line).kind == "item" and not line.text.startswith(("(", "(")):
                break
            parts.append(line.text)
            self.i += 1
        self.attendee_value = join_lines(parts)

    def _read_agenda(self, line: Line, value: str) -> None:
        if self.agenda:
            if value:
                self.unplaced.append(line)
                self._warn(line, f"could not place 「{_snippet(value)}」")
            return
        topics = split_agenda(value)
        first_class = marker_class(topics[0][0]) if topics else None
        same_line = bool(value)
        last_marked: Line | None = None  # the last topic read from a marked line
        while (nxt := self._next_value_line()) is not None:
            if parse_attachment(nxt.text) or contact_heading(nxt.text) is not None:
                break
            marker, text = agenda_marker(nxt.text)
            kind = classify(nxt).kind
            if marker and kind in {"item", "part", "text"}:
                cls = marker_class(marker)
                if first_class is None:
                    first_class = cls
                if cls != first_class or (same_line and not first_class):
                    break
                if kind == "part" and not text.endswith(_TOPIC_ENDS) and not topics:
                    break
                topics.append((marker, tidy(text)))
                last_marked = nxt
            elif kind == "text" and not marker:
                if (same_line and first_class) or nxt.text.endswith("。"):
                    break  # a sentence: the body has begun
                last = topics[-1][1] if topics else ""
                if topics and not nxt.blank_before and not last.endswith(_TOPIC_ENDS):
                    topics[-1] = (topics[-1][0], join_lines([last, nxt.text]))
                elif topics and (nxt.blank_before or same_line):
                    break
                else:
                    topics.append(("", tidy(nxt.text)))
                    first_class = ""
            else:
                break
            last_marked = last_marked if topics and last_marked is nxt else None
            self.i += 1
        if (
            last_marked is not None
            and nxt is not None
            and not nxt.blank_before
            and classify(nxt).kind == "item"
        ):
            # ●年末年始の…について / (1)…: the last "topic" heads the body's items.
            topics.pop()
            self.i -= 1
        self.agenda = [(m, t) for m, t in topics if t]

    # --- result --------------------------------------------------------------
    def _result(self) -> ParsedMeeting:
        lead = join_lines([line.text for line in self.lead_lines]) or None
        separator = detect_separator(self.attendee_value, lead)
        body = BodyBuilder(separator)
        body.build(self.tokens)
        self.unplaced.extend(body.unplaced)

        held_on, start, end, next_day, mode = self._datetime()
        location, mode = self._location(mode, lead)
        meeting_type = _active_type(lead) or find_meeting_type(
            self.title, lead, " ".join(t.line.text for t in self.tokens[:40])
        )
        session, cumulative = find_session(self.title, lead)
        if held_on is None:
            for text in (self.title, lead):
                try:
                    found = wareki.parse_wareki(text or "")
                except ValueError:
                    found = None
                if found:
                    held_on = found.isoformat()
                    break
        if self.fields_seen or self.tokens:
            # Archive files are often named for the meeting: 2022-06-20_renraku-kaigi.
            file_date, file_type = _filename_hints(self.filename)
            held_on = held_on or file_date
            meeting_type = meeting_type or file_type
        attendees = parse_attendees(self.attendee_value or "")
        agenda = [text for _, text in self.agenda]
        _link_agenda(body.sections, agenda)
        unparsed = self._unparsed()
        data: ParsedMeeting = {
            "meeting_type": meeting_type,
            "session_number": session,
            "cumulative_number": cumulative,
            "title": self.title,
            "held_on": held_on,
            "published_on": self.published_on,
            "start_time": start,
            "end_time": end,
            "end_next_day": next_day,
            "mode": mode,
            "location": location,
            "lead": lead,
            "separator": separator,
            "is_drill": self.is_drill,
            **attendees,
            "agenda": agenda,
            "agenda_markers": [marker for marker, _ in self.agenda],
            "sections": body.sections,
            "attachments": self.attachments,
            "contact": parse_contact(self.contact_texts),
            "warnings": self.warnings,
            "unparsed": unparsed,
        }
        if self.filename:
            data["source_file"] = self.filename
        return data

    def _datetime(self) -> tuple[str | None, str | None, str | None, bool, str]:
        value = self.datetime_value or ""
        line = self.datetime_line
        mode = "written" if "書面" in value else "in_person"
        held_on = start = end = None
        next_day = False
        if self.datetime_value is None:
            return None, None, None, False, mode
        try:
            found = wareki.parse_wareki(value)
            held_on = found.isoformat() if found else None
            if found is None and value:
                self._warn(line, f"no date in 「{value}」")
        except ValueError:
            self._warn(line, f"could not read the date 「{value}」")
        try:
            start_t, end_t, next_day = wareki.parse_time_range(_without_date(value))
            start = start_t.strftime("%H:%M") if start_t else None
            end = end_t.strftime("%H:%M") if end_t else None
        except ValueError:
            self._warn(line, f"could not read the time 「{value}」")
        return held_on, start, end, next_day, mode

    def _location(self, mode: str, lead: str | None) -> tuple[str | None, str]:
        value = tidy(self.location_value)
        texts = f"{value} {lead or ''} {self.title}"
        if "書面開催" in texts or "書面による" in texts or "書面会議" in texts:
            mode = "written"
        if _WRITTEN_ONLY.match(value):
            return None, "written"
        if (
            value
            and _ONLINE.search(value)
            and not _VENUE_WORDS.search(_ONLINE.sub("", value))
        ):
            mode = "online"
        return value or None, mode

    def _unparsed(self) -> list[str]:
        paragraphs: list[list[Line]] = []
        previous: Line | None = None
        for line in sorted(self.unplaced, key=lambda line: line.number):
            if (
                previous is not None
                and not line.blank_before
                and line.number == previous.number + 1
            ):
                paragraphs[-1].append(line)
            else:
                paragraphs.append([line])
            previous = line
        texts = []
        for paragraph in paragraphs:
            text = "\n".join(line.text for line in paragraph)
            texts.append(text)
            self._warn(paragraph[0], f"could not place 「{_snippet(text)}」")
        return texts


_FILE_DATE = re.compile(r"(?<!\d)(20\d\d|19\d\d)[-_.]?(\d\d)[-_.]?(\d\d)(?!\d)")
_FILE_TYPES = (
    ("renraku-kaigi", "危機管理連絡会議"),
    ("kiki-kanri-kaigi", "危機管理会議"),
    ("taisaku-honbu", "危機管理対策本部会議"),
    ("saigai-honbu", "災害対策本部会議"),
)


def _filename_hints(filename: str | None) -> tuple[str | None, str | None]:
    """(date, meeting type) from a file name such as 2022-06-20_renraku-kaigi.txt."""
    if not filename:
        return None, None
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    found_date = None
    if match := _FILE_DATE.search(name):
        try:
            found_date = date(*map(int, match.groups())).isoformat()
        except ValueError:
            found_date = None
    found_type = next((t for slug, t in _FILE_TYPES if slug in name), None)
    return found_date, found_type


def _snippet(text: str, length: int = 30) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= length else text[:length] + "…"


_TIME_HINT = re.compile(r"\d\s*:\s*\d|\d\s*時|正午")
_DATE_PART = re.compile(
    r"(?:(?:令和|平成|昭和)\s*(?:元|\d[\d ]*)\s*年|\d{4}\s*年)\s*"
    r"(?:[((]\s*\d{4}\s*年\s*[))]\s*)?\d[\d ]*\s*月\s*\d[\d ]*\s*日"
    r"(?:\s*[((][^))]{1,6}[))])?"
)


def _has_time(text: str) -> bool:
    return bool(_TIME_HINT.search(_without_date(text)))


def _without_date(text: str) -> str:
    return _DATE_PART.sub(" ", text)


def _active_type(lead: str | None) -> str | None:
    """The meeting the lead says was held: …危機管理連絡会議を開催…"""
    if not lead:
        return None
    for match in _ACTIVE_TYPE.finditer(lead):
        name = match["name"]
        for known in KNOWN_TYPES:
            if name.endswith(known):
                return with_body(known, name[: -len(known)])
        name = re.sub(r"^(?:.*とおり|本日|.*回)", "", name)
        if len(name) > 2:
            return name
    return None


def _normal(text: str) -> str:
    return re.sub(r"[\s「」『』]", "", text)


def _link_agenda(sections: list[SectionData], agenda: list[str]) -> None:
    """Point a section at the agenda topic it discusses, when its topic names one."""
    keys = [_normal(t) for t in agenda]
    for section in sections:
        topic = section.get("topic")
        if topic and _normal(topic) in keys:
            section["agenda_index"] = keys.index(_normal(topic))
