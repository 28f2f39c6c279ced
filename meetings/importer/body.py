"""The body: ■ sections with their item trees, topic headings, directives, groups."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from meetings.importer.header import marker_class
from meetings.importer.text import LIST_BULLETS, Line, join_wrapped, tidy
from meetings.importer.types import SpeakerInfo
from meetings.layout import KIND_WORDS, ItemData, SectionData, section_heading
from meetings.markers import BULLET_SYMBOLS, DEFAULT_HEADING_MARKER, LABEL_PATTERN

STRONG_MARKS = "■□◆◇"
WEAK_MARKS = "●○◎"

_GROUP = re.compile(
    r"^[((【〔<<\[]?\s*その他(?:の)?(?:報告事項|報告|の報告|事項)?\s*[))】〕>>\]]?$"
)
_ADVERB = re.compile(
    r"^(?:最後に|まず|次に|続いて|また|冒頭|冒頭に|はじめに|初めに|その後|引き続き|"
    r"併せて|さらに)[、,]?\s*"
)
_KIND = re.compile(
    r"(?P<word>説明|報告|指示)(?:事項)?(?:\s*[((]要旨[))])?"
    r"(?:を行った|を行いました|を受けた|を受けました|があった|がありました|"
    r"がなされた|が行われた|した|しました|された|する|あり|を実施)?[。.]?"
    r"(?:\s*[((](?:資料|別添|別紙)[^))]{0,10}[))])?$"
)
_FROM = re.compile(r"^(?P<speaker>.+?)(?:から|より)(?:の)?(?P<mid>.*)$")
_GENERIC_MID = re.compile(
    r"(?:次|以下|下記)の?(?:とおり|通り)|"
    r"(?:以下|次|下記)の(?:点|項目|事項|内容|こと|件)(?:等)?について|以下について"
)
_BACK_REFERENCE = re.compile(
    r"^(?:本事案|本件|当該事案|この事案|今回の事案|これ)(?:に対する|に係る|に関する|への)?"
    r"(?:各部局の)?(?:取組|対応|対策)(?:状況)?(?:等)?について$"
)
_RECIPIENTS = re.compile(r"(?P<rec>[^、,\s]+?)(?:に|へ)(?:対し(?:て)?)?[、,]?\s*$")
_ORG_SUFFIX = re.compile(
    r"(?:課|部|局|室|本部|長|監|官|知事|台|隊|署|所|会|センター|庁|省|協会|\(株\)|社|"
    r"院|団|班|チーム|市|町|村|組合|機構|委員|各部局|各課|関係部局|部局|機関|県警)$"
)
_BARE_ORG = re.compile(
    r"^[^\s、。「」()()]{0,25}(?:課|部|局|室|本部|気象台|センター|庁|省|署|隊|協会|"
    r"医師会|\(株\)|保安部|事務所|知事|[^\s、。]長|政策監|危機管理監|委員会|保健所|"
    r"病院|事務局|団|協議会|機構|公社)$"
)
# 健康福祉部より / 都市整備課から: a department heading without 説明 or 報告.
_FROM_ONLY = re.compile(r"^(?P<org>.+?)(?:より|から)$")


def bare_org_header(text: str) -> SpeakerInfo | None:
    """A heading that only names who spoke: 危機管理課, 健康福祉部より, 【河川整備課】."""
    text = _ADVERB.sub("", text.strip())
    match = _FROM_ONLY.match(text)
    org = match["org"].strip(" 、,") if match else text
    if not _BARE_ORG.match(org) or len(org) < 2:
        return None
    # A department's block of items without a verb is its explanation (the editor's
    # default kind); the heading stays as written.
    return {"kind": "explanation", "speaker": org, "recipients": None, "topic": None}


_PART = re.compile(r"^(?P<number>\d{1,2}) +(?P<text>[^\d\s][^。]{0,30})$")
ITEM_MARKER = re.compile(
    r"^(?P<marker>"
    r"[((](?:\d{1,2}|[ア-ン]|[a-zA-Z]|[一二三四五六七八九十]{1,3})[))]"
    r"|[①-⑳㉑-㉟]|[⑴-⒇]|[⒈-⒛]"
    r"|\d{1,2}[.)](?![\d.])"
    r"|[ア-ン][.)]"
    r"|[ア-ン] (?=\S)"
    rf"|[{BULLET_SYMBOLS}]"
    r"|[-−‐―](?=[^\d\s\-−‐―])"
    r"|[-−‐―](?= )"
    r"|\d{1,2} (?=[^\d\s年月日時分])"
    r")\s*(?P<text>.*)$"
)
_SENTENCE_END = ("。", "。)", "。」", "。)")
_LABEL = re.compile(LABEL_PATTERN)
# Item classes that head a sub-heading when items stand under them: (1) ⑴ 1. ア (ア),
# and a label line such as (概要). ① and the bullets (・ ○ ●) stay items.
LABEL_CLASS = "label"
SUBHEADING_CLASSES = {
    "(9)",
    "(ア)",
    "⑴",
    "⒈",
    "9.",
    "9)",
    "ア",
    "ア.",
    "ア)",
    LABEL_CLASS,
}
SUBHEADING_MAX_LENGTH = 40


def mark_subheadings(items: list[ItemData], classes: dict[int, str]) -> None:
    """Set ``heading`` on the items that are sub-headings: a short line of a
    sub-heading class ((1)…, (概要)) with the items it heads nested under it."""
    for item in items:
        mark_subheadings(item["children"], classes)
        text = item["text"]
        if (
            item["children"]
            and classes.get(id(item)) in SUBHEADING_CLASSES
            and len(text) <= SUBHEADING_MAX_LENGTH
            and "。" not in text
        ):
            item["heading"] = True


_CONTINUING_END = tuple("、,(「『:・") + ("及び", "並びに")


# --- headers ----------------------------------------------------------------------


def parse_speaker_header(text: str, *, strict: bool = False) -> SpeakerInfo | None:
    """■XXから説明 and its variants -> kind, speaker, recipients, topic; else None.

    `strict` is for ○/● lines, which are more often items than headers: the speaker
    must then be short and end like an organisation or a post.
    """
    if "説明" not in text and "報告" not in text and "指示" not in text:
        return None
    text = re.sub(r"^\d{1,2} +", "", text.strip())
    text = _ADVERB.sub("", text)
    kind_match = _KIND.search(text)
    if kind_match is None:
        return None
    kind = {"説明": "explanation", "報告": "report", "指示": "directive"}[
        kind_match["word"]
    ]
    before = text[: kind_match.start()]
    from_match = _FROM.match(before)
    if from_match:
        speaker = from_match["speaker"].strip(" 、,")
        mid = from_match["mid"]
    else:
        speaker = re.sub(r"(?:から|の)$", "", before.strip(" 、,"))
        mid = ""
        if not speaker and kind == "directive" and not mid:
            # 【指示事項】: a directive whose issuer the page does not name.
            return {"kind": kind, "speaker": None, "recipients": None, "topic": None}
        if not speaker or len(speaker) > 12 or not _ORG_SUFFIX.search(speaker):
            return None
    if (
        not speaker
        or len(speaker) > 40
        or "。" in speaker
        or "「" in speaker
        or speaker[0].isdigit()
    ):
        return None
    if strict:
        if "。" in text.rstrip("。"):
            return None
        parts = re.split(r"、|,|及び|並びに|と(?=[^、,]*(?:課|部|局|台))", speaker)
        if not all(
            _ORG_SUFFIX.search(p.strip()) and len(p.strip()) <= 20
            for p in parts
            if p.strip()
        ):
            return None
    mid = _GENERIC_MID.sub("", mid).strip(" 、,")
    recipients = None
    if kind == "directive":
        rec_match = _RECIPIENTS.search(mid)
        if rec_match:
            recipients = rec_match["rec"]
            mid = mid[: rec_match.start()].strip(" 、,")
    topic = re.sub(r"(?:の|を)$", "", mid).strip(" 、,") or None
    if topic and _BACK_REFERENCE.match(topic):
        topic = None  # 本事案に対する取組について names no topic of its own
    return {"kind": kind, "speaker": speaker, "recipients": recipients, "topic": topic}


def _bare_directive(info: SpeakerInfo | None, text: str) -> bool:
    """【副部長指示事項】: a directive header naming only the issuer."""
    return bool(
        info and info["kind"] == "directive" and not _FROM.match(_ADVERB.sub("", text))
    )


# --- line classification ----------------------------------------------------------


@dataclass(slots=True)
class Token:
    kind: str  # group | section | topic | part | subdirective | item | text
    line: Line
    text: str = ""  # header text without its mark, or item text
    marker: str = ""
    weak: bool = False  # a ○/● section header (may sit under a topic heading)
    info: SpeakerInfo | None = None
    bullet: bool = False  # came with a rendered list bullet
    mark: str = DEFAULT_HEADING_MARKER  # a heading's own mark: ■ ● ◆ ○ 【】 or ""
    label: bool = False  # an item that is a label standing alone: (概要)


def strip_bullet(text: str) -> tuple[str, bool]:
    if len(text) > 2 and text[0] in LIST_BULLETS and text[1] == " ":
        return text[2:].lstrip(), True
    return text, False


def heading_token(line: Line, rest: str, mark: str) -> Token:
    """A marked heading line (■…, or ● where the page heads its sections with ●)."""
    if _GROUP.match(rest):
        return Token("group", line, rest)
    if part := _PART.match(rest):
        if _GROUP.match(part["text"]):
            return Token("group", line, part["text"])
        return Token(
            "part", line, part["text"], info=parse_speaker_header(part["text"])
        )
    info = parse_speaker_header(rest) or bare_org_header(rest)
    if info:
        return Token("section", line, rest, info=info, mark=mark)
    return Token("topic", line, rest, mark=mark)


def _heading_like(token: Token) -> bool:
    """A ●/○ line that reads as a heading: short, not a sentence."""
    text = token.text
    return (
        token.kind == "item"
        and len(text) <= 60
        and "。" not in text
        and not text.endswith(("、", ","))
    )


def _plain_department_headings(tokens: list[Token]) -> list[Token]:
    """危機管理課 / 健康福祉部より standing alone in the text, followed by items: a
    section heading written as plain text (no ■)."""
    found = list(tokens)
    for n, token in enumerate(tokens):
        following = tokens[n + 1] if n + 1 < len(tokens) else None
        if following is None or following.kind != "item" or len(token.text) > 30:
            continue
        if token.kind == "item":
            # (1)総務課 / ・…: numbered department headings (the number is kept).
            cls = marker_class(token.marker)
            if cls not in _NUMBERED_HEADS or marker_class(following.marker) == cls:
                continue
            info = bare_org_header(token.text)
            if info:
                heading = f"{token.marker}{token.text}"
                found[n] = Token("section", token.line, heading, info=info, mark="")
            continue
        if token.kind != "text":
            continue
        previous = tokens[n - 1] if n else None
        if previous is not None and previous.kind == "item":
            if not token.line.blank_before:
                continue  # a wrapped line of the item above
            cls = marker_class(previous.marker)
            if cls in _NUMBERED_HEADS and marker_class(following.marker) == cls:
                continue  # (1)気象の状況 / 徳島地方気象台 / (2)…: who reported it
        info = bare_org_header(token.text)
        if info:
            found[n] = Token("section", token.line, token.text, info=info, mark="")
    return found


_NUMBERED_HEADS = {"(9)", "⑴", "9.", "9)", "①", "⒈"}


_INLINE_ITEM = re.compile(
    rf"^(?P<head>.+?)(?:\s+|[::]\s*)(?P<item>[{BULLET_SYMBOLS}]\s*\S.*)$"
)
_INLINE_TEXT = re.compile(r"^(?P<head>.+?(?:説明|報告|指示))[::]\s*(?P<item>\S.*)$")
_HEADING_KINDS = {"section", "topic"}


def _mend_headings(tokens: list[Token]) -> list[Token]:
    """Headings that the page broke or ran on:

    - a heading wrapped onto the next line (■徳島地方気象台から、「…」について / 説明);
    - the first item on the heading's line (■…から説明 ・本日… or ■…から説明:本日…),
      which becomes the section's first item.
    """
    mended: list[Token] = []
    skip = False
    for n, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        following = tokens[n + 1] if n + 1 < len(tokens) else None
        if (
            token.kind == "topic"
            and following is not None
            and following.kind == "text"
            and len(following.text) <= 20
            and not following.line.blank_before
        ):
            joined = token.text + following.text
            if parse_speaker_header(joined):
                mended.append(heading_token(token.line, joined, token.mark))
                skip = True
                continue
        if token.kind in _HEADING_KINDS and not (token.info and token.info["speaker"]):
            split = _INLINE_ITEM.match(token.text) or _INLINE_TEXT.match(token.text)
            if split and parse_speaker_header(split["head"]):
                mended.append(heading_token(token.line, split["head"], token.mark))
                item_line = Line(
                    token.line.number, token.line.indent + 2, split["item"]
                )
                mended.append(classify(item_line))
                continue
        mended.append(token)
    return mended


def promote_weak_headings(tokens: list[Token]) -> list[Token]:
    """● (or ○, ◎) lines that head sections, as ■ does on most pages.

    The mark is read from the first heading of the body: when it is a ●/○ line that
    reads as a heading, lines with that mark are headings wherever they head items of
    another mark. When the page starts with ■, a ● line is a heading only after a
    blank line that ends a section (the ■ page's own ● lines are sub-headings).
    Lines that are sentences, or that are followed by an item of the same mark,
    stay items.
    """
    tokens = _plain_department_headings(tokens)
    strong = {"section", "topic", "part", "subdirective", "group"}
    first_heading = next(
        (
            n
            for n, t in enumerate(tokens)
            if t.kind in strong
            or (t.kind == "item" and t.marker in WEAK_MARKS and _heading_like(t))
        ),
        None,
    )
    if first_heading is None:
        return tokens
    head = tokens[first_heading]
    if head.kind == "item":
        mark, everywhere = head.marker, True
    elif head.weak:
        mark, everywhere = head.mark, True
    else:
        mark, everywhere = "●", False
    heading_indent = min(
        (t.line.indent for t in tokens if t.kind in strong and not t.weak),
        default=0,
    )
    promoted = list(tokens)
    for n, token in enumerate(tokens):
        if token.kind != "item" or token.marker != mark or not _heading_like(token):
            continue
        following = tokens[n + 1] if n + 1 < len(tokens) else None
        if following is None or (
            following.kind == "item"
            and marker_class(following.marker) == marker_class(mark)
        ):
            continue  # a list of ● items
        if not everywhere:
            previous = tokens[n - 1] if n else None
            if (
                n < first_heading
                or not token.line.blank_before
                or previous is None
                or previous.kind not in {"item", "text"}
                or token.line.indent > heading_indent
            ):
                continue
        promoted[n] = heading_token(token.line, token.text, mark)
    return promoted


def classify(line: Line) -> Token:
    text, bullet = strip_bullet(line.text)
    if _GROUP.match(text):
        return Token("group", line, text)
    first = text[0]
    if first in STRONG_MARKS:
        rest = text[1:].strip()
        if not rest:
            return Token("text", line, text)
        return heading_token(line, rest, first)
    if first == "【" and text.endswith("】") and text.count("【") == 1:
        inner = text[1:-1].strip()
        if not inner:
            return Token("text", line, text)
        if _GROUP.match(inner):
            return Token("group", line, inner)
        info = parse_speaker_header(inner)
        if info and _bare_directive(info, inner):
            return Token("subdirective", line, inner, info=info, mark="【】")
        info = info or bare_org_header(inner)
        if info:
            return Token("section", line, inner, info=info, mark="【】")
        return Token("topic", line, inner, mark="【】")
    if first in WEAK_MARKS:
        rest = text[1:].strip()
        info = parse_speaker_header(rest, strict=True)
        if info:
            return Token("section", line, rest, weak=True, info=info, mark=first)
    if (part := _PART.match(text)) and not part["text"].endswith("、"):
        if _GROUP.match(part["text"]):
            return Token("group", line, part["text"])
        return Token(
            "part", line, part["text"], info=parse_speaker_header(part["text"])
        )
    if first not in "・-(":
        info = parse_speaker_header(text, strict=True)
        if info and len(text) <= 30 and not text.endswith("。"):
            return Token("section", line, text, info=info, mark="")
    if _LABEL.match(text) and not parse_speaker_header(text[1:-1]):
        # (概要): a label standing alone heads the items under it.
        return Token("item", line, text, marker="", bullet=bullet, label=True)
    match = ITEM_MARKER.match(text)
    if match and match["text"]:
        return Token("item", line, match["text"], marker=match["marker"], bullet=bullet)
    if bullet:
        return Token("item", line, text, marker="•", bullet=True)
    return Token("text", line, text)


# --- assembly ---------------------------------------------------------------------


_HEADING_MARKERS = {"(9)", "⑴", "9.", "9)", "①", "(ア)", "ア", "9"}


def _heads_sections(token: Token, next_tokens: _Following) -> bool:
    """A short numbered line whose next line is a section header."""
    if (
        marker_class(token.marker) not in _HEADING_MARKERS
        or len(token.text) > 40
        or "。" in token.text
    ):
        return False
    following = next(iter(next_tokens), None)
    return following is not None and following.kind in {"section", "subdirective"}


class _Following:
    """The tokens after one token, without copying the list for every token."""

    __slots__ = ("tokens", "start")

    def __init__(self, tokens: list[Token], start: int) -> None:
        self.tokens, self.start = tokens, start

    def __iter__(self) -> Iterator[Token]:
        return (self.tokens[n] for n in range(self.start, len(self.tokens)))

    def back(self) -> _Following:
        """These tokens with the current one in front."""
        return _Following(self.tokens, self.start - 1)


@dataclass(slots=True)
class _Open:
    item: ItemData
    cls: str
    indent: int
    lines: list[str] = field(default_factory=list)

    @property
    def last_line(self) -> str:
        return self.lines[-1] if self.lines else ""


@dataclass
class BodyBuilder:
    separator: str
    sections: list[SectionData] = field(default_factory=list)
    group: str = "main"
    current: SectionData | None = None
    stack: list[_Open] = field(default_factory=list)
    opened: list[_Open] = field(default_factory=list)  # every item of the section
    indent_mode: bool = False
    topic_context: str | None = None
    topic_mark: str = DEFAULT_HEADING_MARKER
    pending_topic: Token | None = None
    unplaced: list[Line] = field(default_factory=list)

    # sections
    def _finish_items(self) -> None:
        for entry in self.opened:
            entry.item["text"] = tidy(join_wrapped(entry.lines))
        if self.current is not None:
            classes = {id(entry.item): entry.cls for entry in self.opened}
            mark_subheadings(self.current["items"], classes)
        self.stack = []
        self.opened = []

    def _new_section(
        self,
        info: SpeakerInfo,
        verbatim: str,
        *,
        topic: str | None = None,
        topic_heading: bool = False,
        mark: str = DEFAULT_HEADING_MARKER,
    ) -> SectionData:
        self._close_section()
        section: SectionData = {
            "kind": info["kind"],
            "speaker": info.get("speaker"),
            "recipients": info.get("recipients"),
            "topic": topic if topic is not None else info.get("topic"),
            "topic_heading": topic_heading,
            "heading": None,
            "group": self.group,
            "agenda_index": None,
            "items": [],
        }
        # Under a topic heading the layout always prints ○XXからの報告, so only a
        # directive there keeps a verbatim heading.
        keep = not topic_heading or section["kind"] == "directive"
        if keep and verbatim != self._regenerated(section):
            section["heading"] = verbatim
        if mark != DEFAULT_HEADING_MARKER:
            section["marker"] = mark
        self.sections.append(section)
        self.current = section
        self.indent_mode = False
        return section

    def _regenerated(self, section: SectionData) -> str:
        if section["topic_heading"]:
            if section["kind"] == "directive":
                untopped: SectionData = {
                    **section,
                    "topic": None,
                    "topic_heading": False,
                }
                return section_heading(untopped, self.separator)
            word = KIND_WORDS.get(section["kind"], "")
            speaker = section["speaker"] or ""
            return f"{speaker}からの{word}" if word else speaker
        return section_heading(section, self.separator)

    def _close_section(self) -> None:
        if self.current is not None:
            self._finish_items()
            self._speaker_from_subheading(self.current)
            self._split_reporters(self.current)
        self.current = None

    def _speaker_from_subheading(self, section: SectionData) -> None:
        """●年末年始の危機事象対応について / (1)危機管理部からの報告 / ・…: the topic
        section's speaker is the one its sub-headings name (the heading stays)."""
        if section["speaker"] or section["kind"] != "other" or not section["topic"]:
            return
        found = {
            (info["kind"], info["speaker"])
            for item in section["items"]
            if item.get("heading")
            and (info := parse_speaker_header(item["text"], strict=True))
            and info["speaker"]
        }
        if len(found) != 1:
            return
        [(kind, speaker)] = found
        section["heading"] = section["heading"] or section["topic"]
        section["kind"], section["speaker"] = kind, speaker

    def _split_reporters(self, section: SectionData) -> None:
        """(1)気象の状況 / 徳島地方気象台: a list of who reported on what.

        Under a heading such as 1 現在の状況, each numbered topic holds only the name
        of the body that reported; each pair becomes a report section.
        """
        items = section["items"]
        if section["speaker"] or section["kind"] != "other" or not items:
            return
        for item in items:
            children = item["children"]
            if (
                marker_class(item["marker"]) not in {"(9)", "⑴", "9.", "9)", "①"}
                or len(children) != 1
                or children[0]["marker"]
                or children[0]["children"]
                or len(children[0]["text"]) > 60
                or "。" in children[0]["text"]
            ):
                return
        reports = []
        for item in items:
            report: SectionData = {
                **section,
                "kind": "report",
                "speaker": item["children"][0]["text"],
                "topic": item["text"],
                "topic_heading": True,
                "heading": None,
                "items": [],
            }
            reports.append(report)
        index = next(n for n, s in enumerate(self.sections) if s is section)
        self.sections[index : index + 1] = reports

    def _open_pending_topic(self, tokens: _Following | None = None) -> bool:
        """A topic heading with items (or nothing) under it, but no speaker line,
        is a section of its own: ■県内の状況 / ・…"""
        if self.pending_topic is None:
            return False
        token = self.pending_topic
        self.pending_topic = None
        self.topic_context = None
        info: SpeakerInfo = {
            "kind": "other",
            "speaker": None,
            "recipients": None,
            "topic": None,
        }
        self._new_section(info, token.text, topic=token.text, mark=token.mark)
        if tokens is not None:
            self._start_items(tokens)
        return True

    # tokens
    def build(self, tokens: list[Token]) -> None:
        tokens = promote_weak_headings(_mend_headings(tokens))
        for n, token in enumerate(tokens):
            getattr(self, f"_on_{token.kind}")(token, _Following(tokens, n + 1))
        self._open_pending_topic()
        self._close_section()

    def _on_group(self, token: Token, _: _Following) -> None:
        self._open_pending_topic()
        self._close_section()
        self.group = "other_reports"
        self.topic_context = None

    def _on_topic(self, token: Token, _: _Following) -> None:
        self._open_pending_topic()
        self._close_section()
        self.topic_context = None
        self.pending_topic = token

    def _on_section(self, token: Token, next_tokens: _Following) -> None:
        assert token.info is not None
        topic = None
        if self.pending_topic is not None:
            self.topic_context = self.pending_topic.text
            self.topic_mark = self.pending_topic.mark
            self.pending_topic = None
            topic = self.topic_context
        elif token.weak and self.topic_context:
            topic = self.topic_context
        else:
            self.topic_context = None
        if topic is not None:
            self._new_section(
                token.info,
                token.text,
                topic=topic,
                topic_heading=True,
                mark=self.topic_mark,
            )
        else:
            self._new_section(token.info, token.text, mark=token.mark)
        self._start_items(next_tokens)

    def _on_part(self, token: Token, next_tokens: _Following) -> None:
        """1 現在の状況 reads as a topic heading, 2 本部長指示(要旨) as a section."""
        if token.info:
            self._open_pending_topic()
            self.topic_context = None
            self._new_section(token.info, token.text)
            self._start_items(next_tokens)
        else:
            self._on_topic(token, next_tokens)

    def _on_subdirective(self, token: Token, next_tokens: _Following) -> None:
        section = self.current
        if (
            section is not None
            and section["kind"] == "directive"
            and not section["items"]
            and self.pending_topic is None
        ):
            first = section["heading"] or self._regenerated(section)
            section["heading"] = f"{first}\n【{token.text}】"
            return
        self._on_section(token, next_tokens)

    def _start_items(self, next_tokens: _Following) -> None:
        """Choose how to nest: by indentation when the page indents consistently."""
        indents = []
        for token in next_tokens:
            if token.kind not in {"item", "text"}:
                break
            if token.kind == "item" and not token.label:
                # A label ((概要)) is often indented by one space: it does not decide.
                indents.append(token.line.indent)
                if token.bullet:
                    self.indent_mode = True
                    return
        base = min(indents) if indents else 0
        # Two-space steps, or a few levels of any step (a label block indented by one).
        self.indent_mode = len(set(indents)) > 1 and (
            all((i - base) % 2 == 0 for i in indents) or max(indents) - base <= 2
        )

    def _on_item(self, token: Token, next_tokens: _Following) -> None:
        if _heads_sections(token, next_tokens) and not any(
            entry.cls == marker_class(token.marker) for entry in self.stack
        ):
            # (1)県内の状況 above ■ sections is a topic heading, not an item.
            self._on_topic(token, next_tokens)
            return
        if self.current is None and not self._open_pending_topic(next_tokens.back()):
            self.unplaced.append(token.line)
            return
        label = token.label
        self._place(token.marker, token.text, token.line.indent, label=label)

    def _on_text(self, token: Token, next_tokens: _Following) -> None:
        if self.current is None and not self._open_pending_topic(next_tokens.back()):
            self.unplaced.append(token.line)
            return
        line = token.line
        if not self.stack:
            self._place("", token.text, line.indent, paragraph="root")
            return
        top = self.stack[-1]
        last = top.last_line
        ends_sentence = last.endswith(_SENTENCE_END)
        continuing = last.endswith(_CONTINUING_END) or (
            bool(re.search(r"[\u3041-\u309f]$", last)) and not last.endswith("について")
        )
        deeper = line.indent > top.indent
        short = len(last) <= 16
        if not line.blank_before:
            if ends_sentence and not deeper:
                placement = "root"
            elif short and deeper and not continuing and not ends_sentence:
                placement = "child"
            else:
                placement = "continue"
        elif continuing or (not ends_sentence and len(last) >= 20):
            placement = "continue"
        elif deeper and not ends_sentence:
            placement = "child"
        else:
            placement = "root"
        if placement == "continue":
            top.lines.append(token.text)
            return
        self._place("", token.text, line.indent, paragraph=placement)

    def _place(
        self,
        marker: str,
        text: str,
        indent: int,
        *,
        paragraph: str | None = None,
        label: bool = False,
    ) -> None:
        assert self.current is not None
        cls = LABEL_CLASS if label else (marker_class(marker) if marker else "")
        if paragraph == "root":
            self.stack = []
        elif paragraph == "child":
            pass
        elif label and not self.indent_mode:
            # A label never stands under a bullet: back to the sub-heading it is in.
            while self.stack and self.stack[-1].cls not in SUBHEADING_CLASSES - {
                LABEL_CLASS
            }:
                self.stack.pop()
        elif self.indent_mode:
            while self.stack and self.stack[-1].indent > indent:
                self.stack.pop()
            if label:
                # At the indent of a bullet, a label is its sibling, not its child.
                while (
                    self.stack
                    and self.stack[-1].indent == indent
                    and self.stack[-1].cls not in SUBHEADING_CLASSES - {LABEL_CLASS}
                ):
                    self.stack.pop()
            elif self.stack and self.stack[-1].indent == indent:
                same = [
                    n
                    for n in range(len(self.stack) - 1, -1, -1)
                    if self.stack[n].indent == indent
                ]
                hit = next((n for n in same if self.stack[n].cls == cls), None)
                if hit is not None:
                    del self.stack[hit:]
        else:
            hit = next(
                (
                    n
                    for n in range(len(self.stack) - 1, -1, -1)
                    if self.stack[n].cls == cls
                ),
                None,
            )
            if hit is not None:
                del self.stack[hit:]
        item: ItemData = {"marker": marker, "text": "", "children": []}
        if self.stack:
            self.stack[-1].item["children"].append(item)
        else:
            self.current["items"].append(item)
        entry = _Open(item, cls, indent, [text])
        self.stack.append(entry)
        self.opened.append(entry)
