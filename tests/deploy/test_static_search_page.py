"""The static search page from Django (make run): the same page, the same CSP rule."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from meetings import static_search


def _directives(policy: str) -> set[str]:
    return {part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.django_db
def test_static_search_page_alone_allows_webassembly(client):
    page = client.get("/search-static/")
    archive_policy = _directives(client.get("/search/")["Content-Security-Policy"])
    assert page.status_code == HTTPStatus.OK
    assert _directives(page["Content-Security-Policy"]) == archive_policy | {
        "script-src 'self' 'wasm-unsafe-eval'"
    }
    assert not any("wasm" in directive for directive in archive_policy)
    html = page.content.decode()
    # No inline script or style: one module file, the bundle named in a data attribute.
    assert re.findall(r"<script[^>]*>", html) == [
        '<script type="module" src="/static/js/pagefind-search.js">'
    ]
    assert "style=" not in html
    assert 'data-bundle="/pagefind/"' in html


def test_tree_files_that_need_webassembly_are_named():
    assert static_search.csp_update_for("search-static/index.html")
    assert static_search.csp_update_for("pagefind/pagefind-worker.js")
    assert static_search.csp_update_for("pagefind/fragment/ja_1.pf_fragment") is None
    assert static_search.csp_update_for("index.html") is None
