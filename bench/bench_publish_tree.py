"""Publication tree over 10,000 published meetings on PostgreSQL: how long from a
publication (correction, withdrawal) to the tree updated, how many files each writes,
and a full ``build_site``.

Uses bench_public.py's data generator (its database, ``--reuse`` to keep it). The
tree goes to a fresh temporary folder. Jobs run inline (no broker), so the list
rebuild runs right after the commit, as a worker would pick it up at once; times
are taken from ``tree_changed`` signals: the meeting's own files (synchronous, in
the action) and then every list (the background job).

Baselines measured in the same run: rendering one meeting page through its view,
and writing one file atomically. Ratios are printed against them.

    .venv/bin/python bench/bench_publish_tree.py [--meetings 10000] [--reuse]
        [--database postgres://postgres@127.0.0.1:5432/cm_bench] [--publications 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _users():
    from django.contrib.auth.models import Group, User

    from meetings import permissions

    made = []
    for name, role in (
        ("bench_editor", permissions.EDITOR),
        ("bench_approver", permissions.APPROVER),
    ):
        user, _ = User.objects.get_or_create(username=name)
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        made.append(user)
    return made


class Timeline:
    """tree_changed batches after ``start``: (seconds since start, written, removed)."""

    def __init__(self) -> None:
        from meetings.site.signals import tree_changed

        self.start = time.perf_counter()
        self.batches: list[tuple[float, int, int]] = []
        tree_changed.connect(self.record, dispatch_uid="bench-publish-tree")

    def record(self, sender=None, *, written=(), removed=(), **kwargs) -> None:
        self.batches.append(
            (time.perf_counter() - self.start, len(written), len(removed))
        )

    def reset(self) -> None:
        self.start = time.perf_counter()
        self.batches = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--publications", type=int, default=3)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/cm_bench"
    )
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("the benchmark runs on PostgreSQL (--database postgres://…)")

    tree_root = Path(tempfile.mkdtemp(prefix="bench-tree-"))
    os.environ["PUBLIC_SITE_ROOT"] = str(tree_root)
    os.environ["JOB_LOCK_DIR"] = str(tree_root.parent / f"{tree_root.name}-locks")
    os.environ.pop("CELERY_BROKER_URL", None)
    import bench_public

    bench_public.configure(args.database)
    from django.conf import settings

    from meetings.models import Meeting

    settings.PUBLIC_SITE_SEARCH_INDEX = False  # Pagefind is bench_static.py's
    settings.PUBLIC_SITE_URL = "https://kikikanri.example.lg.jp"
    bench_public.prepare_database(
        args.database, args.meetings, reuse=args.reuse, at_least=True
    )

    from meetings import services
    from meetings.site import build_site, render, tree, verify_site
    from meetings.site.models import SiteFile
    from tests.factories import meeting_data

    SiteFile.objects.all().delete()  # the tree folder is new: so is its manifest
    published = Meeting.objects.published().count()
    print(
        f"\n{published} published meetings; tree in {tree_root}; jobs inline (no broker)\n"
    )

    # Baselines.
    sample = list(
        Meeting.objects.published()
        .order_by("?")
        .values_list("public_id", flat=True)[:30]
    )
    renders = []
    for public_id in sample:
        started = time.perf_counter()
        assert render.render_url(f"/meetings/{public_id}/") is not None
        renders.append(time.perf_counter() - started)
    render_page = statistics.median(renders[5:])
    page = render.render_url(f"/meetings/{sample[0]}/")
    writes = []
    for n in range(30):
        started = time.perf_counter()
        tree.write(f"bench-baseline/{n}.html", page)
        writes.append(time.perf_counter() - started)
    write_file = statistics.median(writes)
    for n in range(30):
        tree.remove(f"bench-baseline/{n}.html")
    print(
        f"baseline: render one meeting page {render_page * 1000:.1f} ms; write one file {write_file * 1000:.2f} ms"
    )

    # Full build, then again (idempotent).
    started = time.perf_counter()
    batch = build_site()
    full = time.perf_counter() - started
    files = len(batch.written)
    size = sum(p.stat().st_size for p in tree_root.rglob("*") if p.is_file())
    print(
        f"build_site (empty tree): {full:.1f} s, {files} files written ({size / 1e6:.0f} MB); "
        f"{full / files * 1000:.1f} ms a file = {full / files / render_page:.1f}× one page render"
    )
    started = time.perf_counter()
    again = build_site()
    print(
        f"build_site again: {time.perf_counter() - started:.1f} s, "
        f"{len(again.written)} files written, {len(again.removed)} removed"
    )

    editor, approver = _users()
    timeline = Timeline()
    rows = []

    def act(label: str, action) -> None:
        timeline.reset()
        action()
        done = time.perf_counter() - timeline.start
        own = timeline.batches[0] if timeline.batches else (done, 0, 0)
        lists = timeline.batches[1] if len(timeline.batches) > 1 else (done, 0, 0)
        rows.append((label, own, lists, done))

    meetings = []
    for n in range(args.publications):
        data = meeting_data(
            held_on=f"2026-03-{20 + n:02d}", agenda=[f"「ベンチ{n}」について"]
        )
        meeting = services.meeting_create_from_data(
            data=data, user=editor, status="review"
        )
        meetings.append(meeting)
        act(
            f"publish #{n + 1}",
            lambda m=meeting: services.meeting_publish(meeting=m, user=approver),
        )
    target = meetings[0]
    Meeting.objects.filter(pk=target.pk).update(version=target.version + 1)
    target.agenda_items.update(text="「ベンチ訂正」について")
    act(
        "correction",
        lambda: services.meeting_publish(
            meeting=Meeting.objects.get(pk=target.pk),
            user=approver,
            correction_note="議題を訂正",
        ),
    )
    act(
        "withdrawal",
        lambda: services.meeting_withdraw(
            meeting=Meeting.objects.get(pk=target.pk), user=approver
        ),
    )

    print(
        f"\n{'action':<12} {'own files':>10} {'written':>8} {'÷render':>8}   {'all lists':>10} {'written':>8} {'removed':>8}"
    )
    for label, own, lists, _done in rows:
        print(
            f"{label:<12} {own[0] * 1000:>8.0f}ms {own[1] + own[2]:>8} {own[0] / render_page:>7.1f}×"
            f"   {lists[0]:>9.1f}s {lists[1]:>8} {lists[2]:>8}"
        )
    publishes = [r for r in rows if r[0].startswith("publish")]
    print(
        f"\npublish → meeting page in the tree: median {statistics.median(r[1][0] for r in publishes) * 1000:.0f} ms "
        "(includes rendering the official PDF with WeasyPrint); "
        f"→ all lists: median {statistics.median(r[2][0] for r in publishes):.1f} s; "
        f"files written per publication: {statistics.median(r[1][1] for r in publishes):.0f} own + "
        f"{statistics.median(r[2][1] for r in publishes):.0f} lists"
    )
    started = time.perf_counter()
    report = verify_site()
    print(
        f"verify_site: {time.perf_counter() - started:.1f} s, {'ok' if report.ok else 'DIFFERENCES'}"
    )


if __name__ == "__main__":
    main()
