"""Benchmark: enter the 2022-06-20 seed meeting and the 2012 page in Chromium.

The 2012 page (issue 14) is entered by keyboard alone (tests/browser/entry_2012.py):
page loads, keys pressed, text insertions and mouse clicks, with and without
JavaScript (the no-JavaScript run is the baseline).

Prints, for the editor with JavaScript (rows added in the page, bullets by Enter) and
for the same editor without it (every add is a form post), the number of page loads
and the time from the dashboard to the saved preview. The no-JavaScript run is the
baseline of the same run; the ratio is what the in-page editing saves. Typing is
Playwright's `fill` (instant), so the time is the system's share, not a person's.

    .venv/bin/python bench/bench_entry.py [--runs 3] [--no-baseline]

Uses a throwaway SQLite database and media folder, and a development server on a
free port of 127.0.0.1; nothing else is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--page",
        choices=["seed", "2012", "both"],
        default="both",
        help="the seed meeting (mouse and fill), the 2012 page (keyboard only), or both",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-entry-"))
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_SETTINGS_MODULE": "crisis_meetings.settings",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    }
    os.environ.update(env)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )

    import django

    django.setup()
    from meetings.demo import load_master_data, load_users
    from meetings.models import Meeting
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.browser.seed_entry import enter_seed_meeting, login
    from tests.factories import tiny_pdf

    load_master_data()
    load_users()
    pdf_path = workdir / "会議資料.pdf"
    pdf_path.write_bytes(tiny_pdf())

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, list[tuple[int, float, float]]] = {}
    keyboard: dict[str, list[Any]] = {}
    try:
        _wait_for(f"{base_url}/accounts/login/")
        from playwright.sync_api import sync_playwright

        modes = [("JavaScript", True)] + (
            [] if args.no_baseline else [("no JS", False)]
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for label, js in modes if args.page != "2012" else []:
                for _ in range(args.runs):
                    # The audit trail is append-only: meetings stay, each run adds one.
                    before = Meeting.objects.count()
                    context = browser.new_context(
                        locale="ja-JP", timezone_id="Asia/Tokyo", java_script_enabled=js
                    )
                    page = context.new_page()
                    page.set_default_timeout(30000)
                    login(page, base_url, "editor", "editor-demo-2022")
                    loads = []
                    page.on("load", lambda _page, loads=loads: loads.append(1))
                    started = time.perf_counter()
                    saving = enter_seed_meeting(
                        page, base_url, pdf_path=pdf_path, js=js
                    )
                    elapsed = time.perf_counter() - started
                    assert Meeting.objects.count() == before + 1
                    results.setdefault(label, []).append((len(loads), elapsed, saving))
                    context.close()
            if args.page != "seed":
                keyboard = _bench_2012(browser, base_url, modes, args.runs)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    if keyboard:
        _report_2012(keyboard)
    if not results:
        return
    from meetings import demo_data

    bullets = sum(len(s["items"]) for s in demo_data.SEED["sections"])
    print(
        f"Entering the seed meeting ({len(demo_data.SEED['sections'])} sections, "
        f"{bullets} bullets, {len(demo_data.SEED['attendees'])} attendees pasted, "
        f"1 attachment), {args.runs} run(s) each, median:"
    )
    medians = {}
    for label, runs in results.items():
        loads = statistics.median(r[0] for r in runs)
        seconds = statistics.median(r[1] for r in runs)
        saving = statistics.median(r[2] for r in runs)
        medians[label] = (loads, seconds)
        print(
            f"  {label:>10}: {loads:5.0f} page loads  {seconds:7.2f} s in all, "
            f"{saving:5.2f} s of it to save and show the preview"
        )
    if "no JS" in medians:
        js_loads, js_seconds = medians["JavaScript"]
        base_loads, base_seconds = medians["no JS"]
        print(
            f"  ratio JavaScript / no JS: page loads {js_loads / base_loads:.3f}, "
            f"time {js_seconds / base_seconds:.3f}"
        )


def _bench_2012(browser, base_url: str, modes, runs: int) -> dict[str, list[Any]]:
    """The 2012 page (issue 14) by keyboard alone: page loads, keys, insertions, clicks."""
    from meetings.models import Meeting
    from tests.browser.entry_2012 import Counter, enter_2012_page
    from tests.browser.seed_entry import login

    found: dict[str, list[Any]] = {}
    for label, js in modes:
        for _ in range(runs):
            before = Meeting.objects.count()
            context = browser.new_context(
                locale="ja-JP", timezone_id="Asia/Tokyo", java_script_enabled=js
            )
            page = context.new_page()
            page.set_default_timeout(30000)
            login(page, base_url, "editor", "editor-demo-2022")
            counter = Counter()
            page.on("load", lambda p, c=counter: c.loads.append(p.url))
            started = time.perf_counter()
            enter_2012_page(page, base_url, counter, js=js)
            counter.seconds = time.perf_counter() - started  # type: ignore[attr-defined]
            assert Meeting.objects.count() == before + 1
            found.setdefault(label, []).append(counter)
            context.close()
    return found


def _report_2012(found: dict[str, list[Any]]) -> None:
    print(
        "Entering the 2012 page (危機管理会議 平成24年12月26日, 年末年始の危機事象対応; "
        "● headings, a (1) item, a (概要) block of three) by keyboard alone, median:"
    )
    medians = {}
    for label, runs in found.items():
        loads = statistics.median(len(c.loads) for c in runs)
        keys = statistics.median(c.keys for c in runs)
        texts = statistics.median(c.texts for c in runs)
        clicks = statistics.median(c.clicks for c in runs)
        seconds = statistics.median(c.seconds for c in runs)
        medians[label] = (loads, keys)
        print(
            f"  {label:>10}: {loads:3.0f} page loads  {keys:4.0f} keys  "
            f"{texts:3.0f} text insertions  {clicks:2.0f} mouse clicks  {seconds:6.2f} s"
        )
    if "no JS" in medians:
        (js_loads, js_keys), (base_loads, base_keys) = (
            medians["JavaScript"],
            medians["no JS"],
        )
        print(
            f"  ratio JavaScript / no JS: page loads {js_loads / base_loads:.3f}, "
            f"keys {js_keys / base_keys:.3f}"
        )


if __name__ == "__main__":
    main()
