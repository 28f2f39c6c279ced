"""The public pages in Chromium: reflow at 320 px and 200% zoom, skip link, print, search."""

from __future__ import annotations

import pytest

from meetings.demo_data import SEED_PUBLIC_ID
from tests.browser.public_site import load_demo_fast, public_pages
from tests.meetings.public_builders import _fresh_public_cache

__all__ = ["_fresh_public_cache"]
pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll("main *, header *, footer *")]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
    .map((el) => el.tagName + "." + el.className);
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide};
}"""


@pytest.mark.parametrize(
    ("width", "scale"),
    [
        (320, 1),  # WCAG 1.4.10 reflow width
        (640, 2),  # a 1280 px window at 200% zoom
    ],
)
def test_public_pages_fit_320_px_and_200_percent_zoom_without_sideways_scrolling(
    live_server, browser, monkeypatch, width, scale
):
    load_demo_fast(monkeypatch)
    context = browser.new_context(
        locale="ja-JP",
        viewport={"width": width, "height": 800},
        device_scale_factor=scale,
    )
    page = context.new_page()
    for name, path in public_pages().items():
        page.goto(live_server.url + path)
        layout = page.evaluate(OVERFLOW_JS)
        assert layout["scrollWidth"] <= layout["clientWidth"], (name, layout)
        assert layout["wide"] == [], name
        # The text stays at a readable size (nothing shrinks to fit).
        size = page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('main p'))"
            ".fontSize)"
        )
        assert size >= 14, name
    context.close()


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(
    live_server, page, monkeypatch
):
    load_demo_fast(monkeypatch)
    page.goto(f"{live_server.url}/meetings/{SEED_PUBLIC_ID}/")
    skip = page.locator("a.skip-link")
    assert not skip.is_visible() or skip.bounding_box()["width"] <= 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "本文へ移動"
    assert skip.bounding_box()["width"] > 10  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#main")


def test_print_stylesheet_prints_the_result_without_navigation(
    live_server, page, monkeypatch
):
    load_demo_fast(monkeypatch)
    page.goto(f"{live_server.url}/meetings/{SEED_PUBLIC_ID}/")
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".breadcrumbs", ".kk-incidents"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator("article.kaisai-kekka h1").is_visible()
    assert page.locator(".kk-contact").is_visible()
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Mincho" in family
    page.emulate_media(media="screen")
    assert page.locator(".site-header").is_visible()


def test_searching_from_the_header_of_a_meeting_page_highlights_the_match(
    live_server, page, monkeypatch
):
    load_demo_fast(monkeypatch)
    page.goto(f"{live_server.url}/meetings/{SEED_PUBLIC_ID}/")
    page.get_by_label("開催結果を検索").fill("豚熱 ")
    with page.expect_navigation():
        page.get_by_role("button", name="検索", exact=True).click()
    assert "「豚熱」を含む開催結果:0件" in page.locator("main").inner_text()
    page.get_by_label("検索する語句", exact=False).fill("ランサム")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="検索").click()
    assert page.locator("mark").first.inner_text() == "ランサム"
    with page.expect_navigation():
        page.locator(".meeting-row-title a").first.click()
    assert page.url.endswith(f"/meetings/{SEED_PUBLIC_ID}/")


def test_every_public_page_has_the_search_box_or_is_the_search_page(
    live_server, page, monkeypatch
):
    load_demo_fast(monkeypatch)
    for name, path in public_pages().items():
        page.goto(live_server.url + path)
        assert page.get_by_role("search").count() == 1, name
        assert page.locator("h1").count() == 1, name
        assert page.locator("html").get_attribute("lang") == "ja"
