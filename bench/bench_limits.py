"""The largest meeting the text limits accept: draft PDF and publication time.

Issue 10: a 250,000-character item made the draft PDF and publishing run past the
30 s worker timeout. ``meetings.limits`` now caps items, sections, the meeting and
row counts. This builds the largest meeting those limits accept (every section and
item at its cap, attendees and agenda at theirs, checked by the staff editor's own
validation), then in one process and one run times:

1. the seed meeting (2022-06-20, as load_demo enters it): draft PDF render and
   publish (snapshot, official PDF, stored files) — the baseline;
2. the largest accepted meeting: the same two steps;

and prints the times, the page counts and the ratios largest / seed. The target:
the largest meeting's publish stays well inside the 30 s worker timeout.

    .venv/bin/python bench/bench_limits.py [--runs 3] [--save-pdfs DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.mkdtemp(prefix="bench_limits_"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisis_meetings.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["MEDIA_ROOT"] = str(WORK / "media")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from meetings import demo_data, layout, limits, pdf, services  # noqa: E402
from meetings.limits import limit  # noqa: E402
from meetings.models import Meeting  # noqa: E402

WORKER_TIMEOUT = 30.0
# Japanese prose with the punctuation real items have (breaks lines like real text).
PROSE = (
    "県内医療機関においてランサムウェアによるサイバー攻撃が発生し、電子カルテシステムが"
    "使用できない状況となったことから、関係機関と連携し、診療体制の確保に努めること。"
)


def text_of(length: int, seed: int) -> str:
    body = f"({seed}){PROSE * (length // len(PROSE) + 1)}"
    return body[:length]


def largest_data(*, most_rows: bool = False) -> dict:
    """The largest meeting the limits accept, as a layout dict.

    Every count at its cap; the text budget left after the header, attendees,
    agenda and section headings is spread over items: of the largest accepted size,
    section by section up to the per-section cap (long paragraphs), or with
    ``most_rows`` over every section and the item cap (many short nested items).
    """
    data = {
        "meeting_type": "危機管理連絡会議",
        "held_on": "2024-05-10",
        "start_time": "17:30",
        "end_time": "17:45",
        "location": "万代庁舎3階特別会議室",
        "lead": text_of(limit("lead"), 0),
        "attendees": [text_of(30, n) for n in range(limit("attendees"))],
        "attendee_tail": "各部局主管課副課長など",
        "agenda": [text_of(60, n) for n in range(limit("agenda"))],
        "sections": [
            {
                "kind": "explanation",
                "speaker": f"危機管理政策課{n + 1}",
                "group": "main",
                "items": [],
            }
            for n in range(limit("sections"))
        ],
        "contact": {"name": "危機管理政策課", "phone": "088-621-2280"},
    }
    data["attendee_total"] = len(data["attendees"])
    budget = limit("meeting_text") - limits.meeting_text_length(data)
    items_left = limit("items")
    if most_rows:
        per_section = limit("items") // limit("sections")
        length = budget // limit("items")
        for section in data["sections"]:
            for n in range(per_section):
                item = {"marker": "・", "text": text_of(length, n), "children": []}
                if n % 3 and section["items"]:
                    item["marker"] = "○"
                    section["items"][-1]["children"].append(item)
                else:
                    section["items"].append(item)
        return data
    for section in data["sections"]:
        section_left = limit("section_text")
        while budget > 0 and section_left > 0 and items_left > 0:
            length = min(limit("item_text"), section_left, budget)
            section["items"].append(
                {"marker": "・", "text": text_of(length, items_left), "children": []}
            )
            section_left -= length
            budget -= length
            items_left -= 1
    return data


def check_accepted(meeting: Meeting) -> int:
    """The limits the staff editor applies must accept the meeting; its characters."""
    data = layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    problems = limits.meeting_problems(data)
    if problems:
        raise SystemExit(f"the built meeting is refused by the limits: {problems}")
    return limits.meeting_text_length(data)


def pages(content: bytes) -> int:
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


def measure(meeting: Meeting, approver, runs: int, save: Path | None = None) -> dict:
    data = layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    draft_times = []
    for _ in range(runs):
        started = time.perf_counter()
        content = pdf.render_meeting_pdf(data, draft=True)
        draft_times.append(time.perf_counter() - started)
    if save is not None:
        save.write_bytes(content)
    started = time.perf_counter()
    services.meeting_submit(meeting=meeting, user=approver)
    publication = services.meeting_publish(
        meeting=meeting, user=approver, check_permission=False
    )
    publish_time = time.perf_counter() - started
    return {
        "draft": statistics.median(draft_times),
        "publish": publish_time,
        "pages": pages(content),
        "pdf_kb": publication.pdf_size / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="draft renders per meeting")
    parser.add_argument("--save-pdfs", metavar="DIR", help="write the draft PDFs there")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    approver = get_user_model().objects.get(username="approver")
    pdf.render_meeting_pdf(layout.meeting_data(Meeting.objects.with_parts().first()))

    seed = Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)
    seed_copy = services.meeting_create_from_data(
        data=layout.meeting_data(Meeting.objects.with_parts().get(pk=seed.pk)),
        user=approver,
    )
    seed_chars = check_accepted(seed_copy)
    shapes = {}
    for name, most_rows in (("largest", False), ("most rows", True)):
        meeting = services.meeting_create_from_data(
            data=largest_data(most_rows=most_rows), user=approver
        )
        shapes[name] = (meeting, check_accepted(meeting))

    out = Path(args.save_pdfs) if args.save_pdfs else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)

    def path(name: str) -> Path | None:
        return out / f"{name.replace(' ', '_')}.pdf" if out is not None else None

    base = measure(seed_copy, approver, args.runs, path("seed"))
    results = {
        name: (chars, measure(meeting, approver, args.runs, path(name)))
        for name, (meeting, chars) in shapes.items()
    }
    names = ("item_text", "section_text", "meeting_text", "sections", "items")
    print("limits:", {k: limit(k) for k in (*names, "attendees", "agenda")})
    print(
        f"{'meeting':<10} {'chars':>8} {'pages':>6} {'PDF KB':>8} "
        f"{'draft PDF s':>12} {'publish s':>10}"
    )
    rows = [("seed", seed_chars, base)] + [(n, c, m) for n, (c, m) in results.items()]
    for name, chars, m in rows:
        print(
            f"{name:<10} {chars:>8} {m['pages']:>6} {m['pdf_kb']:>8.0f} "
            f"{m['draft']:>12.2f} {m['publish']:>10.2f}"
        )
    for name, (_, m) in results.items():
        print(
            f"ratio {name}/seed: draft PDF {m['draft'] / base['draft']:.1f}x, "
            f"publish {m['publish'] / base['publish']:.1f}x; publish = "
            f"{m['publish'] / WORKER_TIMEOUT:.0%} of the {WORKER_TIMEOUT:.0f} s "
            "worker timeout"
        )


if __name__ == "__main__":
    main()
