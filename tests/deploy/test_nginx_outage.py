"""nginx with deploy/nginx.conf in front of gunicorn, on instances of their own.

A throwaway PostgreSQL cluster (initdb) and Redis, gunicorn (DEBUG off) and nginx on
free ports; the demo loaded and the tree built by ``manage.py build_site``. While
everything is up, a crawl through nginx finds the pages the dynamic site (gunicorn
alone) has, with the same content, and dynamic URLs reach gunicorn. Then gunicorn,
PostgreSQL and Redis are stopped: every file of the tree still answers 200 from nginx
with its bytes, search falls back to the static Pagefind page, filtered lists to the
plain list and staff URLs answer the Japanese maintenance page (503).
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest

from meetings.site.build import DYNAMIC_PREFIXES
from tests.deploy import stack

MISSING = stack.nginx_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")

# Not public files: the app's own pages and the tree's search bundle (no dynamic twin).
# The build's own list, so a dynamic prefix added to the app (e.g. /mail/) is skipped here.
SKIP_IN_CRAWL = (*DYNAMIC_PREFIXES, "/pagefind/", "/search-static/")
# Headers Django's SecurityMiddleware adds and nginx's tree responses do not.
FROM_DJANGO = "cross-origin-opener-policy"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in {"href", "src"} and value:
                self.links.append(value)


def _links(base_path: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for link in parser.links:
        url = urlsplit(urljoin("http://site" + base_path, link))
        if url.netloc not in {"site", ""} or url.query:
            continue
        found.append(url.path)
    return found


def crawl(base: str, *, limit: int = 2000) -> dict[str, stack.Response]:
    """Every public URL reachable from /, sitemap.xml and the feed (no queries)."""
    seen: dict[str, stack.Response] = {}
    queue = deque(["/", "/sitemap.xml", "/feed/", "/robots.txt"])
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or path.startswith(SKIP_IN_CRAWL):
            continue
        response = stack.get(base, path)
        seen[path] = response
        content_type = response.headers.get("content-type", "")
        if response.status != 200 or "pdf" in content_type:
            continue
        if "html" in content_type:
            queue.extend(_links(path, response.text))
        elif "xml" in content_type:
            for loc in re.findall(
                r"<(?:loc|id)>([^<]+)</|href=\"([^\"]+)\"", response.text
            ):
                for value in loc:
                    if value:
                        url = urlsplit(value)
                        if not url.query and url.path.startswith("/"):
                            queue.append(url.path)
    return seen


def _main(html: str) -> str:
    """The page's <main> element, whitespace-normalised."""
    found = re.search(r"<main\b.*?</main>", html, re.S)
    assert found, "no <main> element"
    return re.sub(r"\s+", " ", found.group(0)).strip()


def _directives(policy: str) -> set[str]:
    return {part.strip() for part in policy.split(";") if part.strip()}


def tree_files(root: Path) -> dict[str, Path]:
    """URL → file for every public file of the tree (dot files are not public)."""
    urls = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or any(p.startswith(".") for p in relative.parts):
            continue
        if relative.name in {"index.html", "index.pdf", "index.xml"}:
            parent = relative.parent.as_posix()
            url = "/" if parent == "." else f"/{parent}/"
        else:
            url = "/" + relative.as_posix()
        if relative.as_posix() in {"404.html", "503.html"} or relative.parts[0] == (
            "withdrawn"
        ):
            continue  # internal: nginx answers errors (410 for withdrawn) with them
        urls[url] = path
    return urls


@pytest.fixture(scope="module")
def site():
    folder = stack.shared_tempdir("cm-outage-")
    pg_folder = folder / "pg"
    pg_folder.mkdir()
    postgres = stack.Postgres(pg_folder)
    redis = stack.redis(folder)
    started: list = []
    try:
        postgres.start()
        started.append(postgres)
        redis.start()
        started.append(redis)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "CELERY_"))
        }
        env.update(
            DATABASE_URL=postgres.createdb("cm_outage"),
            CACHE_URL=f"redis://127.0.0.1:{redis.port}/0",
            DEBUG="0",
            SECRET_KEY="outage-test-" + "s" * 60,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",
            SECURE_HSTS_SECONDS="0",
            PUBLIC_SITE_ROOT=str(folder / "tree"),
            MEDIA_ROOT=str(folder / "media"),
            STATIC_ROOT=str(folder / "static"),
            PUBLIC_SITE_URL="http://127.0.0.1",
            LOG_LEVEL="ERROR",
        )
        manage = [sys.executable, str(stack.ROOT / "manage.py")]
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["collectstatic", "--noinput", "-v0"],
            ["load_demo", "--i-know-this-is-not-production"],
            ["build_site"],
        ):
            result = subprocess.run(
                manage + command,
                env=env,
                cwd=stack.ROOT,
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, (command, result.stdout, result.stderr)
        gunicorn = stack.gunicorn(env, folder)
        gunicorn.start()
        started.append(gunicorn)
        nginx = stack.nginx(
            folder,
            site_root=folder / "tree",
            static_root=folder / "static",
            upstream_port=gunicorn.port,
        )
        nginx.start()
        started.append(nginx)
        yield {
            "nginx": f"http://127.0.0.1:{nginx.port}",
            "gunicorn": f"http://127.0.0.1:{gunicorn.port}",
            "tree": folder / "tree",
            "processes": {"postgres": postgres, "redis": redis, "gunicorn": gunicorn},
            "ports": {
                "postgres": postgres.port,
                "redis": redis.port,
                "gunicorn": gunicorn.port,
            },
        }
    finally:
        for service in reversed(started):
            service.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_crawl_through_nginx_finds_the_dynamic_sites_pages_with_the_same_content(site):
    served = crawl(site["nginx"])
    dynamic = crawl(site["gunicorn"])
    meetings = [path for path in served if re.fullmatch(r"/meetings/[0-9a-f-]+/", path)]
    assert len(meetings) >= 3, sorted(served)
    assert any("/files/" in path for path in served), "no PDF or attachment linked"
    assert sorted(served) == sorted(dynamic)
    for path, response in served.items():
        twin = dynamic[path]
        assert (response.status, twin.status) == (200, 200), path
        assert FROM_DJANGO not in response.headers, f"{path} came from gunicorn"
        content_type = response.headers["content-type"]
        assert content_type.split(";")[0] == twin.headers["content-type"].split(";")[0]
        if "html" in content_type:
            assert _main(response.text) == _main(twin.text), path
        elif "pdf" in content_type:
            assert response.body == twin.body, path


def test_nginx_sends_types_and_security_headers_for_the_tree(site):
    base = site["nginx"]
    page = stack.get(base, "/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    # The app's own policy, as gunicorn sends it on the same page.
    app_policy = stack.get(site["gunicorn"], "/").headers["content-security-policy"]
    assert _directives(page.headers["content-security-policy"]) == _directives(
        app_policy
    )
    assert "object-src 'none'" in _directives(app_policy)
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "public, max-age=60"
    feed = stack.get(base, "/feed/")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert b"<feed" in feed.body
    sitemap = stack.get(base, "/sitemap.xml")
    assert sitemap.headers["content-type"].startswith("application/xml")
    pdf_url = next(url for url in tree_files(site["tree"]) if "/files/" in url)
    pdf = stack.get(base, pdf_url)
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-security-policy"] == "sandbox"
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert pdf.headers["cache-control"] == "public, max-age=3600"
    search = stack.get(base, "/search-static/")
    assert _directives(search.headers["content-security-policy"]) == {
        "script-src 'self' 'wasm-unsafe-eval'"
    } | _directives(app_policy)
    assert "wasm" not in page.headers["content-security-policy"]
    # Compressed on request.
    import urllib.request

    request = urllib.request.Request(base + "/", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.read()) == page.body
    missing = stack.get(base, "/meetings/00000000-0000-0000-0000-000000000000/")
    assert missing.status == HTTPStatus.NOT_FOUND
    assert "ページが見つかりません" in missing.text
    hidden = stack.get(base, "/.manifest.json")
    assert hidden.status == HTTPStatus.NOT_FOUND


def test_dynamic_urls_reach_gunicorn_and_tracking_queries_get_the_file(site):
    base = site["nginx"]
    staff = stack.get(base, "/staff/")
    assert staff.status == HTTPStatus.FOUND
    assert "/accounts/login/" in staff.headers["location"]
    search = stack.get(base, "/search/?q=" + quote("停電"))
    assert search.status == 200 and FROM_DJANGO in search.headers
    assert "開催結果の検索" in search.text
    filtered = stack.get(base, "/?type=renraku&year=2022")
    assert FROM_DJANGO in filtered.headers, "a filtered list is rendered by the app"
    tagged = stack.get(base, "/?utm_source=mail")
    assert FROM_DJANGO not in tagged.headers
    assert tagged.body == (site["tree"] / "index.html").read_bytes()


def test_with_gunicorn_postgres_and_redis_stopped_nginx_still_serves_every_file(site):
    for name, process in site["processes"].items():
        process.stop()
        assert stack.port_is_closed(site["ports"][name]), f"{name} still answers"
    base = site["nginx"]
    files = tree_files(site["tree"])
    assert any("/files/" in url for url in files)
    assert "/pagefind/pagefind-entry.json" in files, "the Pagefind index was not built"
    failures = []
    for url, path in files.items():
        response = stack.get(base, url)
        if response.status != 200 or response.body != path.read_bytes():
            failures.append(f"{url}: {response.status}")
    assert failures == []
    # A crawl from / reaches only pages that answer.
    crawled = crawl(base)
    assert {p: r.status for p, r in crawled.items() if r.status != 200} == {}
    assert len(crawled) >= 10

    search = stack.get(base, "/search/?q=" + quote("停電"))
    assert search.status == 200
    assert 'id="static-search-form"' in search.text
    assert "'wasm-unsafe-eval'" in search.headers["content-security-policy"]

    plain = stack.get(base, "/?type=renraku&year=2022")
    assert plain.status == 200
    assert plain.body == (site["tree"] / "index.html").read_bytes()

    for url in ("/staff/", "/staff/meetings/new/", "/admin/", "/accounts/login/"):
        down = stack.get(base, url)
        assert down.status == HTTPStatus.SERVICE_UNAVAILABLE, url
        assert "ただいま利用できません" in down.text, url
        assert down.headers["retry-after"] == "120"


def test_nginx_serves_the_open_data_files_with_their_types_and_cors(site):
    base = site["nginx"]
    csv_file = stack.get(base, "/data/all/meetings.csv")
    assert csv_file.status == 200
    assert csv_file.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv_file.body.startswith(b"\xef\xbb\xbfmeeting_id,")
    assert csv_file.headers["access-control-allow-origin"] == "*"
    assert csv_file.headers["x-content-type-options"] == "nosniff"
    assert csv_file.headers["content-security-policy"] == "sandbox"
    jsonl = stack.get(base, "/data/all/meetings.jsonl")
    assert jsonl.headers["content-type"] == "application/jsonl; charset=utf-8"
    page = stack.get(base, "/data/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert FROM_DJANGO not in page.headers
    assert stack.get(base, "/data/.fingerprints.json").status == 404
