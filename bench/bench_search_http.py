"""Search over HTTP: gunicorn serving /search/ against the same gunicorn serving a
static file (WhiteNoise), with wrk (16 connections), over bench_public.py's 10,000
meetings on PostgreSQL (run bench_public.py first; its database is reused).

wrk asks the 20 queries of bench_public.SEARCH_QUERIES in turn (a Lua script), then
the same static file; prints req/s of each and the ratio (issue 16's target: search
at least 1/5 of the static file's throughput). The server keeps nothing per query:
each request runs the search (matching documents, facets, snippets); what is cached
is what a running server has (thesaurus, filter choices, rendered rows).

    .venv/bin/python bench/bench_search_http.py [--duration 10] [--workers 3]
        [--database postgres://postgres@127.0.0.1:5432/cm_bench] [--no-preload]

gunicorn runs with deploy/gunicorn.conf.py (the master builds the search index before
forking; --no-preload: each worker builds its own at its first search). Runs of
2026-11-30 (2 cores shared with four other sessions; the static file's rate varies
twofold between runs): search (20 queries in turn) 48, 75 and 52 req/s against the
static file's 1,798, 1,995 and 1,022 (1/37, 1/27, 1/20; before the in-process index:
5.6 vs 746 req/s = 1/130). With the config: server answering 7.7 s after its start
(index built), first search 181-229 ms; each worker RSS 182 MB, PSS 62 MB (the
index's arrays shared). --no-preload: 82 vs 1,720 req/s (1/21), first search 6.7 s,
each worker RSS 193 MB, PSS 169 MB (peak about 560 MB while building). Still below
the 1/5 target: a search costs about 6-7 ms of Python (template, facets, snippets,
middleware) plus three queries; a static file a fraction of a millisecond.
With the page's own work cut (rows, page links and facets written in Python, the
base template's chrome rendered once per process; see bench_public.py) and the
public state read by primary key, 2026-11-30 23:27 (machine shared, loaded):
search 67.9 req/s against the static file's 1,030 (1/15; before, the runs above:
1/20 to 1/37; at 22:57, with part of these changes on a busier machine: 28.8 vs
593, 1/21), 停電 alone 65.8 (1/16); worker RSS 215 MB, PSS 70-71 MB. Still below 1/5: each search is still several ms of Python (matching,
snippets, middleware, two templates) against well under a millisecond for a file.
At 23:28 (load 9): 67.4 req/s against 1,270 (1/19), 停電 alone 58.5; worker RSS
215 MB, PSS 70-71 MB: the snippets' original texts kept in the index cost each
worker about 33 MB of RSS and 8 MB of PSS (26.6 MB shared from the master), and
save the query each search made for them.
2026-12-01, quiet machine, base (c3f4b8a) and main (67ac40c) in turn: search 603.6
and 685.4 req/s against the static file's 6,044.9 and 5,967.0 (0.100, 0.115) before;
1,244.8 and 1,271.9 against 5,804.2 and 5,640.4 (0.214, 0.225) after; 停電 alone
0.122 / 0.128 → 0.252 / 0.256. Two earlier runs of main the same night, before the
last change of the rows' escaping: 0.200 and 0.210. Worker RSS / PSS 225 / 73-74 MB
(215 / 72-96 before: fewer pages unshared during the runs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_public import SEARCH_QUERIES  # noqa: E402

CONNECTIONS = 16
TARGET = 1 / 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk(url: str, duration: int, script: Path | None = None) -> float:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s"]
    if script is not None:
        command += ["-s", str(script)]
    result = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    found = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if not found or errors:
        sys.exit(f"wrk failed on {url}:\n{result.stdout}{result.stderr}")
    return float(found.group(1))


def worker_rss_mb(master: int) -> list[tuple[float, float]]:
    """Resident memory (RSS, and PSS: shared pages divided among the processes
    sharing them) of each gunicorn worker (the master's children), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines()
            )
            if fields.get("PPid", "").strip() != str(master):
                continue
            rollup = (status.parent / "smaps_rollup").read_text()
        except (OSError, ValueError):
            continue
        sizes.append(
            (
                int(fields["VmRSS"].split()[0]) / 1024,
                int(pss.group(1)) / 1024
                if (pss := re.search(r"^Pss:\s+(\d+) kB", rollup, re.M))
                else float("nan"),
            )
        )
    return sorted(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/cm_bench"
    )
    parser.add_argument(
        "--no-preload",
        dest="preload",
        action="store_false",
        help="without deploy/gunicorn.conf.py: each worker builds its own index",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cm-search-http-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(folder / "static"),
        "PUBLIC_SITE_ROOT": str(folder / "tree"),
        "MEDIA_ROOT": str(folder / "media"),
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "crisis_meetings.settings",
    }
    for name in ("CELERY_BROKER_URL", "CACHE_URL", "SERVE_PUBLIC_SITE"):
        env.pop(name, None)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    manifest = json.loads((folder / "static" / "staticfiles.json").read_text())
    static_path = "/static/" + manifest["paths"]["css/site.css"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            *(
                ["-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
                if args.preload
                else []
            ),
            "crisis_meetings.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    started = time.perf_counter()
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + static_path, timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        serving = time.perf_counter() - started
        paths = [f"/search/?q={quote(q)}" for q in SEARCH_QUERIES]
        # The first search of a worker builds its facts table and bigram index.
        started = time.perf_counter()
        urllib.request.urlopen(base + paths[0], timeout=120).read()
        first_search = time.perf_counter() - started
        for path in paths * args.workers * 2:  # every worker: facets' table, caches
            urllib.request.urlopen(base + path, timeout=120).read()
        rss_before = worker_rss_mb(server.pid)
        script = folder / "queries.lua"
        script.write_text(
            "local paths = {"
            + ",".join(json.dumps(p) for p in paths)
            + "}\nlocal n = 0\nrequest = function()\n  n = n + 1\n"
            "  return wrk.format('GET', paths[(n % #paths) + 1])\nend\n"
        )
        print(
            f"gunicorn, {args.workers} sync workers, on {os.cpu_count()} cores shared "
            f"with wrk and PostgreSQL; wrk -t2 -c{CONNECTIONS} -d{args.duration}s\n"
        )
        static_rps = wrk(base + static_path, args.duration)
        search_rps = wrk(base + "/search/", args.duration, script)
        single_rps = wrk(base + paths[0], args.duration)
        rows = [
            ("static file (WhiteNoise, same gunicorn)", static_rps),
            ("search, 20 queries in turn", search_rps),
            (f"search {SEARCH_QUERIES[0]} (one query)", single_rps),
        ]
        width = max(len(label) for label, _ in rows) + 2
        for label, rps in rows:
            ratio = rps / static_rps
            print(f"{label:{width}}{rps:>9.1f} req/s  {ratio:>6.3f} of the static file")
        verdict = "ok" if search_rps / static_rps >= TARGET else "missed"
        print(f"\ntarget: search ≥ 1/5 of the static file: {verdict}")
        rss_after = worker_rss_mb(server.pid)
        how = (
            "index built by the master before forking (deploy/gunicorn.conf.py)"
            if args.preload
            else "each worker builds its index at its first search"
        )
        print(
            f"\n{how}:\n"
            f"  server answering {serving:.1f} s after its start; first search "
            f"{first_search * 1000:.0f} ms\n"
            "  worker RSS / PSS (MB) after warm-up: "
            + ", ".join(f"{r:.0f}/{p:.0f}" for r, p in rss_before)
            + "; after the runs: "
            + ", ".join(f"{r:.0f}/{p:.0f}" for r, p in rss_after)
            + "\n  (PSS shares the pages workers have in common: the index's arrays"
            " when forked from the master)"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
