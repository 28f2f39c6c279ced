"""The reading version of a rendered page: ``<ruby>`` over the kanji of every text
node of ``<body>``, the page otherwise unchanged.

Copying the page gives the plain text: the readings are in ``<rt>`` (and the
parentheses of browsers without ruby in ``<rp>``), which ``reading.css`` leaves out
of a selection (``user-select: none``). Attributes, ``<title>``, scripts, form
options and text already in ``<ruby>`` are left alone.
"""

from __future__ import annotations

import html
import re

from meetings.reading.yomi import HAS_KANJI, Reader, align

TOKEN = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+", re.S)
TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9]+)")
# Elements whose text gets no readings (and everything inside them).
SKIP = {
    "head",
    "title",
    "script",
    "style",
    "textarea",
    "option",
    "ruby",
    "rt",
    "rp",
    "code",
    "svg",
    "template",
}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


def ruby_text(text: str, reader: Reader) -> str:
    """Escaped HTML of ``text`` (plain, unescaped) with ruby over its kanji."""
    out = []
    for segment in reader.segments(text):
        if not segment.ruby:
            out.append(html.escape(segment.surface, quote=False))
            continue
        for part, reading in align(segment.surface, segment.reading):
            if reading and HAS_KANJI.search(part):
                out.append(
                    f"<ruby>{html.escape(part, quote=False)}<rp>(</rp>"
                    f"<rt>{html.escape(reading, quote=False)}</rt><rp>)</rp></ruby>"
                )
            else:
                out.append(html.escape(part, quote=False))
    return "".join(out)


def add_ruby(page: str, reader: Reader) -> str:
    """The page with ruby over the kanji of its body's text (not inside an element
    marked ``data-no-ruby``: the ふりがな switch, whose name must stay plain)."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # open elements: (name, skipped)
    skipping = 0
    in_body = False
    for token in TOKEN.findall(page):
        if token.startswith("<"):
            out.append(token)
            if token.startswith(("<!", "<?")):
                continue
            match = TAG_NAME.match(token)
            if not match:
                continue
            name = match.group(1).lower()
            if token.startswith("</"):
                if any(open_name == name for open_name, _ in stack):
                    while stack:
                        top, skipped = stack.pop()
                        skipping -= skipped
                        if top == name:
                            break
                if name == "body":
                    in_body = False
            elif name not in VOID and not token.endswith("/>"):
                skipped = name in SKIP or "data-no-ruby" in token
                stack.append((name, skipped))
                skipping += skipped
                if name == "body":
                    in_body = True
            continue
        if skipping or not in_body or not HAS_KANJI.search(token):
            out.append(token)
            continue
        out.append(ruby_text(html.unescape(token), reader))
    return "".join(out)


RUBY_PARTS = re.compile(r"<rp>.*?</rp>|<rt>.*?</rt>|</?ruby>", re.S)


def strip_ruby(page: str) -> str:
    """The page without readings (``<ruby>`` kept as its base text)."""
    return RUBY_PARTS.sub("", page)
