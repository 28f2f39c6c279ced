"""In Chromium: no Content-Security-Policy violation on any page of the demo, for
the public and for each staff role; the editor's browser copy is gone after logout.
(Issue 10, point 3.)"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from meetings.demo import load_demo
from tests.browser.seed_entry import login, logout

# Injected by the test (not by the templates): every violation the page reports.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    [e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" ")
  );
});
"""
# Files and machine-readable answers are not pages.
NOT_A_PAGE = re.compile(
    r"(\.pdf|\.csv|\.jsonl?|\.svg|\.xml|/download/|/files/|/feed/|/logout/|/progress/)"
    r"|/admin/.*/(delete|history)/|/admin/jsi18n/"
)


def _crawl(page, base_url: str, starts: list[str], prefixes: tuple[str, ...], limit):
    """Visit every same-origin page reachable by links under `prefixes`; return the
    violations seen per URL, after checking each page carries the strict policy."""
    seen: set[str] = set()
    queue = list(starts)
    violations: dict[str, list[str]] = {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(urljoin(base_url, path))
        page.wait_for_load_state("load")
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, path
        assert "unsafe-inline" not in policy, path
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[path] = found
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(base_url).netloc:
                continue
            target = parts.path + (
                f"?{parts.query}" if "/search/" in parts.path else ""
            )
            if target.startswith(prefixes) and not NOT_A_PAGE.search(target):
                if target not in seen:
                    queue.append(target)
    return seen, violations


@pytest.fixture
def demo(transactional_db):
    load_demo()


@pytest.fixture
def watched_page(page):
    page.context.add_init_script(COLLECT_VIOLATIONS)
    return page


@pytest.mark.django_db(transaction=True)
def test_no_csp_violation_on_any_public_or_staff_page(live_server, watched_page, demo):
    page, base = watched_page, live_server.url
    visited, violations = _crawl(
        page,
        base,
        ["/", "/search/?q=医療", "/incidents/", "/accounts/login/", "/no-such-page/"],
        ("/",),
        limit=60,
    )
    assert len(visited) > 10
    for username, starts, prefixes, limit in [
        ("editor", ["/staff/"], ("/staff/", "/accounts/"), 120),
        ("approver", ["/staff/", "/accounts/security/"], ("/staff/", "/accounts/"), 40),
        ("admin", ["/staff/", "/admin/"], ("/admin/",), 60),
        # A department's editor: its requests and the writing page (contributions).
        ("iryo", ["/staff/", "/staff/contributions/"], ("/staff/",), 20),
    ]:
        login(page, base, username, f"{username}-demo-2022")
        seen, found = _crawl(page, base, starts, prefixes, limit)
        assert len(seen) > 5, username
        visited |= seen
        violations.update({f"{username} {url}": v for url, v in found.items()})
        logout(page, base)
    assert violations == {}
    assert {"/staff/", "/admin/", "/accounts/security/"} <= visited
    assert any(re.fullmatch(r"/staff/contributions/\d+/", url) for url in visited)


@pytest.mark.django_db(transaction=True)
def test_enrolment_pages_have_no_csp_violation(live_server, watched_page, demo):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user__username="approver").delete()
    page, base = watched_page, live_server.url
    login(page, base, "approver", "approver-demo-2022")  # enrols on the way
    page.goto(f"{base}/accounts/otp/setup/")
    assert page.evaluate("window.__cspViolations") == []


@pytest.mark.django_db(transaction=True)
def test_logout_clears_the_editors_copy_of_unsaved_text(live_server, page, demo):
    base = live_server.url
    login(page, base, "editor", "editor-demo-2022")
    page.goto(f"{base}/staff/")
    page.get_by_role("link", name="危機管理連絡会議を新しく作成", exact=True).click()
    page.wait_for_selector("#meeting-editor")
    page.fill("#id_held_on", "2022-06-21")
    # The editor keeps its copy half a second after the last keystroke.
    has_copy = "Object.keys(localStorage).some(k => k.startsWith('meeting-editor:'))"
    for _ in range(50):
        if page.evaluate(has_copy):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(has_copy)
    logout(page, base)
    page.goto(f"{base}/")
    assert page.evaluate("Object.keys(localStorage)") == []
