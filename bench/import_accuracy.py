"""Field accuracy of the importer on labelled pages: the share of labelled fields that
``parse_page`` (what ``import_pages --dry-run --json`` prints) gets right.

A folder holds pages (.txt/.html) and ``labels.json``: for each file name, the
meeting type, session number, date, agenda topics, and for each section its kind,
speaker and first item (the first top-level item's text). Sections are compared by
position; a section the importer misses counts its three fields as wrong.

    .venv/bin/python bench/import_accuracy.py tests/fixtures/labelled [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from meetings.importer import parse_page  # noqa: E402

HEADER_FIELDS = ("meeting_type", "session_number", "held_on")
SECTION_FIELDS = ("kind", "speaker", "first_item")


def compare(label: dict[str, Any], data: dict[str, Any]) -> list[tuple[str, bool]]:
    """(field name, right?) for every labelled field of one page."""
    results = [(name, data.get(name) == label[name]) for name in HEADER_FIELDS]
    agenda = data.get("agenda") or []
    for n, topic in enumerate(label["agenda"]):
        results.append(("agenda", n < len(agenda) and agenda[n] == topic))
    if len(agenda) > len(label["agenda"]):
        results.append(("agenda", False))  # a topic too many
    sections = data.get("sections") or []
    for n, expected in enumerate(label["sections"]):
        found = sections[n] if n < len(sections) else None
        items = (found or {}).get("items") or []
        got = {
            "kind": found and found.get("kind"),
            "speaker": found and found.get("speaker"),
            "first_item": items[0]["text"] if items else None,
        }
        for name in SECTION_FIELDS:
            results.append(
                (f"section {name}", found is not None and got[name] == expected[name])
            )
    return results


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("folder")
    arguments.add_argument("--verbose", action="store_true")
    options = arguments.parse_args()
    folder = Path(options.folder)
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for name, label in sorted(labels.items()):
        text = (folder / name).read_text(encoding="utf-8")
        [data, *_] = parse_page(text, filename=name)
        for field, ok in compare(label, data):
            total[field] += 1
            right[field] += ok
            if options.verbose and not ok:
                print(f"  miss: {name}: {field}")
    print(f"pages: {len(labels)}")
    for field in sorted(total):
        print(f"  {field:22} {right[field]:4}/{total[field]:<4}")
    all_right, all_total = sum(right.values()), sum(total.values())
    print(
        f"field accuracy: {all_right}/{all_total} = {100 * all_right / all_total:.1f}%"
    )


if __name__ == "__main__":
    main()
