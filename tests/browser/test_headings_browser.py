"""The editor's heading marks and sub-headings with the keyboard (page script on)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from meetings.demo import load_master_data, load_users
from meetings.models import Meeting
from tests.browser.seed_entry import login


@pytest.mark.django_db(transaction=True)
def test_marked_heading_sub_heading_and_numbering_from_the_keyboard(live_server, page):
    load_master_data()
    load_users()
    login(page, live_server.url, "editor", "editor-demo-2022")
    page.goto(f"{live_server.url}/staff/meetings/new/kiki-kanri-kaigi/")
    page.wait_for_selector("#meeting-editor")
    page.fill("#id_held_on", "H24.12.26")
    page.fill("#id_start_time", "10:00")
    section = page.locator("#section-list [data-row=s]").first
    heading = section.locator("input[name$='-heading']")
    heading.fill("●放射性物質を含む災害廃棄物の広域処理について")
    heading.press("Tab")  # the typed mark moves to the heading-mark select
    expect(section.locator("select[name$='-marker']")).to_have_value("●")
    expect(heading).to_have_value("放射性物質を含む災害廃棄物の広域処理について")

    items = section.locator("[data-row=i]")
    first = items.first
    first.locator("input[name$='-marker']").fill("(1)")
    first.locator("textarea").fill("危機管理部からの報告")
    first.locator("textarea").press("Enter")  # after (1) the next row offers (2)
    expect(items.nth(1).locator("input[name$='-marker']")).to_have_value("(2)")
    expect(items.nth(1).locator("textarea")).to_be_focused()
    page.keyboard.press("Backspace")  # an empty row goes again

    first.locator("input[name$='-is_heading']").check()
    first.locator("textarea").press("Enter")  # under a sub-heading: its first item
    second = items.nth(1)
    expect(second.locator("input[name$='-marker']")).to_have_value("・")
    expect(second.locator("input[name$='-depth']")).to_have_value("1")
    page.keyboard.type("連絡体制を確認すること。")

    with page.expect_navigation():
        page.keyboard.press("Control+s")
    assert "保存しました" in page.locator(".messages").inner_text()
    saved = Meeting.objects.get().sections.get()
    assert (saved.marker, saved.heading) == (
        "●",
        "放射性物質を含む災害廃棄物の広域処理について",
    )
    top = saved.items.get(parent=None)
    assert (top.marker, top.text, top.is_heading) == (
        "(1)",
        "危機管理部からの報告",
        True,
    )
    assert [i.text for i in top.children.all()] == ["連絡体制を確認すること。"]
