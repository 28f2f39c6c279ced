"""The API documentation page in Chromium under the strict CSP: Swagger UI starts
from static files only, lists every operation, and "Try it out" fetches JSON."""

from __future__ import annotations

import pytest

from tests.browser.public_site import load_demo_fast

pytestmark = pytest.mark.django_db(transaction=True)

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def test_api_docs_work_under_the_strict_csp(live_server, page, monkeypatch, tmp_path):
    load_demo_fast(monkeypatch)
    violations: list[str] = []
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))

    def with_csp(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": CSP}
        route.fulfill(response=response, headers=headers)

    page.route(f"{live_server.url}/**", with_csp)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => (window.__csp = window.__csp || []).push("
        "e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto(f"{live_server.url}/api/v1/")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert len(paths) == 6
    assert any("/api/v1/meetings/{id}/" in p for p in paths)
    # Try a list call: the UI fetches JSON from this origin.
    page.locator(".opblock-summary-path", has_text="/api/v1/search/").click()
    page.get_by_role("button", name="Try it out").click()
    page.locator("input[placeholder='q']").fill("ランサム")
    page.get_by_role("button", name="Execute").click()
    page.wait_for_selector(".live-responses-table .response-col_status")
    body = page.locator(".live-responses-table .microlight").first.inner_text()
    assert "鳴門山上病院" in body or "ランサム" in body
    violations += page.evaluate("window.__csp || []")
    page.screenshot(path=tmp_path / "api-docs.png", full_page=False)
    assert violations == []
    assert not [e for e in errors if "Content Security Policy" in e], errors
