"""The static search page (Pagefind) in Chromium, served by nginx from the tree.

nginx runs with deploy/nginx.conf and no application server behind it (its upstream
port is closed), as during an outage: /search-static/ and /search/ (the fallback)
both search the tree's Pagefind index under the strict CSP (plus 'wasm-unsafe-eval').
axe finds no WCAG 2.0 A/AA violation on the page, empty and with results.
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.public_site import load_demo_fast
from tests.deploy import stack
from tests.deploy.tree import build_served_tree

MISSING = stack.nginx_missing()
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]
WCAG2_A_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}
DONE = re.compile("件|見つかりませんでした|読み込めません|文字以上")


@pytest.fixture
def served(settings, monkeypatch):
    from meetings.demo_data import SEED_PUBLIC_ID

    load_demo_fast(monkeypatch)
    folder = stack.shared_tempdir("cm-static-search-")
    tree, static_root = build_served_tree(settings, folder)
    nginx = stack.nginx(
        folder, site_root=tree, static_root=static_root, upstream_port=stack.free_port()
    )
    nginx.start()
    try:
        yield {"base": f"http://127.0.0.1:{nginx.port}", "seed": str(SEED_PUBLIC_ID)}
    finally:
        nginx.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type in {"error", "warning"} else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _real_problems(problems: list[str]) -> list[str]:
    # The tree has no favicon; browsers ask for one on every page.
    return [p for p in problems if "favicon" not in p and "404 (Not Found)" not in p]


def test_static_search_finds_the_seed_meeting_in_japanese_without_the_app(
    browser, served
):
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    problems = _watch_console(page)
    page.goto(served["base"] + "/search-static/")
    page.get_by_label("検索する語句").fill("サイバー攻撃")
    page.get_by_role("button", name="検索").click()
    status = page.locator("#static-search-status")
    expect(status).to_have_text(DONE)
    expect(status).to_contain_text("件")
    links = page.locator("#static-search-results a")
    expect(links.first).to_be_visible()
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert f"/meetings/{served['seed']}/" in hrefs
    expect(page.locator("#static-search-results mark").first).to_be_visible()
    assert "q=" in page.url  # the query is kept in the address

    # A word no page has.
    page.get_by_label("検索する語句").fill("zqxwvkj")
    page.get_by_role("button", name="検索").click()
    expect(status).to_contain_text("見つかりませんでした")
    expect(page.locator("#static-search-results li")).to_have_count(0)
    assert _real_problems(problems) == []  # no CSP violation, no script error
    context.close()


def test_search_url_falls_back_to_the_static_search_with_the_query(browser, served):
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    response = page.goto(served["base"] + "/search/?q=" + quote("サイバー攻撃"))
    assert response.status == 200
    expect(page.get_by_label("検索する語句")).to_have_value("サイバー攻撃")
    expect(page.locator("#static-search-status")).to_contain_text("件")
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_static_search_page_has_no_wcag2_a_or_aa_violations(browser, served, width):
    context = browser.new_context(
        locale="ja-JP", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    axe = Axe()
    reports = {}
    for name, path in {
        "empty": "/search-static/",
        "results": "/search-static/?q=" + quote("サイバー攻撃"),
        "404": "/no-such-page/",
    }.items():
        page.goto(served["base"] + path)
        if name == "results":
            expect(page.locator("#static-search-results li").first).to_be_visible()
        results = axe.run(page, options=WCAG2_A_AA)
        assert results.response["passes"], name
        if results.violations_count:
            reports[name] = results.generate_report()
    context.close()
    assert reports == {}, "\n\n".join(f"{k}:\n{v}" for k, v in reports.items())


def test_static_search_folds_kana_and_long_vowels_like_the_dynamic_search(
    browser, served
):
    """さいばー攻撃 (hiragana, long-vowel mark) finds サイバー攻撃: the query is folded
    with the map meetings.search.text gives the page, and the page's katakana words
    are indexed folded too (a hidden paragraph)."""
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.goto(served["base"] + "/search-static/?q=" + quote("さいばー攻撃"))
    status = page.locator("#static-search-status")
    expect(status).to_have_text(DONE)
    expect(status).to_contain_text("件")
    links = page.locator("#static-search-results a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert f"/meetings/{served['seed']}/" in hrefs
    context.close()
