"""Backups: the archive and its manifest, generations, and every corrupted backup
refused before anything is written (the full drill is in test_backup_drill.py)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from meetings import backup, services
from meetings.models import Attachment, Meeting
from tests.factories import make_meeting, tiny_pdf

TOKYO = ZoneInfo("Asia/Tokyo")
ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------
# Generations (no database)
# ---------------------------------------------------------------------------


def _at(day: str, hour: int = 3) -> datetime:
    """A backup made at ``hour`` o'clock Tokyo time on ``day``."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=TOKYO)


def test_grandfather_father_son_keeps_7_days_4_weeks_3_months():
    # One backup a day at 03:00 from 1 August to Monday 30 November 2026.
    moments = [_at("2026-08-01") + timedelta(days=n) for n in range(122)]
    assert moments[-1] == _at("2026-11-30")
    kept = backup.generations_to_keep(moments, daily=7, weekly=4, monthly=3, tz=TOKYO)
    assert sorted(kept) == [
        _at("2026-09-30"),  # September's newest
        _at("2026-10-31"),  # October's newest
        _at("2026-11-15"),  # Sunday: the week of 9-15 November
        _at("2026-11-22"),  # Sunday: the week of 16-22 November
        *(_at(f"2026-11-{day}") for day in range(24, 31)),  # the last 7 days
    ]


def test_generations_count_days_that_have_a_backup_in_local_time():
    moments = [
        _at("2026-11-30", 1),
        _at("2026-11-30", 2),  # the same day: only the newest is kept
        _at("2026-11-20"),
        # 23:30 UTC on 9 November is 08:30 on 10 November in Tokyo.
        datetime(2026, 11, 9, 23, 30, tzinfo=UTC),
        _at("2026-11-09"),
        _at("2026-10-01"),
    ]
    kept = backup.generations_to_keep(moments, daily=3, weekly=0, monthly=0, tz=TOKYO)
    assert kept == {
        _at("2026-11-30", 2),
        _at("2026-11-20"),
        datetime(2026, 11, 9, 23, 30, tzinfo=UTC),
    }


def test_the_newest_backup_is_kept_even_when_every_rule_is_zero():
    moments = [_at("2026-11-29"), _at("2026-11-30")]
    kept = backup.generations_to_keep(moments, daily=0, weekly=0, monthly=0, tz=TOKYO)
    assert kept == {_at("2026-11-30")}


def _fabricate(dest: Path, moments: list[datetime], *, encrypted=False) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for moment in moments:
        path = dest / backup.archive_name(moment, encrypted=encrypted)
        path.write_bytes(b"old")
        (dest / (path.name + ".sha256")).write_text("x")
        paths.append(path)
    return paths


def test_prune_deletes_old_generations_and_their_checksums_only(tmp_path):
    moments = [_at("2026-11-01") + timedelta(days=n) for n in range(30)]
    paths = _fabricate(tmp_path, moments[:15]) + _fabricate(
        tmp_path, moments[15:], encrypted=True
    )
    (tmp_path / "notes.txt").write_text("not a backup")
    (tmp_path / "crisis-meetings-latest.tar").write_text("not ours either")
    pruned = backup.backup_prune(dest=tmp_path, daily=2, weekly=0, monthly=0, tz=TOKYO)
    assert sorted(pruned) == sorted(paths[:-2])
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == sorted(
        [
            "notes.txt",
            "crisis-meetings-latest.tar",
            paths[-2].name,
            paths[-2].name + ".sha256",
            paths[-1].name,
            paths[-1].name + ".sha256",
        ]
    )


# ---------------------------------------------------------------------------
# Helpers: a small database with files, backups, archives rewritten
# ---------------------------------------------------------------------------


@pytest.fixture
def content(db, settings):
    """A draft meeting with a material PDF (no WeasyPrint: fast)."""
    meeting = make_meeting(title="バックアップ試験会議")
    services.attachment_add(
        meeting=meeting, label="会議資料(R6.5.10)", content=tiny_pdf(2)
    )
    return meeting


def _backup(dest: Path, **options) -> Path:
    out = io.StringIO()
    call_command("backup", str(dest), stdout=out, stderr=io.StringIO(), **options)
    archives = sorted(
        path for path in dest.iterdir() if backup.archive_time(path.name) is not None
    )
    return archives[-1]


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {member.name: tar.extractfile(member).read() for member in tar}


def _manifest(archive: Path) -> dict:
    return json.loads(_members(archive)["manifest.json"])


def _rewrite(
    archive: Path,
    change: Callable[[str, bytes], bytes],
    *,
    fix_manifest: bool = False,
    edit_manifest: Callable[[dict], None] | None = None,
) -> Path:
    """A copy of ``archive`` with members changed; with ``fix_manifest`` the manifest
    and its hash are recomputed, as a careful forger (or a newer version) would."""
    members = _members(archive)
    changed = {name: change(name, data) for name, data in members.items()}
    if fix_manifest or edit_manifest:
        manifest = json.loads(changed["manifest.json"])
        for name, data in changed.items():
            if name in manifest["files"]:
                manifest["files"][name] = {
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                }
        if edit_manifest:
            edit_manifest(manifest)
        changed["manifest.json"] = backup.manifest_bytes(manifest)
        changed["manifest.sha256"] = (
            hashlib.sha256(changed["manifest.json"]).hexdigest() + "\n"
        ).encode()
    target = archive.with_name(
        backup.archive_name(
            backup.archive_time(archive.name) + timedelta(seconds=1), encrypted=False
        )
    )
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in changed.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def _flip_middle_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _database_member() -> str:
    return backup.DATABASE_MEMBERS[connection.vendor]


def _media_state(media_root: Path) -> dict[str, str]:
    return {
        path.relative_to(media_root).as_posix(): hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for path in sorted(media_root.rglob("*"))
        if path.is_file()
    }


def _assert_refused_and_untouched(archive: Path, settings, expected: str) -> None:
    """verify_backup and restore --force both refuse; the live data stays as it was.

    The live state has changed since the backup (a meeting renamed, a file added),
    so a restore that wrote anything would show."""
    Meeting.objects.update(lead="バックアップ後に変えたリード文")
    extra = Path(settings.MEDIA_ROOT) / "attachments" / "after-backup.pdf"
    extra.write_bytes(b"%PDF-1.4 after the backup")
    titles = list(Meeting.objects.values_list("lead", flat=True))
    media = _media_state(Path(settings.MEDIA_ROOT))
    with pytest.raises(CommandError, match=expected):
        call_command("verify_backup", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert list(Meeting.objects.values_list("lead", flat=True)) == titles
    assert _media_state(Path(settings.MEDIA_ROOT)) == media


# ---------------------------------------------------------------------------
# The archive
# ---------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db(transaction=True)


@pytestmark_db
def test_backup_writes_one_archive_with_database_media_and_manifest(
    content, tmp_path, settings
):
    archive = _backup(tmp_path / "backups")
    assert backup.ARCHIVE_RE.match(archive.name)
    assert archive.stat().st_mode & 0o777 == 0o600  # every account and draft is in it
    members = _members(archive)
    manifest = json.loads(members["manifest.json"])
    assert (
        members["manifest.sha256"].decode().strip()
        == hashlib.sha256(members["manifest.json"]).hexdigest()
    )
    attachment = Attachment.objects.get(meeting=content)
    name = "media/" + attachment.file.name
    assert hashlib.sha256(members[name]).hexdigest() == attachment.sha256
    assert manifest["files"][name] == {
        "sha256": attachment.sha256,
        "size": attachment.size_bytes,
    }
    database = members[_database_member()]
    assert (
        manifest["files"][_database_member()]["sha256"]
        == hashlib.sha256(database).hexdigest()
    )
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"]["meetings_meeting"] == 1
    assert manifest["tables"]["meetings_attachment"] == 1
    assert manifest["tables"]["meetings_item"] == content.sections.first().items.count()
    applied = MigrationRecorder(connection).applied_migrations()
    assert sorted(manifest["migrations"]["meetings"]) == sorted(
        name for app, name in applied if app == "meetings"
    )
    assert manifest["app"]["version"] == "0.1.0"
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert manifest["missing_files"] == []
    checksum = archive.with_name(archive.name + ".sha256").read_text()
    assert checksum == (
        f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n"
    )
    # sha256sum can check the copy, as the README's offline copy does.
    done = subprocess.run(
        ["sha256sum", "-c", archive.name + ".sha256"],
        cwd=archive.parent,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytestmark_db
def test_manifest_lists_a_referenced_file_missing_from_media(content, tmp_path):
    attachment = Attachment.objects.get(meeting=content)
    Path(attachment.file.path).unlink()
    archive = _backup(tmp_path / "backups")
    assert _manifest(archive)["missing_files"] == [attachment.file.name]


@pytestmark_db
def test_backup_prunes_old_generations_after_a_successful_backup(
    content, tmp_path, settings
):
    dest = tmp_path / "backups"
    old = _fabricate(dest, [_at("2026-01-01") + timedelta(days=n) for n in range(3)])
    settings.BACKUP_KEEP_DAILY = 2
    settings.BACKUP_KEEP_WEEKLY = 0
    settings.BACKUP_KEEP_MONTHLY = 0
    archive = _backup(dest)
    # Kept: today's new backup and the newest old day (2 days that have backups).
    assert sorted(p.name for p in dest.iterdir() if not p.name.endswith(".sha256")) == [
        old[2].name,
        archive.name,
    ]


@pytestmark_db
def test_a_failed_backup_leaves_no_archive_and_prunes_nothing(
    content, tmp_path, settings
):
    dest = tmp_path / "backups"
    old = _fabricate(dest, [_at("2026-01-01") + timedelta(days=n) for n in range(3)])
    settings.BACKUP_KEEP_DAILY = 1
    settings.BACKUP_ENCRYPTION_RECIPIENTS = ["age1notakey"]
    with pytest.raises(CommandError, match="暗号化の鍵が読み取れません"):
        call_command("backup", str(dest), stdout=io.StringIO())
    assert sorted(p for p in dest.iterdir() if backup.archive_time(p.name)) == old
    assert not [p for p in dest.iterdir() if p.name.endswith(".partial")]


# ---------------------------------------------------------------------------
# Corrupted backups are refused before anything is written
# ---------------------------------------------------------------------------


@pytestmark_db
def test_one_byte_changed_in_a_media_file_is_refused(content, tmp_path, settings):
    archive = _backup(tmp_path / "backups")
    broken = _rewrite(
        archive,
        lambda name, data: (
            _flip_middle_byte(data) if name.startswith("media/attachments/") else data
        ),
    )
    _assert_refused_and_untouched(
        broken, settings, r"media/attachments/.*SHA-256 がマニフェストと一致しません"
    )


@pytestmark_db
def test_a_truncated_dump_is_refused(content, tmp_path, settings):
    archive = _backup(tmp_path / "backups")
    member = _database_member()
    broken = _rewrite(
        archive, lambda name, data: data[: len(data) // 2] if name == member else data
    )
    _assert_refused_and_untouched(broken, settings, f"{member}: サイズが違います")


@pytestmark_db
def test_a_truncated_dump_with_a_matching_manifest_is_refused_as_unreadable(
    content, tmp_path, settings
):
    archive = _backup(tmp_path / "backups")
    member = _database_member()
    broken = _rewrite(
        archive,
        lambda name, data: data[: len(data) // 2] if name == member else data,
        fix_manifest=True,
    )
    expected = "pg_restore --list" if connection.vendor == "postgresql" else "SQLite の"
    _assert_refused_and_untouched(broken, settings, expected)


@pytestmark_db
def test_a_tampered_manifest_is_refused(content, tmp_path, settings):
    archive = _backup(tmp_path / "backups")

    def one_more_meeting(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"]["meetings_meeting"] += 1
        return backup.manifest_bytes(manifest)

    broken = _rewrite(archive, one_more_meeting)
    _assert_refused_and_untouched(
        broken, settings, "manifest.json が manifest.sha256 と一致しません"
    )


@pytestmark_db
def test_a_truncated_archive_is_refused(content, tmp_path, settings):
    archive = _backup(tmp_path / "backups")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) * 2 // 3])
    _assert_refused_and_untouched(archive, settings, "最後まで読めません")


@pytestmark_db
def test_a_file_added_to_the_archive_is_refused(content, tmp_path, settings):
    archive = _backup(tmp_path / "backups")
    members = _members(archive)
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [*members.items(), ("media/extra.pdf", b"%PDF-1.4")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    _assert_refused_and_untouched(
        archive,
        settings,
        "media/extra.pdf: バックアップにあるのにマニフェストにありません",
    )


@pytestmark_db
def test_a_backup_from_newer_code_is_refused_naming_the_migration(
    content, tmp_path, settings
):
    # A database migrated by a newer version of the code than this one.
    recorder = MigrationRecorder(connection)
    recorder.record_applied("meetings", "9999_from_the_future")
    try:
        newer = _backup(tmp_path / "backups")
    finally:
        recorder.record_unapplied("meetings", "9999_from_the_future")
    # verify_backup reads it (it is intact) and says this code cannot restore it.
    out = io.StringIO()
    call_command("verify_backup", str(newer), stdout=out)
    assert "meetings.9999_from_the_future" in out.getvalue()
    Meeting.objects.update(lead="バックアップ後に変えたリード文")
    with pytest.raises(CommandError, match="meetings.9999_from_the_future"):
        call_command("restore", str(newer), "--force", stdout=io.StringIO())
    assert set(Meeting.objects.values_list("lead", flat=True)) == {
        "バックアップ後に変えたリード文"
    }


# ---------------------------------------------------------------------------
# Restore into a non-empty target, --force, encryption
# ---------------------------------------------------------------------------


@pytestmark_db
def test_restore_refuses_a_non_empty_target_and_says_what_it_found(
    content, tmp_path, settings
):
    archive = _backup(tmp_path / "backups")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), stdout=io.StringIO())
    message = str(refused.value)
    assert "--force" in message
    assert "meetings_meeting 1 行" in message
    assert f"MEDIA_ROOT {settings.MEDIA_ROOT}: 1 ファイル" in message


@pytestmark_db
def test_restore_into_a_migrated_empty_database_needs_no_force(
    content, tmp_path, settings
):
    archive = _backup(tmp_path / "backups")
    rows = list(Meeting.objects.values_list("pk", "lead"))
    media = _media_state(Path(settings.MEDIA_ROOT))
    # Emptied as a new server would be: tables migrated, no rows, no files.
    call_command("flush", "--noinput", verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT)
    assert backup.target_contents() == []
    call_command("restore", str(archive), stdout=io.StringIO())
    assert list(Meeting.objects.values_list("pk", "lead")) == rows
    assert _media_state(Path(settings.MEDIA_ROOT)) == media


@pytestmark_db
def test_restore_force_replaces_the_database_and_media_with_the_backup(
    content, tmp_path, settings
):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # SQLite keeps its statistics in a table of its own
    archive = _backup(tmp_path / "backups")
    rows_before = list(Meeting.objects.values_list("pk", "lead"))
    media_before = _media_state(Path(settings.MEDIA_ROOT))
    make_meeting()
    Meeting.objects.filter(pk=content.pk).update(lead="バックアップ後に変えたリード文")
    (Path(settings.MEDIA_ROOT) / "attachments" / "after-backup.pdf").write_bytes(b"x")
    out = io.StringIO()
    call_command("restore", str(archive), "--force", stdout=out)
    assert list(Meeting.objects.values_list("pk", "lead")) == rows_before
    assert _media_state(Path(settings.MEDIA_ROOT)) == media_before
    assert "マニフェストと比較" in out.getvalue()
    # New rows after the restore do not collide with restored ids (sequences restored).
    assert make_meeting().pk > max(pk for pk, _ in rows_before)


@pytestmark_db
def test_encrypted_backup_needs_the_key_and_refuses_a_changed_byte(
    content, tmp_path, settings
):
    secret, public = backup.generate_key()
    settings.BACKUP_ENCRYPTION_RECIPIENTS = [public]  # a host that only encrypts
    archive = _backup(tmp_path / "backups")
    assert archive.name.endswith(".tar.age")
    data = archive.read_bytes()
    assert data.startswith(b"age-encryption.org/v1")
    assert b"manifest.json" not in data and "バックアップ試験会議".encode() not in data
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY"):
        call_command("verify_backup", str(archive), stdout=io.StringIO())
    settings.BACKUP_ENCRYPTION_KEY = backup.generate_key()[0]  # someone else's key
    with pytest.raises(CommandError, match="復号できません"):
        call_command("verify_backup", str(archive), stdout=io.StringIO())
    settings.BACKUP_ENCRYPTION_KEY = secret
    out = io.StringIO()
    call_command("verify_backup", str(archive), stdout=out)
    assert "正常" in out.getvalue()
    archive.write_bytes(_flip_middle_byte(data))
    _assert_refused_and_untouched(archive, settings, "復号できません")


@pytestmark_db
def test_encrypted_backup_cut_short_is_refused(content, tmp_path, settings):
    settings.BACKUP_ENCRYPTION_KEY = backup.generate_key()[0]
    archive = _backup(tmp_path / "backups")
    data = archive.read_bytes()
    # The tar's own end is inside the last chunk: only age notices the missing end.
    archive.write_bytes(data[:-200])
    _assert_refused_and_untouched(archive, settings, "復号できません")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BACKUP_ENCRYPTION_KEY", "not-an-age-key"),
        ("BACKUP_ENCRYPTION_RECIPIENTS", "age1abc,ssh-rsa AAAA"),
        ("BACKUP_KEEP_DAILY", "-1"),
        ("BACKUP_KEEP_MONTHLY", "three"),
    ],
)
def test_malformed_backup_setting_stops_start_up_naming_it(variable, value):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKUP_")}
    done = subprocess.run(
        [sys.executable, "-c", "import crisis_meetings.settings"],
        cwd=ROOT,
        env={**env, "DEBUG": "1", variable: value},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert variable in done.stderr
