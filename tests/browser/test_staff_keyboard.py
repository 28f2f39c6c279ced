"""Keyboard alone is enough: every editor field is reached with Tab, rows are added,
nested and saved with keys, and IME-safe Enter does not submit half a meeting."""

from __future__ import annotations

import pytest

from meetings.demo import load_master_data, load_users
from meetings.models import Meeting
from tests.browser.seed_entry import login


def tab_to(page, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)",
            selector,
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab")


@pytest.mark.django_db(transaction=True)
def test_a_meeting_is_entered_with_the_keyboard_only(live_server, page):
    load_master_data()
    load_users()
    login(page, live_server.url, "editor", "editor-demo-2022")
    page.goto(f"{live_server.url}/staff/")
    tab_to(page, "a[href$='/meetings/new/renraku-kaigi/']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#meeting-editor")

    tab_to(page, "#id_held_on")
    page.keyboard.press("Control+a")
    page.keyboard.type("R4.6.20")  # 和暦 typed, shown back with its weekday
    assert (
        page.locator("#held_on_wareki").inner_text() == "令和4年6月20日(月) 2022-06-20"
    )
    tab_to(page, "#id_start_time")
    page.keyboard.type("1730")
    tab_to(page, "#id_end_time")
    page.keyboard.type("1745")

    tab_to(page, "#attendee-list input[name$='-role']")
    page.keyboard.press("Control+a")
    page.keyboard.type("危機管理環境部副部長")
    page.keyboard.press("Enter")  # a new attendee row below, focused
    page.keyboard.type("医療政策課長")
    tab_to(page, "#id_attendee_total")
    page.keyboard.type("22")

    tab_to(page, "#agenda-list input[name$='-text']")
    page.keyboard.type("「県内医療機関でのサイバー攻撃事案の発生」について")

    tab_to(page, "#section-list input[name$='-speaker']")
    page.keyboard.type("畜産振興課")
    tab_to(page, "#section-list textarea")
    page.keyboard.type("当該農場の概要")
    page.keyboard.press("Enter")
    page.keyboard.type("所在地:香川県東かがわ市")
    page.keyboard.press("Alt+Shift+ArrowRight")  # nest under the first item
    page.keyboard.press("Enter")
    page.keyboard.press("Alt+Shift+ArrowLeft")
    page.keyboard.type("防疫措置を完了。")

    with page.expect_navigation():
        page.keyboard.press("Control+s")

    meeting = Meeting.objects.get()
    assert "保存しました" in page.locator(".messages").inner_text()
    assert meeting.held_on.isoformat() == "2022-06-20"
    assert [a.role for a in meeting.attendees.all()] == [
        "危機管理環境部副部長",
        "医療政策課長",
    ]
    section = meeting.sections.get()
    tree = [(i.text, i.parent.text if i.parent else None) for i in section.items.all()]
    assert sorted(tree) == sorted(
        [
            ("当該農場の概要", None),
            ("所在地:香川県東かがわ市", "当該農場の概要"),
            ("防疫措置を完了。", None),
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_rows_are_added_moved_and_removed_without_a_page_load(live_server, page):
    load_master_data()
    load_users()
    login(page, live_server.url, "editor", "editor-demo-2022")
    page.goto(f"{live_server.url}/staff/meetings/new/renraku-kaigi/")
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))

    attendees = page.locator("#attendee-list [data-row=a] input[name$='-role']")
    page.locator("button[value='add:a:']").click()
    attendees.last.fill("後から追加")
    before = attendees.count()
    page.locator("#attendee-list [data-row=a]").last.locator(
        "button[value^='up:a:']"
    ).click()
    assert attendees.nth(before - 2).input_value() == "後から追加"
    page.locator("#attendee-list [data-row=a]").nth(before - 2).locator(
        "button[value^='remove:a:']"
    ).click()
    assert attendees.count() == before - 1

    page.locator("button[value='add:s:directive']").click()
    directive = page.locator("#section-list [data-row=s]").last
    assert directive.locator("select[name$='-kind']").input_value() == "directive"
    assert directive.locator("input[name$='-recipients']").input_value() == "各部局"

    page.fill("#agenda-list input[name$='-text']", "「停電」について")
    options = directive.locator("select[data-agenda-select] option")
    assert options.last.inner_text() == "「停電」について"

    page.fill("#id_paste_attendees", "知事、副知事、各部局長など計20名")
    page.locator("button[value='paste:attendees']").click()
    assert page.input_value("#id_attendee_total") == "20"
    assert attendees.last.input_value() == "副知事"
    assert loads == []


@pytest.mark.django_db(transaction=True)
def test_removing_a_section_that_incidents_refer_to_asks_first(live_server, page):
    from incidents.models import Incident, IncidentLink
    from tests.factories import make_meeting

    load_master_data()
    load_users()
    meeting = make_meeting(
        sections=[
            {"kind": "report", "speaker": "医療政策課", "items": []},
            {"kind": "report", "speaker": "畜産振興課", "items": []},
        ]
    )
    referred, free = meeting.sections.order_by("order")
    incident = Incident.objects.create(
        title="停電", category=Incident.Category.OTHER, started_at=meeting.created_at
    )
    IncidentLink.objects.create(incident=incident, meeting=meeting, section=referred)
    login(page, live_server.url, "editor", "editor-demo-2022")
    page.goto(f"{live_server.url}/staff/meetings/{meeting.pk}/edit/")
    sections = page.locator("#section-list [data-row=s]")
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    sections.first.locator("button[value^='remove:s:']").click()
    assert "参照されています" in asked[0] and sections.count() == 2  # kept

    page.once("dialog", lambda d: answer(d, True))
    sections.first.locator("button[value^='remove:s:']").click()
    assert sections.count() == 1 and len(asked) == 2

    sections.first.locator("button[value^='remove:s:']").click()  # no reference
    assert sections.count() == 0 and len(asked) == 2
