"""The public tree's own search and service pages (served by nginx with no app).

After every batch of tree writes (``meetings.site.signals.tree_changed``):

- the static search page (``search-static/index.html``), the Japanese 404 page and the
  maintenance page nginx shows for staff URLs while gunicorn is down are written
  (only when their content changed);
- a page removed from the tree (a withdrawal) loses its Pagefind fragment at once, in
  the same request, so its text is no longer served from ``/pagefind/``;
- the Pagefind index is rebuilt from the tree's meeting and incident pages as a
  background job (``rebuild_search_index``). Pagefind reads HTML only from the tree,
  so nothing the tree does not publish can reach the index; only the parts marked
  ``data-pagefind-body`` are indexed.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from celery import shared_task
from csp.decorators import csp_update
from django.conf import settings
from django.core.files.storage import storages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from meetings.extensions import related

logger = logging.getLogger(__name__)

INDEX_DIR = "pagefind"
SEARCH_PAGE = "search-static/index.html"
NOT_FOUND_PAGE = "404.html"
MAINTENANCE_PAGE = "503.html"
# Tree paths written here; build_site and verify_site leave them alone.
KEEP = [f"{INDEX_DIR}/", "search-static/", NOT_FOUND_PAGE, MAINTENANCE_PAGE]


def indexed_dirs() -> list[str]:
    """The tree directories whose pages are indexed (lists would repeat every
    title): the meetings' and the related records' (``extensions.related()``)."""
    return ["meetings", *related().indexed_dirs]


def indexed_glob() -> str:
    return "{" + ",".join(indexed_dirs()) + "}/**/index.html"


# Which fragment holds which page: lets a withdrawal remove its text at once.
FRAGMENT_MAP = ".fragments.json"
LOCK_FILE = ".pagefind.lock"
DIRTY_FILE = ".pagefind.dirty"
STATIC_SEARCH_URL = "/search-static/"
# Pagefind compiles WebAssembly: its page and its worker script need exactly this on
# top of the app's policy (deploy/nginx.conf sends the same).
SEARCH_CSP_UPDATE = {"script-src": ["'self'", "'wasm-unsafe-eval'"]}
BUNDLE_URL = f"/{INDEX_DIR}/"


class SearchIndexError(RuntimeError):
    """Pagefind could not build the index (the previous index stays)."""


def tree_root() -> Path:
    """The tree as a local folder: Pagefind reads and writes files."""
    storage = storages["public_site"]
    try:
        return Path(storage.path(""))
    except NotImplementedError as error:
        raise SearchIndexError(
            "the public tree is not on a local file system: build the tree locally "
            "and push it (README, Production)"
        ) from error


# ---------------------------------------------------------------------------
# Service pages
# ---------------------------------------------------------------------------


def _request(path: str) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "80"}
    return request


def _context() -> dict[str, str]:
    from meetings.search.text import static_query_map

    return {
        "archive_url": reverse("public:archive"),
        "search_url": reverse("public:search"),
        "static_search_url": STATIC_SEARCH_URL,
        "bundle_url": BUNDLE_URL,
        # The query folding of the dynamic search, as far as Pagefind allows.
        "fold_map": json.dumps(static_query_map(), ensure_ascii=False),
    }


@csp_update(SEARCH_CSP_UPDATE)
def search_page(request: HttpRequest) -> HttpResponse:
    """/search-static/ from Django (make run, tests); nginx serves the tree's copy."""
    return render(request, "site/search_static.html", _context())


def csp_update_for(path: str) -> dict[str, list[str]] | None:
    """The CSP addition a tree file needs when Django serves it (make run)."""
    if path == SEARCH_PAGE or (
        path.startswith(f"{INDEX_DIR}/") and path.endswith(".js")
    ):
        return SEARCH_CSP_UPDATE
    return None


def service_pages() -> dict[str, str]:
    """Tree path → HTML of the pages nginx serves on its own."""
    context = _context()
    pages = {
        SEARCH_PAGE: ("site/search_static.html", STATIC_SEARCH_URL),
        NOT_FOUND_PAGE: ("site/404.html", "/404.html"),
        MAINTENANCE_PAGE: ("site/503.html", "/503.html"),
    }
    return {
        path: render_to_string(template, context, request=_request(url))
        for path, (template, url) in pages.items()
    }


def _replace(target: Path, content: bytes) -> bool:
    """Write ``content`` atomically unless the file already holds it."""
    if target.exists() and target.read_bytes() == content:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return True


def write_service_pages(root: Path | None = None) -> list[str]:
    """Write the search, 404 and maintenance pages; returns the paths written."""
    root = root or tree_root()
    return [
        path
        for path, html in service_pages().items()
        if _replace(root / path, html.encode("utf-8"))
    ]


# ---------------------------------------------------------------------------
# Pagefind index
# ---------------------------------------------------------------------------


def pagefind_command(site: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site),
        "--output-path",
        str(output),
        "--glob",
        indexed_glob(),
        "--silent",
    ]


def read_fragment(path: Path) -> dict:
    """A Pagefind fragment: gzip'd, ``pagefind_dcd`` then JSON."""
    data = gzip.decompress(path.read_bytes())
    return json.loads(data.removeprefix(b"pagefind_dcd"))


def _url_to_tree_path(url: str) -> str:
    path = url.lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


def _build(root: Path) -> None:
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".pagefind-new-"))
    try:
        result = subprocess.run(
            pagefind_command(root, staging),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if result.returncode != 0 or not (staging / "pagefind-entry.json").exists():
            raise SearchIndexError(
                f"pagefind failed ({result.returncode}): {result.stderr[-2000:]}"
            )
        fragments = {
            _url_to_tree_path(read_fragment(path)["url"]): path.name
            for path in (staging / "fragment").glob("*.pf_fragment")
        }
        (staging / FRAGMENT_MAP).write_text(json.dumps(fragments), encoding="utf-8")
        _publish(staging, root / INDEX_DIR)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish(staging: Path, target: Path) -> None:
    """Move the new index in file by file so that a reader never sees half of one.

    Fragments and word indexes have content-hashed names: the new ones are added
    first, then the fixed names (the entry file last but one, naming the new hashes)
    are replaced, and only then the files no longer named are removed.
    """
    new_files = sorted(
        p.relative_to(staging) for p in staging.rglob("*") if p.is_file()
    )
    hashed = [p for p in new_files if p.parts[0] in {"fragment", "index"}]
    fixed = [
        p for p in new_files if p not in hashed and p.name != "pagefind-entry.json"
    ]
    entry = [p for p in new_files if p.name == "pagefind-entry.json"]
    for relative in hashed + fixed + entry:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        (staging / relative).chmod(0o644)
        os.replace(staging / relative, destination)
    kept = set(new_files)
    for old in target.rglob("*"):
        if old.is_file() and old.relative_to(target) not in kept:
            old.unlink()
    for folder in (target / "fragment", target / "index"):
        folder.chmod(0o755) if folder.exists() else None
    target.chmod(0o755)


def build_search_index(root: Path | None = None) -> bool:
    """Rebuild the Pagefind index of the tree; never two at once for one tree.

    A call made while a build runs marks the index dirty and returns False; the
    running build then builds again, so the last change is always indexed.
    """
    root = root or tree_root()
    root.mkdir(parents=True, exist_ok=True)
    dirty = root / DIRTY_FILE
    dirty.touch()
    while True:
        with open(root / LOCK_FILE, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            try:
                while dirty.exists():
                    dirty.unlink()
                    _build(root)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        # A call that gave up between the last check and the unlock left the mark.
        if not dirty.exists():
            return True


def drop_fragments(removed: list[str], root: Path | None = None) -> list[str]:
    """Delete the Pagefind fragments of pages removed from the tree, now."""
    root = root or tree_root()
    map_path = root / INDEX_DIR / FRAGMENT_MAP
    if not removed or not map_path.exists():
        return []
    fragments = json.loads(map_path.read_text(encoding="utf-8"))
    dropped = []
    for path in removed:
        name = fragments.pop(path, None)
        if name:
            with contextlib.suppress(FileNotFoundError):
                (root / INDEX_DIR / "fragment" / name).unlink()
            dropped.append(name)
    if dropped:
        _replace(map_path, json.dumps(fragments).encode("utf-8"))
    return dropped


def _is_indexed(path: str) -> bool:
    return path.endswith("index.html") and path.split("/", 1)[0] in indexed_dirs()


def on_tree_changed(
    sender: object = None,
    *,
    written: Iterable[str] = (),
    removed: Iterable[str] = (),
    **kwargs: Any,
) -> None:
    """Receiver of ``tree_changed``: service pages and fragments now, index later."""
    if not getattr(settings, "PUBLIC_SITE_SEARCH_INDEX", True):
        return
    root = tree_root()
    write_service_pages(root)
    drop_fragments(list(removed), root)
    if (
        any(_is_indexed(p) for p in [*written, *removed])
        or not (root / INDEX_DIR / "pagefind-entry.json").exists()
    ):
        rebuild_search_index.delay()


@shared_task(
    name="meetings.rebuild_search_index",
    autoretry_for=(SearchIndexError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def rebuild_search_index() -> bool:
    """Background job: the Pagefind index of the tree (see ``build_search_index``)."""
    return build_search_index()
