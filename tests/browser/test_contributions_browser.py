"""The whole contribution flow on the seed meeting, in Chromium.

The coordinator (危機管理政策課) asks the seed's four departments for their sections;
three submit (typed with Enter, pasted, added with the buttons), one is returned and
resubmitted, the fourth submits late; the coordinator puts all four into the meeting
in the seed's order, asks for approval, the approver publishes, and the public page
reads as the seed text.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents.demo import load_memberships
from meetings import demo_data, services, wareki
from meetings.contributions.models import ContributionRequest
from meetings.demo import DEMO_DEPARTMENTS, DEMO_USERS, load_master_data, load_users
from meetings.models import Meeting, Publication
from tests.browser.seed_entry import MATERIAL_LABEL, login, logout
from tests.browser.test_staff_entry import (
    PAGE_TEXT_JS,
    _as_the_page_writes_it,
    _comparable,
)
from tests.contributions.conftest import DEPARTMENTS, seed_without_departments
from tests.factories import tiny_pdf
from tests.meetings.test_layout import SEED_TEXT

SHOTS = Path("/work/wt/notes/shots/h18-contrib")
PASSWORDS = {username: password for username, password, *_ in DEMO_USERS}
USER_OF = {department: username for username, department in DEMO_DEPARTMENTS.items()}
SECTIONS = {s["speaker"]: s for s in demo_data.SEED_SECTIONS}


def _shoot(page, name: str) -> None:
    """Screenshots at 1280 and 375 px for looking at the pages as a user (when the
    notes folder exists: on a developer's machine, not in CI)."""
    if not SHOTS.parent.exists():
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _open_request(page, base_url: str, department: str) -> None:
    login(page, base_url, USER_OF[department], PASSWORDS[USER_OF[department]])
    mine = page.locator("#contribution-list a")
    assert mine.count() == 1  # its own request only
    with page.expect_navigation():
        mine.first.click()
    page.wait_for_selector("#meeting-editor")
    speaker = page.locator("#section-list input[name$='-speaker']").first
    assert speaker.input_value() == department  # the template


def _type_with_enter(page, bullets: list[str]) -> None:
    areas = page.locator("#section-list [data-row=i] textarea")
    for n, text in enumerate(bullets):
        if n:
            areas.nth(n - 1).press("End")
            areas.nth(n - 1).press("Enter")
        areas.nth(n).fill(text)


def _paste(page, bullets: list[str]) -> None:
    text = "\n".join(f"・{b}" for b in bullets)
    page.locator("#section-list [data-row=i] textarea").first.evaluate(
        """(area, text) => {
          const data = new DataTransfer();
          data.setData("text/plain", text);
          area.focus();
          area.dispatchEvent(new ClipboardEvent("paste", {
            clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        text,
    )


def _add_with_buttons(page, bullets: list[str]) -> None:
    for n, text in enumerate(bullets):
        if n:
            page.locator("#section-list button[value^='add:i:']").last.click()
        page.locator("#section-list [data-row=i] textarea").nth(n).fill(text)


def _submit(page) -> None:
    with page.expect_navigation():
        page.click("#submit-contribution")
    assert "原稿を提出しました" in page.locator(".messages").inner_text()


def _texts(department: str) -> list[str]:
    return [item["text"] for item in SECTIONS[department]["items"]]


@pytest.mark.django_db(transaction=True)
def test_four_departments_write_the_seeds_sections_and_the_page_is_the_seed(
    live_server, page
):
    load_master_data()
    load_users()
    load_memberships()
    coordinator = "editor"
    from django.contrib.auth import get_user_model

    meeting = services.meeting_create_from_data(
        data=seed_without_departments(),
        user=get_user_model().objects.get(username=coordinator),
    )
    services.attachment_add(meeting=meeting, label=MATERIAL_LABEL, content=tiny_pdf())
    base = live_server.url

    # The coordinator asks the four departments, from the meeting's editor.
    login(page, base, coordinator, PASSWORDS[coordinator])
    page.goto(f"{base}/staff/meetings/{meeting.pk}/edit/")
    with page.expect_navigation():
        page.click(f"a[href='/staff/meetings/{meeting.pk}/contributions/']")
    for department in DEPARTMENTS:
        page.get_by_label(department, exact=True).check()
    due = timezone.localdate() + timedelta(days=1)
    page.fill("#id_due_date", wareki.format_wareki(due))  # typed in 和暦
    page.fill("#id_due_time", "1700")
    page.fill("#id_note", "明日の会議で説明する内容を書いてください。")
    with page.expect_navigation():
        page.click("#request-button")
    assert "原稿を依頼しました" in page.locator(".messages").inner_text()
    assert page.locator("#contribution-counts").inner_text() == (
        "提出済み 0件・未提出 4件・反映済み 0件"
    )
    requests = ContributionRequest.objects.filter(meeting=meeting)
    assert requests.count() == 4
    assert {timezone.localtime(r.due_at).strftime("%H:%M") for r in requests} == {
        "17:00"
    }
    logout(page, base)

    # Three departments write and submit: with Enter, by pasting, with the buttons.
    _open_request(page, base, "医療政策課")
    _shoot(page, "department-writing")
    _type_with_enter(page, _texts("医療政策課"))
    _submit(page)
    # The copy this browser kept while typing goes once the text is submitted.
    kept = page.evaluate("Object.keys(localStorage)")
    assert not [key for key in kept if key.startswith("meeting-editor:")]
    page.goto(f"{base}/staff/contributions/")
    _shoot(page, "department-requests")
    logout(page, base)

    _open_request(page, base, "警察本部")
    _paste(page, _texts("警察本部"))
    assert page.locator("#section-list [data-row=i]").count() == 3
    with page.expect_navigation():
        page.click("#save-button")  # a draft first: not sent yet
    assert "まだ提出していません" in page.locator(".messages").inner_text()
    _submit(page)
    logout(page, base)

    _open_request(page, base, "病院局総務課")
    _add_with_buttons(page, _texts("病院局総務課")[:3])  # one bullet forgotten
    _submit(page)
    logout(page, base)

    # The coordinator sees who has submitted, and returns 病院局総務課's.
    login(page, base, coordinator, PASSWORDS[coordinator])
    page.goto(f"{base}/staff/meetings/{meeting.pk}/contributions/")
    assert page.locator("#contribution-counts").inner_text() == (
        "提出済み 3件・未提出 1件・反映済み 0件"
    )
    waiting = page.locator("[data-department='スマート県庁推進課']")
    assert waiting.get_attribute("data-status") == "requested"
    _shoot(page, "coordinator-overview")
    hospital = page.locator("[data-department='病院局総務課']")
    hospital.locator("textarea[name=comment]").fill(
        "「今後も、病院の関係者や…」の項目が抜けています。"
    )
    with page.expect_navigation():
        hospital.get_by_role("button", name="差し戻す").click()
    assert "差し戻しました" in page.locator(".messages").inner_text()
    logout(page, base)

    # 病院局総務課 reads the reason, adds the bullet and submits again.
    _open_request(page, base, "病院局総務課")
    assert "項目が抜けています" in page.locator("#returned").inner_text()
    _shoot(page, "department-returned")
    areas = page.locator("#section-list [data-row=i] textarea")
    assert areas.count() == 3  # what it sent is still there
    areas.nth(2).press("End")
    areas.nth(2).press("Enter")
    areas.nth(3).fill(_texts("病院局総務課")[3])
    _submit(page)
    logout(page, base)

    # スマート県庁推進課, last.
    _open_request(page, base, "スマート県庁推進課")
    _type_with_enter(page, _texts("スマート県庁推進課"))
    _submit(page)
    logout(page, base)

    # The coordinator puts them in, in the seed's order, choosing each position.
    login(page, base, coordinator, PASSWORDS[coordinator])
    page.goto(f"{base}/staff/meetings/{meeting.pk}/contributions/")
    assert page.locator("#contribution-counts").inner_text() == (
        "提出済み 4件・未提出 0件・反映済み 0件"
    )
    previous = None
    for department in DEPARTMENTS:
        row = page.locator(f"[data-department='{department}']")
        label = (
            "いちばん前(「■危機管理環境部副部長から,次のとおり各部局に指示」の前)"
            if previous is None
            else f"「■{previous}から説明」の後"
        )
        row.locator("select[name=position]").select_option(label=label)
        with page.expect_navigation():
            row.get_by_role("button", name="会議に反映する").click()
        assert "会議に反映しました" in page.locator(".messages").inner_text()
        previous = department
    assert page.locator("#contribution-counts").inner_text() == (
        "提出済み 0件・未提出 0件・反映済み 4件"
    )
    _shoot(page, "coordinator-accepted")
    hospital = ContributionRequest.objects.get(organisation__name="病院局総務課")
    assert [v.number for v in hospital.versions.all()] == [1, 2]
    assert len(hospital.versions.get(number=1).sections[0]["items"]) == 3

    page.goto(f"{base}/staff/meetings/{meeting.pk}/preview/")
    with page.expect_navigation():
        page.click("#submit-button")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW
    logout(page, base)

    login(page, base, "approver", PASSWORDS["approver"])
    page.goto(f"{base}/staff/meetings/{meeting.pk}/preview/")
    with page.expect_navigation():
        page.click("#publish-button")
    assert "公開しました" in page.locator(".messages").inner_text()
    assert Publication.objects.filter(meeting=meeting).count() == 1
    logout(page, base)

    page.goto(f"{base}{meeting.get_absolute_url()}")
    shown = page.evaluate(PAGE_TEXT_JS)
    assert _comparable(shown) == _as_the_page_writes_it(_comparable(SEED_TEXT))
    assert re.search(r"■病院局総務課から説明", shown)
