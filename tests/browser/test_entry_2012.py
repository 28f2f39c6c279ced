"""Issue 14, point 5: the 2012 page entered by keyboard alone, in at most 4 page loads
(dashboard, editor, saved preview), with no mouse click."""

from __future__ import annotations

import pytest

from meetings.demo import load_master_data, load_users
from meetings.models import Meeting
from tests.browser.entry_2012 import SECTIONS, Counter, enter_2012_page
from tests.browser.seed_entry import login


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_the_2012_page_is_entered_by_keyboard(live_server, browser, js):
    load_master_data()
    load_users()
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", java_script_enabled=js
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    login(page, live_server.url, "editor", "editor-demo-2022")
    counter = Counter()
    page.on("load", lambda p: counter.loads.append(p.url))

    enter_2012_page(page, live_server.url, counter, js=js)

    context.close()
    meeting = Meeting.objects.get()
    assert meeting.held_on.isoformat() == "2012-12-26"
    assert meeting.attendee_tail == "警察本部長ほか " and meeting.attendee_total == 21
    assert [a.role for a in meeting.attendees.all()][-1] == "県土整備部長"
    sections = list(meeting.sections.all())
    # The heading keeps its own mark (●), stored apart from its text.
    assert [s.marker + s.heading for s in sections] == [s["heading"] for s in SECTIONS]
    first = list(sections[0].items.all())
    tops = [(i.marker, i.text) for i in first if i.parent_id is None]
    assert [marker for marker, _ in tops] == ["(1)", ""]
    label = next(i for i in first if i.text == "(概要)")
    assert len([i for i in first if i.parent_id == label.pk]) == 3  # nested under it
    assert counter.clicks == 0
    if js:
        assert len(counter.loads) <= 4, counter.loads
