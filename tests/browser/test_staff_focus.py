"""Focus in the staff editor (issue 14): the sticky save bar never covers the focused
field, the editor opens on its first field, × moves the focus somewhere sensible, and a
new meeting's attendees are an explicit choice."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from meetings.demo_data import SEED_PUBLIC_ID
from meetings.models import Meeting
from tests.browser.public_site import load_demo_fast
from tests.browser.seed_entry import login

# The focused element (not inside the bar) and the bar overlap on screen.
COVERED_JS = """async () => {
  // What the person sees: after the browser has scrolled and painted.
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const el = document.activeElement;
  const bar = document.querySelector('.editor-actions');
  if (!el || el === document.body || !bar) return null;
  const inBar = bar.contains(el);
  const r = el.getBoundingClientRect();
  const b = bar.getBoundingClientRect();
  const visible = r.width > 0 && r.height > 0;
  const covered = !inBar && visible && r.bottom > b.top + 0.5 && r.top < b.bottom - 0.5;
  const name = el.id || el.name || (el.textContent || '').trim().slice(0, 20);
  const where = `${Math.round(r.top)}-${Math.round(r.bottom)} under bar ${Math.round(b.top)}`;
  return {name: el.tagName + '#' + name, where, covered, inForm: !!el.closest('#meeting-editor')};
}"""


def _editor(browser, live_server, monkeypatch, width, height):
    load_demo_fast(monkeypatch)
    context = browser.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": width, "height": height},
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server.url, "editor", "editor-demo-2022")
    meeting = Meeting.objects.get(public_id=SEED_PUBLIC_ID)
    page.goto(f"{live_server.url}/staff/meetings/{meeting.pk}/edit/")
    page.wait_for_selector("#meeting-editor")
    return context, page, meeting


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width,height", [(1280, 800), (375, 667)])
def test_no_tab_stop_of_the_seed_editor_is_under_the_save_bar(
    live_server, browser, monkeypatch, width, height
):
    context, page, _ = _editor(browser, live_server, monkeypatch, width, height)
    # The editor opens on its first field.
    assert page.evaluate("document.activeElement.id") == "id_meeting_type"
    seen, covered = [], []
    for _ in range(700):
        page.keyboard.press("Tab")
        state = page.evaluate(COVERED_JS)
        if state is None:
            continue
        if state["inForm"]:
            seen.append(state["name"])
            if state["covered"]:
                covered.append(f"{state['name']} {state['where']}")
        elif seen:  # left the form: every stop in it was visited
            break
    context.close()
    # The seed meeting's editor has about 200 tab stops; all were reached.
    assert len(seen) > 150, len(seen)
    assert "BUTTON#save-button" in seen
    assert covered == []


@pytest.mark.django_db(transaction=True)
def test_removing_an_attendee_by_keyboard_moves_the_focus_to_a_row_or_the_add_button(
    live_server, browser, monkeypatch
):
    context, page, meeting = _editor(browser, live_server, monkeypatch, 1280, 800)
    rows = page.locator("#attendee-list > [data-row=a]")
    count = rows.count()
    assert count >= 2
    second_key = rows.nth(1).get_attribute("data-key")
    remove_first = rows.nth(0).locator("button[value^='remove:a:']")
    remove_first.focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(count - 1)
    # The next row's field took the focus.
    assert page.evaluate("document.activeElement.id") == f"id_a-{second_key}-role"
    # Removing every row leaves the focus on 「+ 出席者を追加」.
    for _ in range(count - 1):
        page.locator("#attendee-list [data-row=a]").first.locator(
            "button[value^='remove:a:']"
        ).focus()
        page.keyboard.press("Enter")
    expect(rows).to_have_count(0)
    assert page.evaluate("document.activeElement.id") == "add-a"
    # An item removed with × hands the focus to its neighbour, not to <body>.
    item = page.locator("#section-list [data-row=i]").first
    item.locator("button[value^='remove:i:']").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_new_meeting_offers_the_previous_attendees_and_pasting_replaces(
    live_server, browser, monkeypatch
):
    load_demo_fast(monkeypatch)
    page = browser.new_page(locale="ja-JP")
    login(page, live_server.url, "editor", "editor-demo-2022")
    page.goto(f"{live_server.url}/staff/meetings/new/renraku-kaigi/")
    roles = page.locator("#attendee-list input[name$='-role']")
    # Not prefilled: one empty row, the previous list offered as a button.
    expect(roles).to_have_count(1)
    assert roles.first.input_value() == ""
    assert page.evaluate("document.activeElement.id") == "id_meeting_type"
    # The 和暦 hint and the server agree (one parser): refused and hinted alike.
    hint = page.locator("#held_on_wareki")
    page.fill("#id_held_on", "R4.2.30")
    expect(hint).to_contain_text("という日付はありません")
    expect(hint).to_have_class(re.compile("text-danger"))
    page.fill("#id_held_on", "平成24年12月26日(水)")
    expect(hint).to_have_text("平成24年12月26日(水)(2012年12月26日)")
    offer = page.locator("#previous-attendees")
    expect(offer).to_contain_text("前回の出席者")
    offer.click()
    previous = [r.input_value() for r in roles.all()]
    assert len(previous) >= 2 and all(previous)
    # 「行に変換(今の一覧と置き換え)」 replaces the list instead of appending to it.
    page.fill("#id_paste_attendees", "知事、政策監、副知事ほか 計21名")
    page.locator("button[value='paste:attendees:replace']").click()
    assert [r.input_value() for r in roles.all()] == ["知事", "政策監"]
    assert page.input_value("#id_attendee_total") == "21"
    page.close()
