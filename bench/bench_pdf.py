"""Official PDF: warm render time and memory over N renders, against headless Chromium.

Loads the demo into a throw-away SQLite database, takes the 2022-06-20 seed meeting's
layout data and, in one process and one run:

1. WeasyPrint through ``meetings.pdf.render_meeting_pdf``: the first (cold) render,
   then N warm renders (time per render; RSS after each), then N more under
   tracemalloc (peak and retained Python memory per render);
2. the same without reuse: a fresh ``FontConfiguration`` and stylesheet per render,
   as the first cut did (time and RSS growth), as the in-process baseline;
3. headless Chromium printing the same HTML and stylesheet: Playwright's
   ``page.pdf()`` with the browser kept open (warm), and ``chromium --headless
   --print-to-pdf`` started per PDF (cold, as a script would call it);

and prints the figures and the ratios (Chromium time / WeasyPrint warm time).
Targets (issue 5): ≤ 0.5 s warm for the seed's 2 pages, memory flat over the N
renders, ≥ 3× faster than Chromium.

    .venv/bin/python bench/bench_pdf.py [--renders 50] [--chromium-runs 20] [--cli-runs 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.mkdtemp(prefix="bench_pdf_"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisis_meetings.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["MEDIA_ROOT"] = str(WORK / "media")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from meetings import demo_data, layout, pdf  # noqa: E402
from meetings.models import Meeting  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE / 2**20


def pages(content: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"median {statistics.median(times) * 1000:7.1f} ms  "
        f"min {ordered[0] * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  (n={len(times)})"
    )


def seed_data() -> dict:
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    meeting = Meeting.objects.with_parts().get(public_id=demo_data.SEED_PUBLIC_ID)
    return layout.meeting_data(meeting)


def bench_weasyprint(data: dict, renders: int) -> dict:
    pdf._resources = None  # include building the font configuration in "cold"
    start = time.perf_counter()
    content = pdf.render_meeting_pdf(data)
    cold = time.perf_counter() - start

    times: list[float] = []
    cpu: list[float] = []
    rss: list[float] = []
    for _ in range(renders):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf.render_meeting_pdf(data)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        rss.append(rss_mb())

    gc.collect()
    tracemalloc.start()
    retained: list[int] = []
    peaks: list[int] = []
    for _ in range(renders):
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        pdf.render_meeting_pdf(data)
        current, peak = tracemalloc.get_traced_memory()
        peaks.append(peak - before)
        gc.collect()
        retained.append(tracemalloc.get_traced_memory()[0])
    tracemalloc.stop()
    return {
        "content": content,
        "cold": cold,
        "times": times,
        "cpu": cpu,
        "rss": rss,
        "peaks": peaks,
        "retained": retained,
    }


def bench_without_reuse(data: dict, renders: int) -> dict:
    """The first cut: a new FontConfiguration and stylesheet for every render."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = pdf.render_html(data)
    times: list[float] = []
    rss: list[float] = []
    for _ in range(renders):
        start = time.perf_counter()
        font_config = FontConfiguration()
        css = CSS(filename=str(pdf.STYLESHEET), font_config=font_config)
        HTML(string=html).write_pdf(
            stylesheets=[css], font_config=font_config, pdf_variant=pdf.PDF_VARIANT
        )
        times.append(time.perf_counter() - start)
        rss.append(rss_mb())
    return {"times": times, "rss": rss}


def chromium_html(data: dict) -> Path:
    """The same HTML WeasyPrint prints, with the same stylesheet linked."""
    folder = WORK / "chromium"
    folder.mkdir(exist_ok=True)
    shutil.copy(pdf.STYLESHEET, folder / "result.css")
    html = pdf.render_html(data).replace(
        "</head>", '<link rel="stylesheet" href="result.css">\n</head>', 1
    )
    path = folder / "seed.html"
    path.write_text(html, encoding="utf-8")
    return path


def bench_playwright(html_path: Path, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        content = b""
        for n in range(runs + 1):
            start = time.perf_counter()
            page.goto(html_path.as_uri())
            content = page.pdf(format="A4", prefer_css_page_size=True)
            if n:  # the first one warms the browser up
                times.append(time.perf_counter() - start)
        browser.close()
    return {"times": times, "content": content}


def bench_chromium_cli(html_path: Path, runs: int) -> dict:
    times: list[float] = []
    out = WORK / "chromium" / "seed.pdf"
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                *CHROMIUM_ARGS,
                "--no-pdf-header-footer",
                f"--print-to-pdf={out}",
                html_path.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        times.append(time.perf_counter() - start)
    return {"times": times, "content": out.read_bytes()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--chromium-runs", type=int, default=20)
    parser.add_argument("--cli-runs", type=int, default=5)
    parser.add_argument("--baseline-renders", type=int, default=10)
    args = parser.parse_args()

    print(
        f"machine: {os.cpu_count()} CPUs, load average {load()}; "
        f"WeasyPrint {pdf_version()}"
    )
    data = seed_data()
    weasy = bench_weasyprint(data, args.renders)
    warm = statistics.median(weasy["times"])
    rss = weasy["rss"]
    print(
        f"\nseed meeting: {pages(weasy['content'])} pages, {len(weasy['content'])} bytes"
    )
    print("WeasyPrint (meetings.pdf, font configuration and stylesheet reused)")
    print(f"  cold (first render, builds fonts): {weasy['cold'] * 1000:7.1f} ms")
    print(f"  warm: {summary(weasy['times'])}")
    print(f"  warm CPU time of this process: {summary(weasy['cpu'])}")
    print(
        f"  RSS after render 1 / 10 / {args.renders // 2} / {args.renders}: "
        + " / ".join(
            f"{rss[i]:.1f}"
            for i in (0, min(9, len(rss) - 1), len(rss) // 2 - 1, len(rss) - 1)
        )
        + " MB"
        + f"  (growth from 10th to last: {rss[-1] - rss[min(9, len(rss) - 1)]:+.1f} MB)"
    )
    peaks, retained = weasy["peaks"], weasy["retained"]
    print(
        f"  tracemalloc: peak per render median {statistics.median(peaks) / 2**20:.1f} MB"
        f" (max {max(peaks) / 2**20:.1f} MB); retained after render 1 / last:"
        f" {retained[0] / 2**20:.2f} / {retained[-1] / 2**20:.2f} MB"
        f" ({(retained[-1] - retained[0]) / 2**10:+.0f} KB over {len(retained)} renders)"
    )

    base = bench_without_reuse(data, args.baseline_renders)
    print("WeasyPrint without reuse (new FontConfiguration + stylesheet per render)")
    print(f"  time: {summary(base['times'])}")
    print(
        f"  RSS first / last: {base['rss'][0]:.1f} / {base['rss'][-1]:.1f} MB "
        f"({base['rss'][-1] - base['rss'][0]:+.1f} MB over {len(base['rss'])})"
    )
    print(
        f"  ratio without reuse / with reuse: "
        f"{statistics.median(base['times']) / warm:.2f}×"
    )

    html_path = chromium_html(data)
    chromium = bench_playwright(html_path, args.chromium_runs)
    cli = bench_chromium_cli(html_path, args.cli_runs)
    warm_chromium = statistics.median(chromium["times"])
    cold_chromium = statistics.median(cli["times"])
    print("Chromium", chromium_version())
    print(
        f"  Playwright page.pdf(), browser kept open: {summary(chromium['times'])}"
        f"  [{pages(chromium['content'])} pages]"
    )
    print(
        f"  chromium --headless --print-to-pdf per PDF: {summary(cli['times'])}"
        f"  [{pages(cli['content'])} pages]"
    )

    print(
        "\nratios (Chromium time / WeasyPrint warm time; > 1 means WeasyPrint faster)"
    )
    print(f"  vs Playwright warm: {warm_chromium / warm:.2f}×")
    print(f"  vs chromium CLI:    {cold_chromium / warm:.2f}×")
    print(f"\nload average at the end: {load()} (wall times grow with it; ratios less)")
    print("targets")
    growth = rss[-1] - rss[min(9, len(rss) - 1)]
    verdicts = [
        ("warm render ≤ 0.5 s", warm <= 0.5, f"{warm * 1000:.0f} ms"),
        ("memory flat (RSS growth 10th→last < 5 MB)", growth < 5, f"{growth:+.1f} MB"),
        (
            "≥ 3× faster than chromium --print-to-pdf",
            cold_chromium / warm >= 3,
            f"{cold_chromium / warm:.2f}×",
        ),
        (
            "≥ 3× faster than warm Playwright page.pdf()",
            warm_chromium / warm >= 3,
            f"{warm_chromium / warm:.2f}×",
        ),
    ]
    for label, ok, figure in verdicts:
        print(f"  [{'met' if ok else 'NOT met'}] {label}: {figure}")
    shutil.rmtree(WORK, ignore_errors=True)


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def pdf_version() -> str:
    import weasyprint

    return weasyprint.__version__


def chromium_version() -> str:
    try:
        return subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except OSError:
        return "(not found)"


if __name__ == "__main__":
    main()
