"""ふりがな and 読み上げ in Chromium: the switch, axe on the reading version,
copying gives the plain text, the player by keyboard."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from tests.browser.public_site import load_demo_fast
from tests.browser.test_accessibility import WCAG2_A_AA

SHOTS = os.environ.get("READING_SHOTS")  # a folder: screenshots for a person to look at


@pytest.fixture
def seed_with_speech(monkeypatch, settings):
    from meetings.demo_data import SEED_PUBLIC_ID
    from meetings.reading import speech
    from meetings.reading.seed import ensure_seeded

    ensure_seeded()  # a transactional test starts from emptied tables
    load_demo_fast(monkeypatch)
    call_command("build_site", stdout=io.StringIO())
    # The seed page speaks for about 8 minutes (minutes to synthesise on a loaded
    # machine): the real engine speaks its first lines here; bench_reading.py and
    # tests/reading/test_speech.py time and check whole pages.
    whole = speech.synthesise
    monkeypatch.setattr(
        speech,
        "synthesise",
        lambda text, target: whole("\n".join(text.splitlines()[:4]), target),
    )
    speech.speak_meeting(SEED_PUBLIC_ID)
    settings.SERVE_PUBLIC_SITE = True  # the tree's files, audio included
    return SEED_PUBLIC_ID


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [375, 1280])
def test_reading_version_passes_axe_and_copies_as_plain_text(
    live_server, browser, seed_with_speech, width
):
    context = browser.new_context(
        locale="ja-JP", viewport={"width": width, "height": 900}
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{live_server.url}/meetings/{seed_with_speech}/")
    plain = page.locator("[data-pagefind-body]").inner_text()
    page.get_by_role("link", name="ふりがな", exact=True).click()
    page.wait_for_url(f"**/kana/meetings/{seed_with_speech}/")
    assert page.locator("main ruby").count() > 200
    # The reading sits above its kanji (ruby layout, not inline text).
    venue = page.locator("ruby", has_text="万代庁舎").first
    rt = venue.locator("rt")
    assert rt.inner_text() == "ばんだいちょうしゃ"
    assert rt.bounding_box()["y"] < venue.bounding_box()["y"] + 4
    results = Axe().run(page, options=WCAG2_A_AA)
    assert results.response["passes"]
    assert results.violations_count == 0, results.generate_report()

    # Copy the result: the clipboard holds the text without readings.
    page.evaluate(
        """() => {
          const range = document.createRange();
          range.selectNodeContents(document.querySelector('[data-pagefind-body]'));
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }"""
    )
    page.keyboard.press("Control+C")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "万代庁舎" in copied and "ばんだいちょうしゃ" not in copied
    assert "".join(copied.split()) == "".join(plain.split())
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.evaluate("() => window.getSelection().removeAllRanges()")
        page.screenshot(path=f"{SHOTS}/seed_kana_{width}.png", full_page=False)
        page.screenshot(path=f"{SHOTS}/seed_kana_{width}_full.png", full_page=True)
    # Back to the plain page.
    page.get_by_role("link", name="ふりがななしで表示").click()
    page.wait_for_url(f"**/meetings/{seed_with_speech}/")
    assert page.locator("ruby").count() == 0
    context.close()


@pytest.mark.django_db(transaction=True)
def test_speech_player_works_by_keyboard(live_server, browser, seed_with_speech):
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/meetings/{seed_with_speech}/")
    speak = page.get_by_role("button", name="読み上げ", exact=True)
    assert speak.is_visible()  # shown by reading.js
    # Reach it with Tab from the ふりがな link, press Enter.
    page.get_by_role("link", name="ふりがな", exact=True).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "読み上げ"
    page.keyboard.press("Enter")
    player = page.locator("audio[controls]")
    player.wait_for()
    # The native player has the focus and loads the Ogg Opus file.
    assert page.evaluate("() => document.activeElement.tagName") == "AUDIO"
    page.wait_for_function(
        "() => document.querySelector('audio').readyState >= 1", timeout=15000
    )
    duration = page.evaluate("() => document.querySelector('audio').duration")
    # Chromium knows an Ogg file's length only with range requests (nginx); the
    # length itself is checked in tests/reading/test_speech.py.
    assert duration > 0
    stop = page.get_by_role("button", name="読み上げを停止")
    assert stop.is_visible()
    stop.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.querySelector('audio').paused")
    assert page.locator(".reading-status").inner_text() == "読み上げを停止しました。"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/seed_player_1280.png", full_page=False)
    context.close()
