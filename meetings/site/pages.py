"""Which URLs the publication tree holds, computed from the database."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.db.models.fields.json import KeyTransform
from django.urls import reverse

from meetings import wareki
from meetings.extensions import related
from meetings.models import Meeting
from meetings.views.public import PAGE_SIZE


def _pages(
    count: int, first: str, pattern: str, page_size: int = PAGE_SIZE
) -> list[str]:
    """A list's page URLs: ``first`` for page 1, ``pattern % n`` after it."""
    pages = max(1, math.ceil(count / page_size))
    return [first] + [pattern % n for n in range(2, pages + 1)]


def paged_urls(count: int, first: str, page_size: int = PAGE_SIZE) -> list[str]:
    """The page URLs of a list of ``count`` rows at ``first``: ``first``,
    ``first/page/2/``, ... (the path URLs every list of the tree has)."""
    return _pages(count, first, first + "page/%d/", page_size)


def meeting_urls(
    public_id: object, attachments: list[dict[str, Any]] | None
) -> list[str]:
    """A published meeting's page and the files its current publication lists."""
    page = reverse("public:meeting", args=[public_id])
    text = reverse("public:meeting_text", args=[public_id])
    return [page, text] + [
        reverse("public:attachment", args=[public_id, attachment["id"]])
        for attachment in attachments or []
        if attachment.get("id") is not None
    ]


def published_meeting_urls() -> Iterator[str]:
    rows = (
        Meeting.objects.published()
        .annotate(listed_files=KeyTransform("attachments", "current_publication__data"))
        .order_by("pk")
        .values_list("public_id", "listed_files")
    )
    for public_id, attachments in rows.iterator(chunk_size=2000):
        yield from meeting_urls(public_id, attachments)


def list_urls() -> list[str]:
    """Every page that lists meetings (and the related records' pages,
    ``extensions.related()``), the feed, sitemap.xml, robots.txt."""
    published = Meeting.objects.published()
    held = list(
        published.values_list("current_publication__held_on", "meeting_type__slug")
    )
    urls = _pages(len(held), "/", "/archive/page/%d/")
    years = Counter(wareki.fiscal_year(day) for day, _ in held)
    for year in sorted(years, reverse=True):
        first = reverse("public:archive_year", args=[year])
        urls += _pages(years[year], first, first + "page/%d/")
    types = Counter(slug for _, slug in held)
    for slug in sorted(types):
        first = reverse("public:archive_type", args=[slug])
        urls += _pages(types[slug], first, first + "page/%d/")
    urls += [
        reverse("data:index"),  # the open-data page (its files: a generator)
        reverse("public:feed"),
        reverse("public:sitemap"),
        reverse("public:robots"),
        reverse("public:favicon"),
    ]
    urls += related().tree_urls()
    return urls


def all_urls() -> Iterator[str]:
    yield from list_urls()
    yield from published_meeting_urls()
