"""The open-data API and bulk files over 10,000 published meetings on PostgreSQL.

Uses bench_public's generator (the same meetings, publications and incidents) in a
database of its own, then serves in-process through Django's test Client (the full
middleware stack): the API's meeting detail, list and search, and in the same run
the trivial view (``HttpResponse("ok")``) as the baseline; prints median times and
ratios. Then times the bulk files (CSV and JSON Lines per 年度 and for all, one pass:
``meetings.api.bulk.generate_all``) and prints their sizes.

    .venv/bin/python bench/bench_api.py [--meetings 10000] [--requests 300]
        [--database postgres://postgres@127.0.0.1:5432/cm_bench_api] [--reuse]

The rate limit is raised for the run (it is per client, and the bench is one client).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_public  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/cm_bench_api"
    )
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("the benchmark runs on PostgreSQL (--database postgres://…)")

    os.environ["API_RATE_LIMIT"] = "100000000/minute"
    bench_public.configure(args.database)

    from meetings.models import Meeting

    bench_public.prepare_database(args.database, args.meetings, reuse=args.reuse)

    from urllib.parse import quote

    from django.test import Client

    from meetings.api import bulk

    published = Meeting.objects.published()
    ids = list(published.order_by("?").values_list("public_id", flat=True)[:100])
    client = Client()
    n = args.requests
    print(f"\n{published.count()} published meetings; median of {n} requests each\n")
    rows: list[tuple[str, tuple[float, float]]] = []
    trivial = bench_public.median_ms(client, ["/__bench__/trivial/"], n)
    rows.append(("trivial view (HttpResponse)", trivial))

    def measure(label: str, paths: list[str], expect: int = 200, **headers) -> None:
        if headers:
            client.defaults.update(headers)
        try:
            rows.append((label, bench_public.median_ms(client, paths, n, expect)))
        finally:
            for key in headers:
                client.defaults.pop(key, None)

    detail = [f"/api/v1/meetings/{i}/" for i in ids]
    measure("API meeting detail (100 meetings)", detail)
    etag = client.get(detail[0])["ETag"]
    measure("API meeting detail, 304", detail[:1], 304, HTTP_IF_NONE_MATCH=etag)
    measure("API meeting text", [f"/api/v1/meetings/{i}/text/" for i in ids])
    measure("API list, first page", ["/api/v1/meetings/"])
    measure("API list, 100 a page", ["/api/v1/meetings/?page_size=100"])
    measure("API list, 年度 + type", ["/api/v1/meetings/?year=2020&type=renraku"])
    measure("API list, page 100", ["/api/v1/meetings/?page=100"])
    measure("API search 停電", [f"/api/v1/search/?q={quote('停電')}"])
    measure("public meeting page (HTML)", [f"/meetings/{i}/" for i in ids])

    width = max(len(label) for label, _ in rows) + 2
    print(f"{'':{width}}{'wall ms':>8} {'÷trivial':>9} {'cpu ms':>8} {'÷trivial':>9}")
    for label, (wall, cpu) in rows:
        print(
            f"{label:{width}}{wall:>8.2f} {wall / trivial[0]:>8.1f}×"
            f" {cpu:>8.2f} {cpu / trivial[1]:>8.1f}×"
        )

    print("\nBulk files (generate_all: every 年度 and all, one pass)")
    tracemalloc.start()
    started, started_cpu = time.perf_counter(), time.process_time()
    sizes: dict[str, int] = {}
    for path, content in bulk.generate_all(base="https://example.lg.jp"):
        sizes[path] = len(content)
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    years = len({p.split("/")[0] for p in sizes}) - 1
    print(
        f"{len(sizes)} files ({years} 年度 + all), {sum(sizes.values()) / 1e6:.1f} MB,"
        f" {wall:.1f} s wall, {cpu:.1f} s CPU, peak Python memory {peak / 1e6:.0f} MB"
    )
    for name in bulk.FILE_NAMES:
        print(f"  all/{name}: {sizes[f'all/{name}'] / 1e6:.1f} MB")
    started = time.perf_counter()
    one = bulk.build_file("all", "meetings.csv")
    print(
        f"one file on demand (all/meetings.csv, {len(one) / 1e6:.1f} MB, the"
        f" view without the tree): {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
