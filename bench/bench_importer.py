"""Pages parsed per second by meetings.importer.parse_page, against a trivial baseline.

Generates 1,000 varied pages: randomised meetings rendered in the official layout
(meetings.layout.render_text), then disguised the way real pages vary (full-width
digits, spaces inside dates, 午後 time forms, hard-wrapped lines, list bullets, page
chrome, HTML). Times parse_page over all of them, and in the same run a trivial pass
over the same texts (str.splitlines and one regex search per line), and prints both
rates and their ratio. Also prints how many pages gave back their date, start time,
section count and attendee total, as a sanity check on the generated input.

    .venv/bin/python bench/bench_importer.py [--pages 1000] [--seed 7] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisis_meetings.settings")
os.environ.setdefault("DEBUG", "1")  # development settings, as `make run` uses

import django  # noqa: E402

django.setup()

from meetings.importer import parse_page  # noqa: E402
from meetings.layout import render_text  # noqa: E402

TYPES = ["危機管理連絡会議", "危機管理会議", "危機管理対策本部会議", "災害対策本部会議"]
LOCATIONS = [
    "万代庁舎3階特別会議室",
    "県庁4階 403会議室",
    "県庁3階 防災危機管理センター",
    "万代庁舎4階災害対策本部室",
    "Zoom会議",
]
POSTS = [
    "危機管理部副部長",
    "危機管理部次長",
    "危機管理政策課長",
    "医療政策課長",
    "感染症対策課長",
    "畜産振興課長",
    "政策監",
    "知事(本部長)",
    "副知事",
    "警察本部長",
    "徳島地方気象台",
    "四国電力(株)",
]
TAILS = ["各部局主管課副課長など", "各部局主管課長ほか", "各部局長等", None]
SPEAKERS = [
    "医療政策課",
    "警察本部",
    "病院局総務課",
    "スマート県庁推進課",
    "畜産振興課",
    "徳島地方気象台",
    "感染症対策課",
    "危機管理政策課",
    "消防保安課",
    "県土整備部",
    "健康寿命推進課",
]
ISSUERS = ["危機管理部副部長", "政策監", "知事", "危機管理環境部副部長"]
TOPICS = [
    "「県内医療機関でのサイバー攻撃事案の発生」について",
    "年末年始の危機事象対応について",
    "「熱中症に関する注意喚起」について",
    "大雪への対応について",
    "「高病原性鳥インフルエンザの発生」について(県内2例目)",
]
SENTENCES = [
    "昨日、県内の医療機関において、サイバー攻撃事案が発生した。",
    "各部局において、所管しているシステムのセキュリティ対策を再確認すること。",
    "引き続き、関係機関と連携を密にし、対応することとしており、関係部局の皆様にもご協力をお願いする。",
    "県民の皆様に、基本的な感染防止対策を改めて徹底していただくことをお願いしている。",
    "本日17時40分頃、システムが使用不能となり、復旧作業が行われているところ。",
    "今後も、関係者と情報を共有しながら、適正な管理を行う。",
]
MARKERS = ["・", "○", "①", "(1)", "1.", "•"]
# Section heading marks as pages write them (■ most often), and sub-heading labels.
HEADING_MARKS = ["■", "■", "■", "■", "●", "◆", "【】", ""]
SUBHEADINGS = ["(概要)", "(経緯)", "(今後の対応)"]


def random_items(rng: random.Random, depth: int = 0) -> list[dict[str, Any]]:
    marker = rng.choice(MARKERS[:3] if depth == 0 else ["・", "-", "①"])
    items = []
    for _ in range(rng.randint(1, 6 if depth == 0 else 3)):
        children = (
            random_items(rng, depth + 1) if depth < 1 and rng.random() < 0.2 else []
        )
        items.append(
            {"marker": marker, "text": rng.choice(SENTENCES), "children": children}
        )
    return items


def with_subheading(rng: random.Random, items: list[dict[str, Any]]) -> list:
    """Sometimes a sub-heading ((1)…, (概要)) heading the section's items."""
    if rng.random() >= 0.15:
        return items
    if rng.random() < 0.5:
        label = {"marker": "", "text": rng.choice(SUBHEADINGS)}
    else:
        label = {"marker": "(1)", "text": "県内の状況"}
    children = [{**item, "children": []} for item in items if item["marker"] == "・"]
    if not children:
        return items
    return [{**label, "heading": True, "children": children}]


def random_meeting(rng: random.Random) -> dict[str, Any]:
    held = date(2010, 1, 1) + timedelta(days=rng.randrange(16 * 365))
    meeting_type = rng.choice(TYPES)
    hour = rng.choice([9, 13, 16, 17, 22, 23])
    start = f"{hour:02d}:{rng.choice([0, 15, 30]):02d}"
    end = None if rng.random() < 0.15 else f"{(hour + 1) % 24:02d}:00"
    sep = rng.choice([",", "、"])
    attendees = rng.sample(POSTS, rng.randint(2, 7))
    agenda = rng.sample(TOPICS, rng.randint(1, 3))
    sections = []
    page_mark = rng.choice(HEADING_MARKS)
    for n in range(rng.randint(2, 7)):
        kind = rng.choice(["explanation", "explanation", "report"])
        sections.append(
            {
                "kind": kind,
                "speaker": rng.choice(SPEAKERS),
                "recipients": None,
                "topic": None,
                "topic_heading": False,
                "heading": None,
                "group": "other_reports" if n > 4 else "main",
                "items": with_subheading(rng, random_items(rng)),
                "marker": page_mark,
            }
        )
    sections.insert(
        min(len(sections), 3),
        {
            "kind": "directive",
            "speaker": rng.choice(ISSUERS),
            "recipients": "各部局",
            "topic": None,
            "topic_heading": False,
            "heading": None,
            "group": "main",
            "items": random_items(rng),
        },
    )
    sections.sort(key=lambda s: s["group"] == "other_reports")
    return {
        "meeting_type": meeting_type,
        "title": f"{meeting_type}の開催結果について",
        "held_on": held.isoformat(),
        "published_on": held.isoformat() if rng.random() < 0.6 else None,
        "start_time": start,
        "end_time": end,
        "end_next_day": bool(end and end < start),
        "mode": "in_person",
        "location": rng.choice(LOCATIONS),
        "lead": (
            f"以下のとおり{sep}{meeting_type}を開催いたしましたので{sep}"
            "お知らせいたします。"
        ),
        "separator": sep,
        "attendees": attendees,
        "attendee_tail": rng.choice(TAILS),
        "attendee_total": len(attendees) + rng.randint(5, 20),
        "attendee_unit": "名",
        "agenda": agenda,
        "agenda_markers": [rng.choice(["", "○", "(1)"])] * len(agenda)
        if len(agenda) > 1
        else [""],
        "sections": sections,
        "attachments": [
            {"label": f"{meeting_type} 開催結果(R4.6.20)", "size": "141KB"},
            {"label": f"{meeting_type} 会議資料(R4.6.20)", "size": "1MB"},
        ],
        "contact": {"name": "危機管理政策課", "phone": "088-621-2280"},
    }


FULL_WIDTH = str.maketrans("0123456789:~", "０１２３４５６７８９：～")
CHROME_TOP = "文字サイズ\n\nやさしいブラウザ・クラウド版はこちらからご利用下さい\n\n"
CHROME_BOTTOM = "\nこのページの先頭へ\n"


_AFTERNOON = re.compile(r"(1[3-9]):(\d\d)~(1[3-9]):(\d\d)")


def _afternoon_words(m: re.Match[str]) -> str:
    start, end = int(m[1]) - 12, int(m[3]) - 12
    return f"午後{start}時{m[2]}分から午後{end}時{m[4]}分まで"


def disguise(text: str, rng: random.Random) -> str:
    """Make a rendered page look like one of the many real ones."""
    if rng.random() < 0.3:
        text = text.translate(FULL_WIDTH)
    if rng.random() < 0.3:  # 令和4年6 月20 日
        text = re.sub(r"(\d)(月|日)", r"\1 \2", text, count=2)
    if rng.random() < 0.2:  # 13:30~13:45 -> 午後1時30分から午後1時45分まで
        text = _AFTERNOON.sub(_afternoon_words, text)
    if rng.random() < 0.3:  # hard-wrapped old page
        wrapped = []
        for line in text.splitlines():
            while len(line) > 38 and line[0] in "・○①":
                wrapped.append(line[:38])
                line = "   " + line[38:]
            wrapped.append(line)
        text = "\n".join(wrapped)
    if rng.random() < 0.2:  # a new page's rendered list bullets
        text = re.sub(r"(?m)^■", "  • ■", text)
        text = re.sub(r"(?m)^・", "    • ・", text)
    if rng.random() < 0.3:
        text = CHROME_TOP + text + CHROME_BOTTOM
    if rng.random() < 0.1:
        body = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line)
        text = f"<html><body><main>{body}</main></body></html>"
    return text


def generate(count: int, seed: int) -> tuple[list[str], list[dict[str, Any]]]:
    rng = random.Random(seed)
    pages, meetings = [], []
    for _ in range(count):
        meeting = random_meeting(rng)
        pages.append(disguise(render_text(meeting), rng))
        meetings.append(meeting)
    return pages, meetings


BASELINE_PATTERN = re.compile(r"^\s*\d\s*日\s*時")


def trivial_pass(pages: list[str]) -> int:
    found = 0
    for text in pages:
        for line in text.splitlines():
            if BASELINE_PATTERN.search(line):
                found += 1
                break
    return found


def best_rate(function, pages: list[str], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(pages)
        best = min(best, time.perf_counter() - started)
    return len(pages) / best, result


def parse_all(pages: list[str]) -> list[dict[str, Any]]:
    return [parse_page(text)[0] for text in pages]


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--pages", type=int, default=1000)
    arguments.add_argument("--seed", type=int, default=7)
    arguments.add_argument("--repeat", type=int, default=3)
    options = arguments.parse_args()

    pages, meetings = generate(options.pages, options.seed)
    size = sum(len(p) for p in pages) / len(pages)
    parser_rate, parsed = best_rate(parse_all, pages, options.repeat)
    baseline_rate, _ = best_rate(trivial_pass, pages, options.repeat)

    agree = sum(
        p["held_on"] == m["held_on"]
        and p["start_time"] == m["start_time"]
        and len(p["sections"]) == len(m["sections"])
        and p["attendee_total"] == m["attendee_total"]
        for p, m in zip(parsed, meetings, strict=True)
    )
    ratio = baseline_rate / parser_rate
    print(f"pages: {len(pages)} generated, mean {size:.0f} characters")
    print(f"best of {options.repeat} runs:")
    print(f"  parse_page                     {parser_rate:9.0f} pages/s")
    print(f"  baseline (splitlines + regex)  {baseline_rate:9.0f} pages/s")
    print(f"  ratio: parse_page takes {ratio:.0f}x the baseline's time per page")
    print(
        f"sanity: {agree}/{len(pages)} pages gave back their date, start time, "
        "section count and attendee total"
    )


if __name__ == "__main__":
    main()
