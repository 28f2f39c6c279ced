"""Public pages from the tree through nginx, against nginx serving a plain file.

10,000 published meetings on PostgreSQL (bench_public.py's generator), the tree
built by ``build_site``, nginx started with deploy/nginx.conf on a free port. Then
wrk (16 connections, one run each) requests, through nginx, the meeting page, archive
page 1 and archive page 300 (path URLs), and in the same run a plain static file with
the same bytes (``/__bench__/…``, served by the same server block). Prints req/s and
the ratio file/page (target: each page within 1.5× of its file).

Also, in the same run: the time from publishing one more meeting to its page being in
the tree, then to every list being rewritten (jobs inline, no broker), and the files
written by that publication.

    .venv/bin/python bench/bench_static.py [--meetings 10000] [--duration 10]
        [--database postgres://postgres@127.0.0.1:5432/cm_bench_static] [--reuse]
        [--tree /path/to/keep/the/tree]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CONNECTIONS = 16
TARGET = 1.5


def configure(database_url: str, tree: Path, static_root: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 60)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["PUBLIC_SITE_ROOT"] = str(tree)
    os.environ["PUBLIC_SITE_URL"] = "http://127.0.0.1"
    os.environ["STATIC_ROOT"] = str(static_root)
    os.environ.setdefault("MEDIA_ROOT", str(tree.parent / "media"))
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        os.environ.pop(name, None)  # jobs inline, so the timing includes the lists
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisis_meetings.settings")
    import django

    django.setup()


def wrk(url: str, duration: int) -> float:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", url],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if not found or errors:
        sys.exit(f"wrk failed on {url}:\n{result.stdout}{result.stderr}")
    return float(found.group(1))


def time_publication(tree: Path) -> tuple[float, float, int]:
    """Seconds to the meeting page in the tree, to all lists done; files written."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from meetings import permissions, services
    from meetings.site.signals import tree_changed
    from tests.factories import make_meeting

    user_model = get_user_model()
    editor, _ = user_model.objects.get_or_create(username="bench_editor")
    approver, _ = user_model.objects.get_or_create(username="bench_approver")
    editor.groups.add(Group.objects.get_or_create(name=permissions.EDITOR)[0])
    approver.groups.add(Group.objects.get_or_create(name=permissions.APPROVER)[0])
    meeting = make_meeting(user=editor, status="review", held_on="2026-03-31")
    page = tree / "meetings" / str(meeting.public_id) / "index.html"
    written: list[str] = []
    first_page: list[float] = []
    started = time.perf_counter()

    def on_change(sender=None, *, written=(), removed=(), **kwargs):
        written_paths.extend(written)
        if page.exists() and not first_page:
            first_page.append(time.perf_counter() - started)

    written_paths = written
    tree_changed.connect(on_change, dispatch_uid="bench-static")
    try:
        services.meeting_publish(meeting=meeting, user=approver)
    finally:
        tree_changed.disconnect(dispatch_uid="bench-static")
    total = time.perf_counter() - started
    assert page.exists(), "the published meeting's page is not in the tree"
    return (first_page[0] if first_page else total), total, len(set(written))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/cm_bench_static"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database")
    parser.add_argument("--tree", type=Path, help="keep the tree here (reused)")
    parser.add_argument(
        "--no-build", action="store_true", help="with --tree: use the tree as it is"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if not args.database.startswith("postgres"):
        sys.exit("the benchmark runs on PostgreSQL (--database postgres://…)")
    for tool in ("wrk", "nginx"):
        if not (shutil.which(tool) or Path("/usr/sbin", tool).exists()):
            sys.exit(f"{tool} is not installed: run `make setup` (Debian package)")

    from tests.deploy import stack

    work = stack.shared_tempdir("cm-bench-static-")
    tree = (args.tree or work / "tree").resolve()
    static_root = work / "static"
    configure(args.database, tree, static_root)

    import bench_public
    from django.core.management import call_command
    from django.db import connections

    from meetings.models import Meeting

    bench_public.prepare_database(
        args.database, args.meetings, reuse=args.reuse, at_least=True
    )
    call_command("collectstatic", interactive=False, verbosity=0)

    from django.conf import settings

    from meetings import static_search
    from meetings.site import build_site

    # The search index is timed on its own (a job of its own in production).
    settings.PUBLIC_SITE_SEARCH_INDEX = False
    built = None
    if not (args.no_build and (tree / "index.html").exists()):
        print(f"Building the tree in {tree} …")
        started = time.perf_counter()
        batch = build_site()
        built = time.perf_counter() - started
        files = sum(1 for p in tree.rglob("*") if p.is_file())
        print(
            f"  build_site: {built:.0f} s, {len(batch.written)} files written, "
            f"{files} files in the tree"
        )
    started = time.perf_counter()
    static_search.write_service_pages(tree)
    static_search.build_search_index(tree)
    index_seconds = time.perf_counter() - started
    index_bytes = sum(
        p.stat().st_size
        for p in (tree / static_search.INDEX_DIR).rglob("*")
        if p.is_file()
    )
    print(
        f"  Pagefind index (meeting and incident pages): {index_seconds:.1f} s, "
        f"{index_bytes / 1e6:.1f} MB"
    )

    newest = Meeting.objects.published().order_by(
        "-current_publication__held_on", "-current_publication_id"
    )[0]
    targets = {
        "meeting page": f"/meetings/{newest.public_id}/",
        "archive page 1": "/",
        "archive page 300": "/archive/page/300/",
    }
    baseline_dir = tree / "__bench__"
    baseline_dir.mkdir(exist_ok=True)
    baselines = {}
    for n, (label, url) in enumerate(targets.items()):
        source = tree / url.lstrip("/") / "index.html"
        if not source.exists():
            sys.exit(f"{url} is not in the tree ({source})")
        shutil.copyfile(source, baseline_dir / f"{n}.html")
        baselines[label] = (f"/__bench__/{n}.html", source.stat().st_size)

    nginx = stack.nginx(
        work, site_root=tree, static_root=static_root, upstream_port=stack.free_port()
    )
    nginx.start()
    base = f"http://127.0.0.1:{nginx.port}"
    print(
        f"\n{Meeting.objects.published().count()} published meetings; nginx "
        f"(worker_processes auto) on {os.cpu_count()} cores shared with wrk; "
        f"wrk -t2 -c{CONNECTIONS} -d{args.duration}s, one run each\n"
    )
    print(
        f"{'':18}{'url':<24}{'bytes':>8}{'page req/s':>12}{'file req/s':>12}"
        f"{'file÷page':>11}  target ≤ {TARGET}×"
    )
    try:
        for label, url in targets.items():
            baseline, size = baselines[label]
            for path in (url, baseline):
                response = stack.get(base, path)
                assert response.status == 200 and len(response.body) == size, path
            page_rps = wrk(base + url, args.duration)
            file_rps = wrk(base + baseline, args.duration)
            ratio = file_rps / page_rps
            shown = url if len(url) < 23 else url[:20] + "…/"
            verdict = "ok" if ratio <= TARGET else "missed"
            print(
                f"{label:18}{shown:<24}{size:>8}{page_rps:>12,.0f}{file_rps:>12,.0f}"
                f"{ratio:>10.2f}×  {verdict}"
            )
    finally:
        nginx.stop()
        shutil.rmtree(baseline_dir, ignore_errors=True)

    to_page, to_lists, written = time_publication(tree)
    connections.close_all()
    print(
        f"\npublish → meeting page in the tree: {to_page * 1000:.0f} ms; "
        f"→ every list rewritten (inline jobs): {to_lists:.1f} s; "
        f"files written by the publication: {written}"
    )
    if built is not None:
        print(f"full build_site: {built:.0f} s")
    if args.tree is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
