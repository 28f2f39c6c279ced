"""部分公開 in Chromium: the seed meeting with one 警察本部 bullet withheld as
公共安全情報 (public page and official PDF), and the editor's reason select used
with the keyboard alone.

Set WITHHOLD_SHOTS=/some/dir to keep the screenshot and the PDF for looking at.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from meetings import services
from meetings.demo import load_master_data, load_users
from meetings.demo_data import SEED
from meetings.models import Item, Meeting
from tests.browser.seed_entry import login
from tests.browser.test_staff_keyboard import tab_to
from tests.meetings.test_withholding import SAFETY, reasons

pytestmark = pytest.mark.django_db(transaction=True)

POLICE_BULLET = "各医療機関においては、定期的なデータのバックアップ"


def _seed_with_police_bullet_withheld() -> Meeting:
    data = copy.deepcopy(SEED)
    police = next(s for s in data["sections"] if s["speaker"] == "警察本部")
    police["items"][1]["withheld"] = {
        "reason": "public-safety",
        "note": "捜査中の手口に関わるため(県警察と協議済み)",
    }
    meeting = services.meeting_create_from_data(data=data, status="review")
    services.meeting_publish(meeting=meeting, user=None, check_permission=False)
    meeting.refresh_from_db()
    return meeting


def test_seed_meeting_with_a_withheld_police_bullet_in_chromium(live_server, page):
    load_master_data()
    reasons()
    meeting = _seed_with_police_bullet_withheld()
    page.set_viewport_size({"width": 1000, "height": 1400})
    page.goto(live_server.url + meeting.get_absolute_url())
    police = page.locator("section.kk-section", has_text="■警察本部から説明")
    bullets = police.locator("li.kk-item")
    assert bullets.count() == 3
    assert bullets.nth(1).inner_text() == f"・{SAFETY}"
    assert bullets.nth(1).is_visible()
    assert POLICE_BULLET not in page.content()
    assert "国内外において、ランサムウェアの感染" in bullets.nth(0).inner_text()
    shots = os.environ.get("WITHHOLD_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        police.scroll_into_view_if_needed()
        page.screenshot(path=f"{shots}/public_page.png", full_page=True)
        with meeting.current_publication.pdf.open("rb") as stored:
            Path(f"{shots}/official.pdf").write_bytes(stored.read())


def test_a_bullet_is_withheld_with_the_keyboard_in_the_editor(live_server, page):
    load_master_data()
    load_users()
    reasons()
    meeting = services.meeting_create_from_data(data=copy.deepcopy(SEED))
    login(page, live_server.url, "editor", "editor-demo-2022")
    page.goto(f"{live_server.url}/staff/meetings/{meeting.pk}/edit/")
    page.wait_for_selector("#meeting-editor")
    # The second bullet of 警察本部: its 「公開・非公開」 disclosure, then the select.
    text = SEED["sections"][1]["items"][1]["text"]
    key = page.evaluate(
        """(text) => [...document.querySelectorAll('.item-row textarea')]
            .find((t) => t.value === text).closest('.item-row').dataset.key""",
        text,
    )
    tab_to(page, f".item-row[data-key='{key}'] summary")
    page.keyboard.press("Enter")  # opens the disclosure
    tab_to(page, f"#id_i-{key}-withheld_reason")
    select = f"#id_i-{key}-withheld_reason"
    for _ in range(8):  # 公開する -> 非公開:個人情報 -> ... -> 非公開:公共安全情報
        if page.eval_on_selector(select, "e => e.value") == "public-safety":
            break
        page.keyboard.press("ArrowDown")
    assert page.eval_on_selector(select, "e => e.value") == "public-safety"
    tab_to(page, f"#id_i-{key}-withheld_note")
    page.keyboard.type("捜査中")

    # Lines pasted into a withheld item make items that are withheld too.
    third = SEED["sections"][1]["items"][2]["text"]
    key3 = page.evaluate(
        """(text) => [...document.querySelectorAll('.item-row textarea')]
            .find((t) => t.value === text).closest('.item-row').dataset.key""",
        third,
    )
    page.click(f".item-row[data-key='{key3}'] summary")
    page.select_option(f"#id_i-{key3}-withheld_reason", "personal")
    page.evaluate(
        """(key) => {
            const area = document.querySelector(`#id_i-${key}-text`);
            area.value = "";
            area.focus();
            const data = new DataTransfer();
            data.setData("text/plain", "・貼付一の文。\\n・貼付二の文。");
            area.dispatchEvent(new ClipboardEvent("paste", {
                clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        key3,
    )
    assert (
        page.locator(".item-row select[name$='-withheld_reason']").evaluate_all(
            "els => els.filter((e) => e.value === 'personal').length"
        )
        == 2
    )
    with page.expect_navigation():
        page.keyboard.press("Control+s")
    pasted = Item.objects.filter(text__startswith="貼付").order_by("order")
    assert [(i.text, i.withheld_reason.code) for i in pasted] == [
        ("貼付一の文。", "personal"),
        ("貼付二の文。", "personal"),
    ]
    item = Item.objects.get(text=text)
    assert (item.withheld_reason.code, item.withheld_note) == (
        "public-safety",
        "捜査中",
    )
    # The staff preview: the text with its badge, and the summary for the approver.
    page.goto(f"{live_server.url}/staff/meetings/{meeting.pk}/preview/")
    badge = page.locator(".kk-withheld-staff .kk-withheld-badge").first
    assert badge.inner_text() == "非公開:公共安全情報(第10条第3号)"
    assert page.locator("#withheld-summary-heading").inner_text().endswith("3か所")
    shots = os.environ.get("WITHHOLD_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1100, "height": 1400})
        page.locator("#withheld-summary-heading").scroll_into_view_if_needed()
        page.screenshot(path=f"{shots}/staff_preview.png", full_page=False)
