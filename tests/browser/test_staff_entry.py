"""An editor enters the whole seed meeting in the browser; an approver publishes it."""

from __future__ import annotations

import re

import pytest

from meetings.demo import load_master_data, load_users
from meetings.models import Meeting, Publication
from meetings.wareki import expand_short_dates
from tests.browser.seed_entry import enter_seed_meeting, login, logout
from tests.factories import tiny_pdf
from tests.meetings.test_layout import SEED_TEXT, normalise

# The public page prints sizes as (PDF形式:141KB); the seed as (141KB). Our files are
# not the prefecture's, so sizes are compared as a placeholder.
SIZE = re.compile(r"\((?:PDF形式:?)?(\d+(?:\.\d+)?(?:KB|MB))\)$")

# innerText of the page, with the numbers of the 日時/場所/出席者/協議概要 list written
# out as the list shows them.
PAGE_TEXT_JS = """() => {
  const article = document.querySelector("article.kaisai-kekka").cloneNode(true);
  article.querySelectorAll("ol.kk-fields > li").forEach((li) => {
    li.prepend(document.createTextNode(li.value + " "));
  });
  document.body.appendChild(article);
  const text = article.innerText;
  article.remove();
  return text;
}"""


def _comparable(text: str) -> list[str]:
    return [SIZE.sub("(SIZE)", line) for line in normalise(text)]


def _as_the_page_writes_it(lines: list[str]) -> list[str]:
    """The seed's lines as our public page words them (issue 19): 掲載日 labelled in
    和暦, the full-width ～, link text without .pdf and with the date spelt out."""
    shown = []
    for line in lines:
        if line == "2022年6月20日":
            line = "掲載日:令和4年6月20日(月)"
        line = line.replace("17:30~17:45", "17:30～17:45")
        line = re.sub(r"\.pdf\(SIZE\)$", "(SIZE)", line)
        shown.append(expand_short_dates(line))
    return shown


@pytest.mark.django_db(transaction=True)
def test_editor_enters_the_seed_and_the_public_page_matches_the_seed_text(
    live_server, page, tmp_path
):
    load_master_data()
    load_users()
    pdf_path = tmp_path / "会議資料.pdf"
    pdf_path.write_bytes(tiny_pdf())

    login(page, live_server.url, "editor", "editor-demo-2022")
    enter_seed_meeting(page, live_server.url, pdf_path=pdf_path)
    meeting = Meeting.objects.get()
    assert meeting.status == Meeting.Status.DRAFT
    assert page.locator(".kk-draft-mark").inner_text() == "案"

    with page.expect_navigation():
        page.click("#submit-button")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW

    logout(page, live_server.url)
    login(page, live_server.url, "approver", "approver-demo-2022")
    page.goto(f"{live_server.url}/staff/meetings/{meeting.pk}/preview/")
    with page.expect_navigation():
        page.click("#publish-button")
    assert "公開しました" in page.locator(".messages").inner_text()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED
    assert Publication.objects.filter(meeting=meeting).count() == 1

    logout(page, live_server.url)
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    shown = page.evaluate(PAGE_TEXT_JS)
    assert _comparable(shown) == _as_the_page_writes_it(_comparable(SEED_TEXT))
