"""Full rebuild (``build_site``), list rebuild (the job after a publication) and
``verify_site`` (the tree against the database)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from meetings.site import generators, pages, render, tree
from meetings.site.locks import job_lock
from meetings.site.models import SiteFile
from meetings.site.writer import Batch, lock_tree

# Rendered and written per transaction: a withdrawal waits at most one chunk.
CHUNK = 25
# URL prefixes answered by Django, not by files (nginx proxies them).
DYNAMIC_PREFIXES = (
    "/staff/",
    "/admin/",
    "/accounts/",
    "/search/",
    "/static/",
    "/api/",  # the open-data API (JSON); its bulk files /data/ are in the tree
    "/mail/",  # the mail subscription's form and links (crisis_meetings.notifications)
)

Progress = Callable[[int, int], None]


def _write_all(
    urls: list[str], batch: Batch, progress: Progress | None = None
) -> set[str]:
    """Render and write ``urls`` in chunks, each under the tree lock; the paths."""
    expected: set[str] = set()
    for start in range(0, len(urls), CHUNK):
        chunk = urls[start : start + CHUNK]
        with transaction.atomic():
            if not batch.dry_run:
                lock_tree()
            known = batch.manifest([tree.url_to_path(url) for url in chunk])
            for url in chunk:
                path = tree.url_to_path(url)
                expected.add(path)
                batch.put_url(url, known)
        if progress:
            progress(min(start + CHUNK, len(urls)), len(urls))
    return expected


def _remove_extra(batch: Batch, present: Iterable[str], expected: set[str]) -> None:
    extra = sorted(set(present) - expected)
    for start in range(0, len(extra), CHUNK):
        with transaction.atomic():
            if not batch.dry_run:
                lock_tree()
            for path in extra[start : start + CHUNK]:
                batch.remove(path)


def _tree_files() -> list[str]:
    return [path for path in tree.walk() if not tree.kept(path)]


def build_site(*, check: bool = False, progress: Progress | None = None) -> Batch:
    """Write every public URL; remove files no URL has. Idempotent: a second run
    writes nothing. ``check``: write nothing, report what would change."""
    batch = Batch(dry_run=check)
    with job_lock("build_site"):
        urls = list(pages.all_urls())
        expected = _write_all(urls, batch, progress)
        expected |= generators.write(batch, full=True)
        present = set(_tree_files()) | set(
            SiteFile.objects.values_list("path", flat=True)
        )
        _remove_extra(batch, present, expected)
    batch.finish()
    return batch


def rebuild_lists() -> Batch:
    """Every list page, incident page, the feed, sitemap.xml (the background job
    after a publication or an incident change); list pages no longer needed go."""
    batch = Batch()
    with job_lock("lists"):
        urls = pages.list_urls()
        expected = _write_all(urls, batch)
        # Generated files (the open-data bulk files): only what changed.
        expected |= generators.write(batch, full=False)
        listed = SiteFile.objects.exclude(path__startswith="meetings/").values_list(
            "path", flat=True
        )
        _remove_extra(batch, [p for p in listed if not tree.kept(p)], expected)
    batch.finish()
    return batch


# ---------------------------------------------------------------------------
# verify_site
# ---------------------------------------------------------------------------

HREF = re.compile(rb'(?:href|src)="([^"]*)"|<loc>([^<]*)</loc>')


@dataclass
class Report:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    broken_links: list[tuple[str, str]] = field(default_factory=list)
    fixed: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.broken_links)


def _internal_target(link: str) -> str | None:
    """The site path a link points to, None for external links and fragments."""
    origin = settings.PUBLIC_SITE_URL
    if link.startswith(origin):
        link = link[len(origin) :] or "/"
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.query:
        return None  # a query string is answered by Django (filters, search)
    return parts.path


def broken_links(
    files: dict[str, bytes], also: frozenset[str] | set[str] = frozenset()
) -> list[tuple[str, str]]:
    broken = []
    for path, content in sorted(files.items()):
        if not path.endswith((".html", ".xml")):
            continue
        for match in HREF.finditer(content):
            raw = (match.group(1) or match.group(2) or b"").decode(errors="replace")
            raw = raw.replace("&amp;", "&")
            target = _internal_target(raw)
            if target is None or target.startswith(DYNAMIC_PREFIXES):
                continue
            path_ = tree.url_to_path(target)
            if path_ not in files and path_ not in also:
                broken.append((path, raw))
    return broken


def verify_site(*, fix: bool = False, progress: Progress | None = None) -> Report:
    """Compare the tree with what the database publishes: missing, stale and extra
    files, and links to files the tree lacks. ``fix`` rewrites and removes."""
    report = Report()
    with job_lock("build_site"):
        urls = list(pages.all_urls())
        wanted: dict[str, bytes] = {}
        for n, url in enumerate(urls, 1):
            content = render.render_url(url)
            if content is not None:
                wanted[tree.url_to_path(url)] = content
            if progress and (n % CHUNK == 0 or n == len(urls)):
                progress(n, len(urls))
        generated = dict(generators.all_files())
        wanted.update(generated)
        present = _tree_files()
        actual: dict[str, bytes] = {}
        for path in present:
            content = tree.read(path)
            if content is not None:
                actual[path] = content
        for path, content in wanted.items():
            if path not in actual:
                report.missing.append(path)
            elif (
                hashlib.sha256(actual[path]).digest()
                != hashlib.sha256(content).digest()
            ):
                report.stale.append(path)
        report.extra = sorted(set(actual) - set(wanted))
        report.missing.sort()
        report.stale.sort()
        # Links may point at files the tree keeps (the static search page…).
        kept = {path for path in tree.walk() if tree.kept(path)}
        report.broken_links = broken_links(actual, also=kept)
        if fix and not report.ok:
            batch = Batch()
            for path in report.missing + report.stale:
                with transaction.atomic():
                    lock_tree()
                    SiteFile.objects.filter(path=path).delete()
                    if path in generated:
                        batch.put(path, generated[path])
                    else:
                        batch.put_url(tree.path_to_url(path))
            for path in report.extra:
                with transaction.atomic():
                    lock_tree()
                    batch.remove(path)
            batch.finish()
            report.fixed = True
    return report
