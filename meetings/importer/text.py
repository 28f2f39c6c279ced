"""Page text preparation: HTML to text, width normalisation, lines, page chrome."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

# --- character normalisation ------------------------------------------------------

# The archive writes ASCII for full-width letters, digits and punctuation
# (the reference pages read 17:30 ~ 17:45, (月), R4.6.20), so the importer does too.
_WIDTH: dict[int, int | None] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH.update(
    {
        0x3000: 0x20,  # ideographic space
        0x00A0: 0x20,  # no-break space (indentation on the published pages)
        0x2002: 0x20,
        0x2003: 0x20,
        0x2009: 0x20,
        0x200B: None,  # zero-width space
        0xFEFF: None,  # byte-order mark
        0x0009: 0x20,
    }
)
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]+")
_LINK_NOTES = re.compile(
    r"\s*[((](?:別ウィンドウ|新しいウィンドウ|別窓|外部サイト)[^))]{0,20}[))]"
)


_NEEDS_WIDTH = re.compile("[\uff01-\uff5e\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff\t]")


def normalize_text(text: str) -> str:
    """Full-width ASCII to ASCII, odd spaces to spaces, CRLF to LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _NEEDS_WIDTH.search(text):  # translate() is slow; most pages need none
        text = text.translate(_WIDTH)
    if _HALFWIDTH_KANA.search(text):
        text = _HALFWIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m[0]), text)
    return _LINK_NOTES.sub("", text)


# Word processors leave spaces inside numbers: 令和2 年12 月18 日, 計22 名, 17:40 分.
_NUMBER_SPACES = re.compile(
    r"(?<=\d) +(?=\d)"
    r"|(?<=\d) +(?=[年月日時分秒名人件回階号])"
    r"|(?<=\d[年月時]) +(?=\d)"
    r"|(?<=[和成]) +(?=[\d元]+ *年)"
)


def tidy(text: str) -> str:
    """A value as written, without stray spaces inside numbers or at the ends."""
    text = text.strip()
    return _NUMBER_SPACES.sub("", text) if " " in text else text


_ASCII_WORD_END = re.compile(r"[A-Za-z0-9]$")
_ASCII_WORD_START = re.compile(r"^[A-Za-z0-9]")


def join_wrapped(parts: list[str]) -> str:
    """Join hard-wrapped pieces of one sentence (no space between Japanese)."""
    text = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if text and _ASCII_WORD_END.search(text) and _ASCII_WORD_START.search(part):
            text += " "
        text += part
    return text


# --- lines ------------------------------------------------------------------------


@dataclass(slots=True)
class Line:
    number: int  # 1-based, in the page text (the text made from HTML for HTML input)
    indent: int
    text: str  # stripped
    blank_before: bool = False


# A browser's rendering of <ul>/<ol> puts a bullet before each <li>: "• ■…", "• ・…".
LIST_BULLETS = "•◦▪‣"


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    blank = False
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped:
            blank = True
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        lines.append(Line(number, indent, stripped, blank))
        blank = False
    return lines


# --- page chrome ------------------------------------------------------------------

_CHROME_EXACT = {
    "文字サイズ",
    "文字の大きさ",
    "標準",
    "大",
    "小",
    "拡大",
    "縮小",
    "元に戻す",
    "背景色",
    "背景色変更",
    "白",
    "黒",
    "青",
    "黄",
    "印刷",
    "印刷する",
    "印刷用ページ",
    "ページの先頭へ",
    "このページの先頭へ",
    "ページの先頭へ戻る",
    "このページの先頭へ戻る",
    "ページトップへ",
    "ページトップ",
    "先頭に戻る",
    "前のページへ戻る",
    "前のページに戻る",
    "本文",
    "本文へ",
    "本文へ移動",
    "本文へスキップ",
    "メニュー",
    "メニューを開く",
    "閉じる",
    "検索",
    "サイト内検索",
    "サイトマップ",
    "ホーム",
    "トップページ",
    "現在位置",
    "現在地",
    "English",
    "Language",
    "Foreign Language",
    "ツイート",
    "シェア",
    "ポスト",
    "LINEで送る",
    "Facebook",
    "X",
    "関連リンク",
    "関連情報",
    "添付ファイル",
    "会議資料",
    "【会議資料】",
    "関連資料",
    "資料",
    "ダウンロード",
    "PDFファイル",
    "このページについて",
    "以上",
    "(以上)",
    "-以上-",
    "- 以上 -",
}
_CHROME_PREFIX = re.compile(
    r"^(?:やさしいブラウザ|音声読み上げ|ふりがな|ルビ|ページ番号|ページID|ID:|"
    r"更新日|最終更新日|公開日|Adobe|Get Adobe|PDF(?:形式の)?ファイルを|"
    r"PDF形式|PDFファイルの閲覧|PDFを(?:ご覧|閲覧)|このページに関するアンケート|"
    r"このページの情報は|より良いウェブサイト|このページは見つけやすかったですか|"
    r"このページの内容は|質問\d*[::]|Copyright|copyright|\(C\)|©|法人番号|"
    r"開庁時間|県庁の開庁時間|個人情報|ウェブアクセシビリティ|サイトポリシー|"
    r"リンク・著作権|Foreign Language|Select Language|翻訳|表示切替|"
    r"スマートフォン版|パソコン版|PC版)"
)
_BREADCRUMB = re.compile(
    r"^(?:ホーム|トップページ|トップ|TOP|Home|徳島県[^\s>]{0,6})\s*[>>»›/]"
)
_BREADCRUMB_SEPARATORS = re.compile(r"\s[>>»›]\s")


def is_chrome(text: str) -> bool:
    """Site navigation and widgets that surround the meeting on a web page."""
    if text in _CHROME_EXACT:
        return True
    if _CHROME_PREFIX.match(text) or _BREADCRUMB.match(text):
        return True
    if not any(separator in text for separator in ">>»›"):
        return False
    return len(_BREADCRUMB_SEPARATORS.findall(text)) >= 2


# --- HTML -------------------------------------------------------------------------

_HTML_HINT = re.compile(
    r"<(?:!doctype|html|body|p|div|br|li|ul|ol|table|h[1-6]|span|a|main)\b", re.I
)
_SKIP_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "title",
    "svg",
    "iframe",
    "select",
    "button",
    "nav",
    "form",
}
_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "thead",
    "tr",
    "ul",
}
_PARAGRAPH_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "pre", "dl"}
_VOID_TAGS = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col"}
_MAIN_HINT = re.compile(
    r"(?:^|[\s_-])(?:tmp_contents|main|contents?|main_?body|maincontents?|article|"
    r"detail|inquiry|toiawase|contact)(?:$|[\s_-])",
    re.I,
)
_TITLE_WORDS = re.compile(r"会議|開催|結果")
_CONTENT_WORDS = ("日時", "出席者", "■", "開催", "会議")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:5000]))


class _TextExtractor(HTMLParser):
    """Turn a page into text the way a browser shows it, lists with bullets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[str, bool]] = []  # (line, inside main content)
        self._chunks: list[str] = []
        self._prefix = ""
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, skip, main)
        self._lists: list[list[int | str]] = []  # [kind, counter]
        self._pre = 0
        self.has_main = False
        self.page_title = ""

    # state helpers
    @property
    def _skipping(self) -> bool:
        return any(skip for _, skip, _ in self._stack)

    @property
    def _in_main(self) -> bool:
        return any(main for _, _, main in self._stack)

    def _flush(self, paragraph: bool = False) -> None:
        raw = "".join(self._chunks)
        self._chunks = []
        if self._pre:
            text = raw.rstrip("\n")
        else:
            text = re.sub(
                r"[ \t\r\f]*\n\s*",
                lambda m: self._newline_space(raw, m),
                raw,
            )
            text = re.sub(r"[ \t\r\f]+", " ", text).strip()
        if text:
            for part in text.split("\n"):
                self.lines.append((self._prefix + part, self._in_main))
                self._prefix = " " * len(self._prefix)
        self._prefix = ""
        if paragraph and self.lines and self.lines[-1][0] != "":
            self.lines.append(("", self._in_main))

    @staticmethod
    def _newline_space(raw: str, match: re.Match[str]) -> str:
        before = raw[match.start() - 1] if match.start() > 0 else ""
        after = raw[match.end()] if match.end() < len(raw) else ""
        return "" if _CJK.match(before) and _CJK.match(after) else " "

    def _close(self, tag: str) -> None:
        if not any(t == tag for t, _, _ in self._stack):
            return
        while self._stack:
            top, _, _ = self._stack.pop()
            if top in {"ul", "ol"} and self._lists:
                self._lists.pop()
            if top == "pre":
                self._pre -= 1
            if top == tag:
                break

    # HTMLParser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            if tag in {"br", "hr"} and not self._skipping:
                self._flush()
            return
        if tag in {"p", "li"} and self._stack and self._stack[-1][0] == tag:
            self._close(tag)  # an unclosed <p> or <li> ends where the next begins
        attr = dict(attrs)
        hint = f"{attr.get('id') or ''} {attr.get('class') or ''}"
        main = tag in {"main", "article"} or bool(_MAIN_HINT.search(hint))
        if main:
            self.has_main = True
        self._stack.append((tag, tag in _SKIP_TAGS, main))
        if self._skipping:
            return
        if tag in _BLOCK_TAGS or tag == "li":
            self._flush(paragraph=tag in _PARAGRAPH_TAGS)
        if tag == "pre":
            self._pre += 1
        if tag in {"ul", "ol"}:
            start = attr.get("start") or "1"
            self._lists.append([tag, int(start) if start.isdigit() else 1])
        elif tag == "li":
            depth = max(1, len(self._lists))
            if self._lists and self._lists[-1][0] == "ol":
                counter = self._lists[-1]
                value = attr.get("value")
                if value and value.isdigit():
                    counter[1] = int(value)
                marker = f"{counter[1]}. "
                counter[1] = int(counter[1]) + 1
            else:
                marker = "• "
            self._prefix = "  " * depth + marker
        elif tag in {"td", "th"} and self._chunks:
            self._chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS:
            return
        was_skipping = self._skipping
        self._close(tag)
        if was_skipping and self._skipping:
            return
        if tag in _BLOCK_TAGS or tag == "li":
            self._flush(
                paragraph=tag in _PARAGRAPH_TAGS
                or (tag in {"ul", "ol"} and not self._lists)
            )

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1][0] == "title":
            self.page_title += data
        if not self._skipping:
            self._chunks.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_to_text(html: str) -> str:
    """The visible text of an HTML page; the main content only when it is marked."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = extractor.lines
    main_text = "".join(text for text, main in lines if main)
    if extractor.has_main and any(word in main_text for word in _CONTENT_WORDS):
        # Keep the page title (often an <h1> above the main block) with the content.
        first_main = next(n for n, (text, main) in enumerate(lines) if main and text)
        before = [
            text for text, _ in lines[:first_main] if text and not is_chrome(text)
        ]
        title_lines = [t for t in before if "会議" in t or "開催" in t][-1:]
        kept = title_lines + [""] + [text for text, main in lines[first_main:] if main]
    else:
        kept = [text for text, _ in lines]
    # A page whose body has no title line: use <title> without the site name.
    title = re.split(r"\s*[||]\s*|\s+-\s+", extractor.page_title.strip())[0]
    head = [t for t in kept if t.strip() and not is_chrome(t.strip())][:3]
    if title and not any(
        _TITLE_WORDS.search(t) and not t.rstrip().endswith("。") for t in head
    ):
        kept = [title, ""] + kept
    return "\n".join(kept)
