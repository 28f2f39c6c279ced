"""axe-core in Chromium: no WCAG 2.0 A/AA violations (JIS X 8341-3:2016 AA)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.public_site import load_demo_fast, public_pages
from tests.meetings.public_builders import _fresh_public_cache

__all__ = ["_fresh_public_cache"]
WCAG2_A_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [375, 1280])
def test_public_pages_have_no_wcag2_a_or_aa_violations(
    live_server, browser, monkeypatch, width
):
    load_demo_fast(monkeypatch)
    context = browser.new_context(
        locale="ja-JP", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    axe = Axe()
    report: dict[str, str] = {}
    checked = []
    for name, path in public_pages().items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        results = axe.run(page, options=WCAG2_A_AA)
        # axe ran real rules on a real page (not an empty document).
        assert results.response["passes"], name
        checked.append(name)
        if results.violations_count:
            report[name] = results.generate_report()
    context.close()
    assert checked == list(public_pages())
    assert report == {}, "\n\n".join(f"{k}:\n{v}" for k, v in report.items())
