"""Which public pages have a reading version, and making it from the page."""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import Resolver404, resolve

from meetings.extensions import related
from meetings.reading.ruby import add_ruby
from meetings.reading.yomi import Reader

KANA_PREFIX = "/kana"
# The public pages of the tree (lists, meeting pages, the data page).
PAGES = {
    "public:archive",
    "public:archive_page",
    "public:archive_year",
    "public:archive_year_page",
    "public:archive_type",
    "public:archive_type_page",
    "public:archive_incident",
    "public:archive_incident_page",
    "public:meeting",
    "data:index",
}  # plus the registered related app's pages (meetings.extensions)
SWITCH = re.compile(r"<!--reading-switch-->.*?<!--/reading-switch-->", re.S)


def view_name(url: str) -> str | None:
    try:
        return resolve(url).view_name
    except Resolver404:
        return None


def has_reading_version(url: str) -> bool:
    name = view_name(url)
    return name in PAGES or name in related().public_view_names()


def kana_url(url: str) -> str:
    return KANA_PREFIX + url


def speech_base(url: str) -> str | None:
    """Where a meeting page's speech files are (``audio/meetings/<id>/``), else None."""
    try:
        match = resolve(url)
    except Resolver404:
        return None
    if match.view_name != "public:meeting":
        return None
    return f"/audio/meetings/{match.kwargs['public_id']}/"


def kana_page(source: bytes, url: str, reader: Reader) -> bytes:
    """The reading version of the page ``source`` (the bytes of ``url``)."""
    page = source.decode("utf-8")
    switch = render_to_string("reading/_switch.html", {"kana": True, "plain_url": url})
    page = SWITCH.sub(
        lambda _: f"<!--reading-switch-->{switch.strip()}<!--/reading-switch-->",
        page,
        count=1,
    )
    head = (
        '<meta name="robots" content="noindex">\n'
        f'  <link rel="canonical" href="{url}">\n'
        f'  <script src="{static("js/reading-copy.js")}" defer></script>\n'
    )
    page = page.replace("</head>", head + "</head>", 1)
    return add_ruby(page, reader).encode("utf-8")
