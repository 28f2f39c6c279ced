"""The search reads a publication's text as its page reads (``layout.page_text``):
a snippet quotes the page (掲載日 in 和暦, attachments by their link text), never
the official plain text's own forms (the 西暦 date line, file names); the marks
still fall on the original words."""

from __future__ import annotations

import re
from datetime import date
from http import HTTPStatus

import pytest
from django.urls import reverse

from meetings import layout, services
from meetings.models import Meeting, SearchDocument
from meetings.search import documents
from tests.factories import make_meeting, tiny_pdf
from tests.meetings.public_builders import _fresh_public_cache

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]

LEAD = "以下のとおり、危機管理連絡会議を開催しましたので、お知らせいたします。"


def _snippets(client, q: str) -> list[str]:
    response = client.get(reverse("public:search"), {"q": q})
    assert response.status_code == HTTPStatus.OK
    return re.findall(
        r'<p class="[^"]*snippet[^"]*"[^>]*>(.*?)</p>',
        response.content.decode(),
        flags=re.DOTALL,
    )


def _published(approver, **overrides) -> Meeting:
    meeting = make_meeting(
        status=Meeting.Status.REVIEW, lead=LEAD, separator="、", **overrides
    )
    services.meeting_publish(meeting=meeting, user=approver, check_permission=False)
    meeting.refresh_from_db()
    return meeting


def _page_words(meeting: Meeting) -> str:
    """The page as a reader sees it, tags gone, whitespace collapsed."""
    html = meeting.current_publication.html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_a_snippet_near_the_date_line_quotes_the_page_in_wareki(client, approver):
    meeting = _published(approver)
    posted = meeting.published_on
    assert posted is not None
    era = layout.build_document(meeting.current_publication.data).posted
    assert f"掲載日:{era}" in _page_words(meeting)

    [snippet] = _snippets(client, "お知らせ")
    assert f"{era} {LEAD[:8]}" in snippet  # …日:令和…(曜) 以下のとおり、
    assert f"{posted.year}年{posted.month}月{posted.day}日" not in snippet
    assert "開催しましたので、<mark>お知らせ</mark>いたします。" in snippet
    assert "," not in snippet


def test_the_official_text_keeps_its_own_form(approver):
    """The stored plain text (pasted elsewhere, read back by the importer) is
    unchanged: 西暦, unlabelled; only the search reads the page's form."""
    meeting = _published(approver)
    publication = meeting.current_publication
    posted = meeting.published_on
    assert f"\n{posted.year}年{posted.month}月{posted.day}日\n" in publication.text
    assert "掲載日" not in publication.text
    [document] = SearchDocument.objects.filter(meeting=meeting, kind="page")
    assert document.text == layout.page_text(publication.data)
    assert "掲載日:令和" in document.text


def test_a_drill_and_attachments_read_as_on_the_page(client, approver):
    meeting = make_meeting(
        status=Meeting.Status.REVIEW,
        lead=LEAD,
        separator="、",
        is_drill=True,
        held_on="2024-05-10",
    )
    services.attachment_add(
        meeting=meeting, label="会議資料(R6.5.10)", content=tiny_pdf()
    )
    services.meeting_publish(meeting=meeting, user=approver, check_permission=False)
    meeting.refresh_from_db()
    page = _page_words(meeting)
    text = SearchDocument.objects.get(meeting=meeting, kind="page").text
    assert layout.DRILL_NOTE in page and layout.DRILL_NOTE in text
    assert "【訓練】危機管理連絡会議" in text
    assert "会議資料(令和6年5月10日)(PDF形式:" in text
    assert "会議資料(令和6年5月10日)(PDF形式:" in page
    assert ".pdf" not in text

    [snippet] = _snippets(client, "会議資料")
    assert "<mark>会議資料</mark>(令和6年5月10日)(PDF形式:" in snippet
    assert "R6.5.10" not in snippet


def test_every_line_of_the_search_text_is_on_the_page(approver):
    """Each line the search quotes is a line the page shows (the numbers of the
    header fields aside, which the page prints as list numbers)."""
    meeting = _published(approver, is_drill=True)
    page = _page_words(meeting)
    text = documents.page_text(meeting.current_publication)
    for line in text.splitlines():
        line = re.sub(r"^[0-9] ", "", line.strip())
        if line:
            assert line in page, line


def test_a_publication_without_layout_data_is_read_from_its_text():
    class Bare:
        data: dict = {}
        text = "危機管理会議の開催結果について\n2024年5月10日\n"

    assert documents.page_text(Bare()) == Bare.text


def test_a_wareki_date_query_finds_the_posting_date(client, approver):
    meeting = _published(approver, held_on="2024-05-10")
    posted: date = meeting.published_on
    era = layout.build_document(meeting.current_publication.data).posted
    assert era is not None
    assert era.endswith(")")  # …(月)
    # The title holds the meeting's date; the page's posting date is today's.
    assert posted != date(2024, 5, 10)
    html = client.get(reverse("public:search"), {"q": era[:-3]}).content.decode()
    assert meeting.title in html
