"""Backup, verify and restore of 10,000 published meetings, with their official PDFs.

Generates the meetings with bench_public.py's generator (the rows meeting_publish
writes) in a database of its own, and gives every meeting an official PDF: one real
PDF rendered by WeasyPrint, stored once per meeting with the meeting's id appended
after %%EOF, so that every file differs (sizes as real ones; not 10,000 renders).
Then runs the real commands as an operator would, each in its own process:

- ``manage.py backup`` (again encrypted with age, and again while a staff member keeps
  saving), against a baseline measured in the same run: the database tool alone plus
  ``tar`` of MEDIA_ROOT (PostgreSQL: ``pg_dump -Fc``; SQLite: ``cp`` of the file);
- ``manage.py verify_backup``;
- ``manage.py restore`` into an empty database and MEDIA_ROOT, against ``pg_restore``
  (or ``cp``) plus ``tar -x`` of the media;
- a staff save (``services.meeting_save``) repeated while the backup runs, against the
  same save with no backup running: does the backup lock staff out?

    .venv/bin/python bench/bench_backup.py [--meetings 10000] [--reuse]
        [--database postgres://postgres@127.0.0.1:5432/cm_backup_bench]
    .venv/bin/python bench/bench_backup.py --database sqlite:////tmp/cm_backup_bench.sqlite3

Prints sizes, times and ratios. Work files go to --workdir (default: a temp folder).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def configure(database_url: str, media_root: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = str(media_root)
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisis_meetings.settings")
    import django

    django.setup()


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MiB"


def tree_size(root: Path) -> tuple[int, int]:
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def timed(args: list[str], env: dict[str, str] | None = None) -> float:
    return run(args, env)[0]


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def manage(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall-clock seconds of the process, seconds the command reports for its work:
    without Python and Django start-up)."""
    wall, out = run([sys.executable, str(ROOT / "manage.py"), *args], env)
    own = re.search(r"([\d.]+) 秒\)", out)
    return wall, float(own.group(1)) if own else wall


# -- data -------------------------------------------------------------------------


def recreate(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        Path(database_url[len("sqlite:///") :]).unlink(missing_ok=True)
    else:
        from bench_public import _recreate_database

        _recreate_database(database_url)


def generate(meetings: int, media_root: Path) -> None:
    import bench_public
    from django.db import OperationalError, connection, transaction

    from meetings import pdf
    from meetings.models import Meeting, Publication

    try:
        bench_public.generate(meetings)
    except OperationalError:
        # bench_public ends with PostgreSQL's VACUUM ANALYZE (the rows are committed).
        if connection.vendor != "sqlite":
            raise
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    first = Meeting.objects.published().select_related("current_publication").first()
    print("  rendering one official PDF with WeasyPrint …")
    base = pdf.render_meeting_pdf(first.current_publication.data)
    print(f"  writing {meetings} official PDFs of ~{len(base) // 1024} KiB …")
    import hashlib

    batch = []
    publications = Publication.objects.select_related("meeting").order_by("pk")
    for publication in publications.iterator(chunk_size=2000):
        content = base + f"\n%{publication.meeting.public_id}\n".encode()
        name = f"publications/{publication.meeting.public_id}/1-bench.pdf"
        path = media_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        publication.pdf.name = name
        publication.pdf_sha256 = hashlib.sha256(content).hexdigest()
        publication.pdf_size = len(content)
        batch.append(publication)
        if len(batch) == 2000:
            with transaction.atomic():
                Publication.objects.bulk_update(
                    batch, ["pdf", "pdf_sha256", "pdf_size"]
                )
            batch = []
    if batch:
        Publication.objects.bulk_update(batch, ["pdf", "pdf_sha256", "pdf_size"])


# -- staff saving while the backup runs -------------------------------------------


def save_latencies(stop: threading.Event | None, count: int = 0) -> list[float]:
    """Milliseconds per staff save, until ``stop`` is set (or ``count`` saves)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connections

    from meetings import permissions, services
    from tests.factories import make_meeting

    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench_editor")
    user.groups.add(Group.objects.get_or_create(name=permissions.EDITOR)[0])
    meeting = make_meeting(user=user)
    parts = {"attendees": ["危機管理部副部長"], "sections": []}
    latencies = []
    n = 0
    try:
        while (stop is None and n < count) or (stop is not None and not stop.is_set()):
            n += 1
            started = time.perf_counter()
            meeting, _ = services.meeting_save(
                meeting=meeting,
                header={"location": f"会議室{n}"},
                parts=parts,
                user=user,
                expected_version=meeting.version,
            )
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        connections.close_all()
    return latencies


def backup_while_saving(
    env: dict[str, str], dest: Path
) -> tuple[tuple[float, float], list[float]]:
    stop = threading.Event()
    result: list[list[float]] = []
    writer = threading.Thread(
        target=lambda: result.append(save_latencies(stop)), daemon=True
    )
    writer.start()
    time.sleep(0.5)
    seconds = manage(["backup", str(dest), "--no-prune"], env)
    stop.set()
    writer.join()
    return seconds, result[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/cm_backup_bench"
    )
    parser.add_argument("--workdir", help="folder for media, backups and restores")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database and media of an earlier run with --workdir",
    )
    args = parser.parse_args()
    postgres = args.database.startswith("postgres")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-backup-"))
    work.mkdir(parents=True, exist_ok=True)
    media = work / "media"
    configure(args.database, media)

    from django.db import connections

    from meetings.models import Meeting

    reuse = False
    if args.reuse:
        try:
            reuse = Meeting.objects.published().count() == args.meetings
        except Exception:
            reuse = False
        connections.close_all()
    if not reuse:
        shutil.rmtree(media, ignore_errors=True)
        recreate(args.database)
        print(f"Generating {args.meetings} published meetings in {args.database} …")
        generate(args.meetings, media)
        connections.close_all()

    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "MEDIA_ROOT": str(media),
        "DEBUG": "1",
    }
    env.pop("BACKUP_ENCRYPTION_KEY", None)
    env.pop("BACKUP_ENCRYPTION_RECIPIENTS", None)
    published = Meeting.objects.published().count()
    files, media_bytes = tree_size(media)
    print(f"\n{published} published meetings; media {files} files, {mib(media_bytes)}")

    # Baseline: the database tool alone, and tar of the media.
    base_dir = work / "baseline"
    shutil.rmtree(base_dir, ignore_errors=True)
    base_dir.mkdir()
    if postgres:
        from meetings.backup import _pg_env

        pg_env = _pg_env(connections["default"].settings_dict)
        t_db = timed(["pg_dump", "-Fc", f"--file={base_dir / 'db.dump'}"], pg_env)
        db_copy = base_dir / "db.dump"
    else:
        db_file = Path(connections["default"].settings_dict["NAME"])
        t_db = timed(["cp", str(db_file), str(base_dir / "db.sqlite3")])
        db_copy = base_dir / "db.sqlite3"
    t_tar = timed(["tar", "-cf", str(base_dir / "media.tar"), "-C", str(work), "media"])
    baseline_backup = t_db + t_tar

    # Idle save latency, then the backup while saving.
    idle = save_latencies(None, count=40)
    dest = work / "backups"
    shutil.rmtree(dest, ignore_errors=True)
    t_backup = manage(["backup", str(dest / "plain"), "--no-prune"], env)
    archive = next((dest / "plain").glob("crisis-meetings-*.tar"))
    t_busy, busy = backup_while_saving(env, dest / "busy")
    shutil.rmtree(dest / "busy")

    from meetings import backup

    secret, _ = backup.generate_key()
    t_encrypted = manage(
        ["backup", str(dest / "encrypted"), "--no-prune"],
        {**env, "BACKUP_ENCRYPTION_KEY": secret},
    )
    encrypted = next((dest / "encrypted").glob("crisis-meetings-*.tar.age"))
    t_verify = manage(["verify_backup", str(archive)], env)
    t_verify_enc = manage(
        ["verify_backup", str(encrypted)], {**env, "BACKUP_ENCRYPTION_KEY": secret}
    )

    # Restore into an empty database and MEDIA_ROOT; baseline: the tool and tar -x.
    restored_media = work / "restored-media"
    shutil.rmtree(restored_media, ignore_errors=True)
    if postgres:
        restored_url = args.database + "_restored"
        recreate(restored_url)
        name = restored_url.rsplit("/", 1)[1]
        t_db_restore = timed(
            ["pg_restore", "--no-owner", "--single-transaction", f"--dbname={name}"]
            + [str(db_copy)],
            pg_env,
        )
        recreate(restored_url)
    else:
        restored_url = args.database + ".restored"
        target = Path(restored_url[len("sqlite:///") :])
        t_db_restore = timed(["cp", str(db_copy), str(target)])
        target.unlink()
    untar = work / "untar"
    shutil.rmtree(untar, ignore_errors=True)
    untar.mkdir()
    t_untar = timed(["tar", "-xf", str(base_dir / "media.tar"), "-C", str(untar)])
    shutil.rmtree(untar)
    baseline_restore = t_db_restore + t_untar
    restore_env = {
        **env,
        "DATABASE_URL": restored_url,
        "MEDIA_ROOT": str(restored_media),
    }
    t_restore = manage(["restore", str(archive)], restore_env)

    db_size = db_copy.stat().st_size
    print(
        f"\nsizes: archive {mib(archive.stat().st_size)} "
        f"(encrypted {mib(encrypted.stat().st_size)}); database "
        f"{'pg_dump -Fc' if postgres else 'file'} {mib(db_size)}; media {mib(media_bytes)}"
    )
    rows = [
        ("baseline backup (db tool + tar media)", (baseline_backup,) * 2, None),
        ("manage.py backup", t_backup, baseline_backup),
        ("manage.py backup while staff save (CPU shared)", t_busy, baseline_backup),
        ("manage.py backup, encrypted (age)", t_encrypted, baseline_backup),
        ("manage.py verify_backup", t_verify, baseline_backup),
        ("manage.py verify_backup, encrypted", t_verify_enc, baseline_backup),
        ("baseline restore (db tool + tar -x)", (baseline_restore,) * 2, None),
        ("manage.py restore (checks, restore, compare)", t_restore, baseline_restore),
    ]
    print(f"\n{'step':<46} {'process s':>9} {'work s':>7} {'ratio':>7}")
    for label, (wall, own), base in rows:
        ratio = f"{own / base:6.2f}x" if base else "      -"
        print(f"{label:<46} {wall:9.1f} {own:7.1f} {ratio}")
    print(
        "(process: wall-clock of the whole command, Python and Django start-up "
        "included; work: the time the command reports; ratio: work / baseline)"
    )
    print(
        "\nstaff save while the backup runs (ms): "
        f"idle median {statistics.median(idle):.0f}, max {max(idle):.0f} ({len(idle)} saves); "
        f"during backup median {statistics.median(busy):.0f}, max {max(busy):.0f} "
        f"({len(busy)} saves); median ratio {statistics.median(busy) / statistics.median(idle):.2f}x"
    )
    print(f"\nwork files in {work} (delete when done)")
    if postgres:
        connections.close_all()


if __name__ == "__main__":
    main()
