"""Backups proven by a restore: one archive holding the database, every media file
and a manifest, checked before anything is written back.

An archive (``crisis-meetings-20261130T171500Z.tar``, or ``.tar.age`` encrypted) is a
tar stream of:

- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3``
  (SQLite, a copy made through the online backup API);
- ``media/<path>`` for every file under MEDIA_ROOT (attachments, official PDFs, ...);
- ``manifest.json`` (rows per table, SHA-256 and size of every member, app version,
  applied migrations, database vendor, creation time) and ``manifest.sha256`` (the
  manifest's own hash, so that an altered manifest is refused, not trusted).

The database is read in one snapshot: on PostgreSQL pg_dump imports a snapshot exported
by a REPEATABLE READ transaction that also counts the rows; on SQLite the rows are
counted in the copy. Neither blocks staff saving meanwhile (pg_dump takes only ACCESS
SHARE locks; SQLite's copy is one read transaction).

Encryption uses age (pyrage), which streams and authenticates every 64 KiB chunk and the
end of the stream: a changed or truncated encrypted archive fails to decrypt.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO, TypeAlias, TypedDict

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

FORMAT_VERSION = 1
ARCHIVE_PREFIX = "crisis-meetings-"
PLAIN_SUFFIX = ".tar"
ENCRYPTED_SUFFIX = ".tar.age"
CHECKSUM_SUFFIX = ".sha256"
ARCHIVE_RE = re.compile(
    r"^crisis-meetings-(\d{8}T\d{6}Z)(\.tar|\.tar\.age)$",
)
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
DATABASE_MEMBERS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_PREFIX = "media/"
# Tables that `migrate` fills by itself: a database holding rows only there is empty.
MIGRATE_FILLED = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        # The public state's first tokens (meetings.public_state.install).
        "meetings_publicstatetoken",
    }
)
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024

Log = Callable[[str], None]


class BackupError(Exception):
    """A backup, verification or restore that cannot go on; the message says why."""


class FileFacts(TypedDict):
    sha256: str
    size: int


class AppVersion(TypedDict):
    version: str
    git_commit: str


class Manifest(TypedDict):
    format: int
    created_at: str
    app: AppVersion
    database: dict[str, str]  # vendor, member (archive name of the dump or copy)
    migrations: dict[str, list[str]]
    tables: dict[str, int]
    files: dict[str, FileFacts]
    # Files the database refers to that were not under MEDIA_ROOT at backup time.
    missing_files: list[str]


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    size: int
    sha256: str
    seconds: float
    pruned: list[Path] = field(default_factory=list)


@dataclass
class CheckResult:
    manifest: Manifest
    pending_migrations: list[str]
    details: list[str]
    seconds: float


# ---------------------------------------------------------------------------
# Names, generations and pruning
# ---------------------------------------------------------------------------


def archive_name(moment: datetime, *, encrypted: bool) -> str:
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ARCHIVE_PREFIX + stamp + (ENCRYPTED_SUFFIX if encrypted else PLAIN_SUFFIX)


def archive_time(name: str) -> datetime | None:
    match = ARCHIVE_RE.match(name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def generations_to_keep(
    moments: Iterable[datetime],
    *,
    daily: int,
    weekly: int,
    monthly: int,
    tz: tzinfo,
) -> set[datetime]:
    """Grandfather-father-son: the newest backup of each of the last ``daily`` days,
    ``weekly`` ISO weeks and ``monthly`` months that have a backup (in local time),
    and always the newest one."""
    newest_first = sorted(set(moments), reverse=True)
    keep = set(newest_first[:1])
    rules: list[tuple[int, Callable[[datetime], object]]] = [
        (daily, lambda moment: moment.date()),
        (weekly, lambda moment: moment.isocalendar()[:2]),
        (monthly, lambda moment: (moment.year, moment.month)),
    ]
    for count, period_of in rules:
        periods: set[object] = set()
        for moment in newest_first:
            period = period_of(moment.astimezone(tz))
            if period in periods:
                continue
            if len(periods) >= count:
                break
            periods.add(period)
            keep.add(moment)
    return keep


def backup_prune(
    *, dest: Path, daily: int, weekly: int, monthly: int, tz: tzinfo
) -> list[Path]:
    """Delete the archives in ``dest`` (and their .sha256) that no rule keeps."""
    archives = {
        path: moment
        for path in dest.iterdir()
        if path.is_file() and (moment := archive_time(path.name)) is not None
    }
    keep = generations_to_keep(
        archives.values(), daily=daily, weekly=weekly, monthly=monthly, tz=tz
    )
    pruned = []
    for path, moment in sorted(archives.items()):
        if moment in keep:
            continue
        path.unlink()
        path.with_name(path.name + CHECKSUM_SUFFIX).unlink(missing_ok=True)
        pruned.append(path)
    return pruned


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _sha256_file(path: Path) -> FileFacts:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


class _HashingReader:
    """Hands a file to tarfile while hashing exactly the bytes archived."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def facts(self) -> FileFacts:
        return {"sha256": self.digest.hexdigest(), "size": self.size}


class _HashingWriter:
    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.raw.flush()


def app_version() -> AppVersion:
    with (settings.BASE_DIR / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle).get("project", {}).get("version", "")
    try:
        commit = subprocess.run(
            ["git", "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"version": version, "git_commit": commit}


def _media_root() -> Path:
    if not isinstance(default_storage, FileSystemStorage):
        raise BackupError(
            "メディアがファイルシステム以外(オブジェクトストレージ等)に保存されています。"
            "このコマンドは MEDIA_ROOT のファイルだけを扱えます: "
            "ストレージ側のバージョニングと複製でバックアップしてください。"
        )
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every regular file under ``root``, sorted."""
    found: list[tuple[str, Path]] = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            found.append((MEDIA_PREFIX + relative, path))
    return found


# A Django connection's cursor, or sqlite3's for the copy a SQLite backup checks.
Cursor: TypeAlias = CursorWrapper | sqlite3.Cursor


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _count_rows(cursor: Cursor, tables: Iterable[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor: Cursor, tables: Iterable[str]) -> dict[str, list[str]]:
    if "django_migrations" not in set(tables):
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _referenced_files(cursor: Cursor, tables: Iterable[str]) -> set[str]:
    """Storage names held by every FileField (history tables included)."""
    from django.apps import apps
    from django.db.models import FileField

    present = set(tables)
    names: set[str] = set()
    for model in apps.get_models():
        table = model._meta.db_table
        if table not in present:
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, FileField):
                column = _quote(model_field.column)
                cursor.execute(
                    f"SELECT DISTINCT {column} FROM {_quote(table)} "
                    f"WHERE {column} IS NOT NULL AND {column} <> ''"
                )
                names.update(row[0] for row in cursor.fetchall())
    return names


def database_tables(
    connection: BaseDatabaseWrapper, cursor: CursorWrapper
) -> list[str]:
    """The database's own tables (not SQLite's internal sqlite_stat1 and the like)."""
    return [
        name
        for name in connection.introspection.table_names(cursor)
        if not name.startswith("sqlite_")
    ]


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    ).fetchall()
    return [row[0] for row in rows]


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore/psql (no password on the command line)."""
    from django.db.backends.postgresql.client import DatabaseClient

    _, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = dict(env or {})
    options = settings_dict.get("OPTIONS", {})
    for key, name in [
        ("PGHOST", settings_dict.get("HOST")),
        ("PGPORT", str(settings_dict.get("PORT") or "")),
        ("PGUSER", settings_dict.get("USER") or options.get("user")),
        ("PGDATABASE", settings_dict.get("NAME")),
    ]:
        if name:
            env[key] = name
    return {**os.environ, **env}


def _run(args: list[str], *, env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"{args[0]} が見つかりません: postgresql-client をインストールしてください"
            "(make system-packages)。"
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{what}に失敗しました: {done.stderr.strip()}")
    return done.stdout


# ---------------------------------------------------------------------------
# Encryption (age through pyrage)
# ---------------------------------------------------------------------------


def encryption_recipients() -> list[Any]:  # pyrage recipients (pyrage is untyped)
    """Recipients to encrypt to: BACKUP_ENCRYPTION_RECIPIENTS and the key's own."""
    from pyrage import x25519

    recipients = []
    try:
        for text in settings.BACKUP_ENCRYPTION_RECIPIENTS:
            recipients.append(x25519.Recipient.from_str(text))
        if settings.BACKUP_ENCRYPTION_KEY:
            identity = x25519.Identity.from_str(settings.BACKUP_ENCRYPTION_KEY)
            recipients.append(identity.to_public())
    except Exception as exc:
        raise BackupError(f"暗号化の鍵が読み取れません: {exc}") from None
    return recipients


def _identity() -> Any:  # a pyrage.x25519.Identity (pyrage is untyped)
    from pyrage import x25519

    if not settings.BACKUP_ENCRYPTION_KEY:
        raise BackupError(
            "暗号化されたバックアップです: 復号に使う鍵 BACKUP_ENCRYPTION_KEY "
            "(AGE-SECRET-KEY-1…)を環境変数に設定してください。"
        )
    try:
        return x25519.Identity.from_str(settings.BACKUP_ENCRYPTION_KEY)
    except Exception as exc:
        raise BackupError(f"BACKUP_ENCRYPTION_KEY が読み取れません: {exc}") from None


def generate_key() -> tuple[str, str]:
    """A new age identity and its public recipient."""
    from pyrage import x25519

    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())


@contextmanager
def _encrypting(sink: _HashingWriter, recipients: list[Any]) -> Iterator[BinaryIO]:
    """A writable stream whose bytes reach ``sink`` encrypted (age, streamed)."""
    import pyrage

    read_fd, write_fd = os.pipe()
    reader, writer = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
    errors: list[BaseException] = []

    def encrypt() -> None:
        try:
            pyrage.encrypt_io(reader, sink, recipients)
        except BaseException as exc:  # reported by the caller below
            errors.append(exc)
        finally:
            reader.close()

    thread = threading.Thread(target=encrypt, name="backup-encrypt", daemon=True)
    thread.start()
    try:
        yield writer
    finally:
        try:
            writer.close()
        except BrokenPipeError:
            pass
        thread.join()
    if errors:
        raise BackupError(f"暗号化に失敗しました: {errors[0]}")


class _PipeWriter:
    """The decrypting thread's end of the pipe; remembers a reader gone early."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.broken = False

    def write(self, data: bytes) -> int:
        try:
            return self.raw.write(data)
        except BrokenPipeError:
            self.broken = True
            raise

    def flush(self) -> None:
        try:
            self.raw.flush()
        except BrokenPipeError:
            self.broken = True
            raise

    def close(self) -> None:
        try:
            self.raw.close()
        except BrokenPipeError:
            self.broken = True


@contextmanager
def _plain_stream(archive: Path) -> Iterator[BinaryIO]:
    """The archive's tar stream, decrypted on the fly when it is a .tar.age."""
    if not archive.name.endswith(ENCRYPTED_SUFFIX):
        with archive.open("rb") as handle:
            yield handle
        return
    import pyrage

    identity = _identity()
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb")
    writer = _PipeWriter(os.fdopen(write_fd, "wb"))
    errors: list[BaseException] = []

    def decrypt() -> None:
        try:
            with archive.open("rb") as source:
                pyrage.decrypt_io(source, writer, [identity])
        except BaseException as exc:
            errors.append(exc)
        finally:
            writer.close()

    thread = threading.Thread(target=decrypt, name="backup-decrypt", daemon=True)
    thread.start()
    failure: BaseException | None = None
    try:
        yield reader
        # age authenticates the end of the stream only at EOF: read it all.
        while reader.read(CHUNK):
            pass
    except BaseException as exc:
        failure = exc
    finally:
        reader.close()
        thread.join()
    # A write into the pipe closed by the reader is the reader's failure, not age's.
    if errors and not writer.broken:
        raise BackupError(
            "復号できません(鍵が違うか、暗号化されたファイルが壊れているか途中で"
            f"切れています): {errors[0]}"
        ) from None
    if failure is not None:
        raise failure


# ---------------------------------------------------------------------------
# Backup
# ---------------------------------------------------------------------------


@dataclass
class _Snapshot:
    member: str
    path: Path
    tables: dict[str, int]
    migrations: dict[str, list[str]]
    referenced: set[str]


def _snapshot_postgresql(connection: BaseDatabaseWrapper, staging: Path) -> _Snapshot:
    """pg_dump in a snapshot exported by a transaction that counts the same rows."""
    member = DATABASE_MEMBERS["postgresql"]
    target = staging / member
    reader = connections.create_connection(connection.alias)
    try:
        reader.set_autocommit(False)
        with reader.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            args = [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot_id}",
                f"--file={target}",
            ]
            try:
                dump = subprocess.Popen(
                    args,
                    env=_pg_env(connection.settings_dict),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            except FileNotFoundError:
                raise BackupError(
                    "pg_dump が見つかりません: postgresql-client をインストールして"
                    "ください(make system-packages)。"
                ) from None
            try:
                tables = database_tables(reader, cursor)
                counts = _count_rows(cursor, tables)
                migrations = _applied_migrations(cursor, tables)
                referenced = _referenced_files(cursor, tables)
            finally:
                _, stderr = dump.communicate()
            if dump.returncode != 0:
                raise BackupError(
                    f"pg_dump に失敗しました: {stderr.decode(errors='replace').strip()}"
                )
        reader.rollback()
    finally:
        reader.close()
    return _Snapshot(member, target, counts, migrations, referenced)


def _snapshot_sqlite(connection: BaseDatabaseWrapper, staging: Path) -> _Snapshot:
    """SQLite's online backup API in one step (one read transaction), then count
    rows in the copy, which is exactly what the archive holds."""
    member = DATABASE_MEMBERS["sqlite"]
    target = staging / member
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy, pages=-1)
        tables = _sqlite_tables(copy)
        cursor = copy.cursor()
        counts = _count_rows(cursor, tables)
        migrations = _applied_migrations(cursor, tables)
        referenced = _referenced_files(cursor, tables)
    finally:
        copy.close()
    return _Snapshot(member, target, counts, migrations, referenced)


def _add_member(tar: tarfile.TarFile, name: str, path: Path, mtime: float) -> FileFacts:
    with path.open("rb") as handle:
        info = tarfile.TarInfo(name)
        info.size = os.fstat(handle.fileno()).st_size
        info.mtime = mtime
        info.mode = 0o600
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return reader.facts()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = mtime
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def manifest_bytes(manifest: Manifest) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _write_archive(
    stream: BinaryIO | _HashingWriter,
    *,
    connection: BaseDatabaseWrapper,
    staging: Path,
    now: datetime,
) -> Manifest:
    vendor = connection.vendor
    if vendor == "postgresql":
        snapshot = _snapshot_postgresql(connection, staging)
    elif vendor == "sqlite":
        snapshot = _snapshot_sqlite(connection, staging)
    else:
        raise BackupError(f"このデータベースには対応していません: {vendor}")
    mtime = now.timestamp()
    files: dict[str, FileFacts] = {}
    media_root = _media_root()
    # Default (10 KiB) buffer: tarfile's stream buffer is copied on every write.
    with tarfile.open(  # type: ignore[call-overload]  # "w|" only writes: _HashingWriter suffices, typeshed wants a whole file
        fileobj=stream,
        mode="w|",
        format=tarfile.PAX_FORMAT,
    ) as tar:
        files[snapshot.member] = _add_member(tar, snapshot.member, snapshot.path, mtime)
        snapshot.path.unlink()
        for name, path in _media_files(media_root):
            try:
                files[name] = _add_member(tar, name, path, path.stat().st_mtime)
            except FileNotFoundError:
                continue  # removed since the listing (a temporary upload)
        archived = {name[len(MEDIA_PREFIX) :] for name in files}
        manifest: Manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.astimezone(UTC).isoformat(),
            "app": app_version(),
            "database": {"vendor": vendor, "member": snapshot.member},
            "migrations": snapshot.migrations,
            "tables": snapshot.tables,
            "files": files,
            "missing_files": sorted(snapshot.referenced - archived),
        }
        data = manifest_bytes(manifest)
        _add_bytes(tar, MANIFEST, data, mtime)
        _add_bytes(
            tar, MANIFEST_SUM, (hashlib.sha256(data).hexdigest() + "\n").encode(), mtime
        )
    return manifest


def backup_create(
    *,
    dest: Path,
    now: datetime | None = None,
    prune: bool = True,
    log: Log = lambda line: None,
) -> BackupResult:
    """Write one archive into ``dest`` (atomically: .partial, then renamed), with a
    sha256sum-style checksum beside it, then prune old generations."""
    from django.utils import timezone

    started = time.perf_counter()
    now = now or datetime.now(UTC)
    dest.mkdir(parents=True, exist_ok=True)
    recipients = encryption_recipients()
    final = dest / archive_name(now, encrypted=bool(recipients))
    if final.exists():
        raise BackupError(f"同じ名前のバックアップが既にあります: {final}")
    partial = final.with_name(final.name + ".partial")
    staging = Path(tempfile.mkdtemp(prefix=".backup-staging-", dir=dest))
    connection = connections["default"]
    try:
        # Readable by the owner only: the archive holds every account and draft.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            sink = _HashingWriter(raw)
            if recipients:
                with _encrypting(sink, recipients) as stream:
                    manifest = _write_archive(
                        stream, connection=connection, staging=staging, now=now
                    )
            else:
                manifest = _write_archive(
                    sink, connection=connection, staging=staging, now=now
                )
            raw.flush()
            os.fsync(raw.fileno())
        partial.rename(final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    checksum = sink.digest.hexdigest()
    final.with_name(final.name + CHECKSUM_SUFFIX).write_text(
        f"{checksum}  {final.name}\n"
    )
    for name in manifest["missing_files"]:
        log(f"警告: データベースが参照するファイルが MEDIA_ROOT にありません: {name}")
    result = BackupResult(
        path=final,
        manifest=manifest,
        size=sink.size,
        sha256=checksum,
        seconds=time.perf_counter() - started,
    )
    if prune:
        result.pruned = backup_prune(
            dest=dest,
            daily=settings.BACKUP_KEEP_DAILY,
            weekly=settings.BACKUP_KEEP_WEEKLY,
            monthly=settings.BACKUP_KEEP_MONTHLY,
            tz=timezone.get_default_timezone(),
        )
    return result


# ---------------------------------------------------------------------------
# Reading an archive back: every check happens here, before anything is written
# ---------------------------------------------------------------------------


def _member_kind(member: tarfile.TarInfo, seen: dict[str, FileFacts]) -> str:
    name = member.name
    path = PurePosixPath(name)
    if not member.isfile():
        raise BackupError(f"バックアップに通常ファイル以外が含まれています: {name}")
    if path.is_absolute() or ".." in path.parts or name in seen:
        raise BackupError(f"バックアップに不正な名前のファイルがあります: {name}")
    if name in (MANIFEST, MANIFEST_SUM):
        return "manifest"
    if name in DATABASE_MEMBERS.values():
        return "database"
    if name.startswith(MEDIA_PREFIX) and len(path.parts) > 1:
        return "media"
    raise BackupError(f"バックアップに想定外のファイルがあります: {name}")


def _copy_hashing(source: IO[bytes], target: BinaryIO | None) -> FileFacts:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if target is not None:
            target.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _unpack(
    archive: Path, staging: Path, *, media: bool
) -> tuple[Manifest, dict[str, Path]]:
    """Read the whole archive: hash every member, keep the database file (and the
    media files when ``media``) in ``staging``, and check them against the manifest.

    Returns the manifest and where each media file was staged (flat, numbered: no
    folder per file to create and remove again)."""
    if not archive.is_file():
        raise BackupError(f"バックアップファイルがありません: {archive}")
    found: dict[str, FileFacts] = {}
    staged: dict[str, Path] = {}
    (staging / "media").mkdir()
    raw_manifest = raw_sum = None
    try:
        with _plain_stream(archive) as stream:
            # 64 KiB reads; the rest of the buffer is copied on every header read.
            with tarfile.open(fileobj=stream, mode="r|", bufsize=64 * 1024) as tar:
                for member in tar:
                    kind = _member_kind(member, found)
                    source = tar.extractfile(member)
                    assert source is not None  # _member_kind accepts regular files only
                    if kind == "manifest":
                        if member.size > MAX_MANIFEST_BYTES:
                            raise BackupError("マニフェストが大きすぎます。")
                        data = source.read()
                        found[member.name] = {
                            "sha256": hashlib.sha256(data).hexdigest(),
                            "size": len(data),
                        }
                        if member.name == MANIFEST:
                            raw_manifest = data
                        else:
                            raw_sum = data
                        continue
                    if kind == "database" or media:
                        if kind == "database":
                            target_path = staging / member.name
                        else:
                            target_path = staging / "media" / str(len(staged))
                            staged[member.name] = target_path
                        with target_path.open("wb") as target:
                            found[member.name] = _copy_hashing(source, target)
                    else:
                        found[member.name] = _copy_hashing(source, None)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(
            f"バックアップを最後まで読めません(壊れているか途中で切れています): {exc}"
        ) from None
    if raw_manifest is None or raw_sum is None:
        raise BackupError(
            "バックアップに manifest.json / manifest.sha256 がありません"
            "(途中で切れているか、このシステムのバックアップではありません)。"
        )
    if (
        hashlib.sha256(raw_manifest).hexdigest()
        != raw_sum.decode(errors="replace").strip()
    ):
        raise BackupError(
            "manifest.json が manifest.sha256 と一致しません: マニフェストが改変されて"
            "いるか壊れています。"
        )
    try:
        manifest: Manifest = json.loads(raw_manifest)
    except ValueError as exc:
        raise BackupError(f"manifest.json が読めません: {exc}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"対応していない形式のバックアップです(format={manifest.get('format')!r})。"
        )
    _check_files(manifest, found)
    return manifest, staged


def _check_files(manifest: Manifest, found: dict[str, FileFacts]) -> None:
    listed = manifest["files"]
    contents = {
        name: facts
        for name, facts in found.items()
        if name not in (MANIFEST, MANIFEST_SUM)
    }
    problems = []
    for name in sorted(set(listed) - set(contents)):
        problems.append(f"{name}: マニフェストにあるのにバックアップにありません")
    for name in sorted(set(contents) - set(listed)):
        problems.append(f"{name}: バックアップにあるのにマニフェストにありません")
    for name in sorted(set(listed) & set(contents)):
        expected, actual = listed[name], contents[name]
        if expected["size"] != actual["size"]:
            problems.append(
                f"{name}: サイズが違います(マニフェスト {expected['size']} バイト、"
                f"実際 {actual['size']} バイト)"
            )
        elif expected["sha256"] != actual["sha256"]:
            problems.append(f"{name}: SHA-256 がマニフェストと一致しません")
    if manifest["database"]["member"] not in listed:
        problems.append("データベースのダンプがマニフェストにありません")
    if problems:
        raise BackupError(
            "バックアップが壊れています。何も書き込んでいません。\n  "
            + "\n  ".join(problems)
        )


def _check_database_file(manifest: Manifest, staging: Path) -> list[str]:
    """The dump is readable and holds the tables the manifest lists."""
    vendor = manifest["database"]["vendor"]
    path = staging / manifest["database"]["member"]
    tables = set(manifest["tables"])
    if vendor == "postgresql":
        listing = _run(
            ["pg_restore", "--list", str(path)],
            env=dict(os.environ),
            what="ダンプの読み取り(pg_restore --list)",
        )
        in_dump = set()
        for line in listing.splitlines():
            # "215; 0 16390 TABLE DATA public meetings_meeting postgres"
            match = re.search(r"\bTABLE DATA \S+ (\S+) ", line + " ")
            if match:
                in_dump.add(match.group(1))
        if in_dump != tables:
            raise BackupError(
                "ダンプの表とマニフェストの表が一致しません: "
                f"ダンプだけ {sorted(in_dump - tables)}、"
                f"マニフェストだけ {sorted(tables - in_dump)}"
            )
        return [f"pg_restore --list: {len(in_dump)} 表のデータを確認"]
    if vendor == "sqlite":
        copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = copy.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise BackupError(
                    f"SQLite の integrity_check が失敗しました: {result[:5]}"
                )
            cursor = copy.cursor()
            counts = _count_rows(cursor, _sqlite_tables(copy))
            migrations = _applied_migrations(cursor, counts)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"SQLite のコピーが読めません: {exc}") from None
        finally:
            copy.close()
        if counts != manifest["tables"] or migrations != manifest["migrations"]:
            raise BackupError(
                "SQLite のコピーの行数または適用済みマイグレーションがマニフェストと一致"
                "しません。"
            )
        return [
            f"PRAGMA integrity_check: ok、{len(counts)} 表の行数がマニフェストと一致"
        ]
    raise BackupError(f"対応していないデータベースです: {vendor}")


def migration_gap(manifest: Manifest) -> tuple[list[str], list[str]]:
    """(migrations in the backup this code does not know, migrations of this code
    not applied in the backup)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    code = set(loader.disk_migrations)
    backup = {
        (app, name) for app, names in manifest["migrations"].items() for name in names
    }
    code_apps = {app for app, _ in code}
    unknown = sorted(f"{app}.{name}" for app, name in backup - code if app in code_apps)
    pending = sorted(f"{app}.{name}" for app, name in code - backup)
    return unknown, pending


def _check_migrations(manifest: Manifest) -> list[str]:
    unknown, pending = migration_gap(manifest)
    if unknown:
        commit = manifest["app"].get("git_commit") or "(不明)"
        raise BackupError(
            "このバックアップは今のコードより新しいマイグレーションを含みます: "
            + ", ".join(unknown[:10])
            + f"。バックアップを作ったコード(バージョン {manifest['app']['version']}、"
            f"コミット {commit})に戻してから復元してください。"
        )
    return pending


def backup_verify(*, archive: Path) -> CheckResult:
    """Check an archive without restoring it: checksums, manifest, the dump readable."""
    started = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix="crisis-verify-"))
    try:
        manifest, _ = _unpack(archive, staging, media=False)
        details = _check_database_file(manifest, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    unknown, pending = migration_gap(manifest)
    if unknown:
        details.append(
            "注意: 今のコードが知らないマイグレーションを含みます(このコードでは復元"
            "できません): " + ", ".join(unknown[:10])
        )
    return CheckResult(manifest, pending, details, time.perf_counter() - started)


# ---------------------------------------------------------------------------
# Restore
# ---------------------------------------------------------------------------


def target_contents() -> list[str]:
    """What the configured database and MEDIA_ROOT already hold (empty list: empty).

    Tables that `migrate` fills by itself do not count: a freshly migrated database
    is an empty target.
    """
    found = []
    connection = connections["default"]
    with connection.cursor() as cursor:
        tables = database_tables(connection, cursor)
        counts = _count_rows(cursor, set(tables) - MIGRATE_FILLED)
    filled = {table: rows for table, rows in counts.items() if rows}
    if filled:
        listed = sorted(filled.items(), key=lambda item: (-item[1], item[0]))
        shown = "、".join(f"{table} {rows} 行" for table, rows in listed[:8])
        more = f" ほか {len(listed) - 8} 表" if len(listed) > 8 else ""
        found.append(f"データベース {connection.settings_dict['NAME']}: {shown}{more}")
    media_root = _media_root()
    files = _media_files(media_root)
    if files:
        sample = "、".join(name[len(MEDIA_PREFIX) :] for name, _ in files[:3])
        found.append(f"MEDIA_ROOT {media_root}: {len(files)} ファイル(例: {sample})")
    return found


def _restore_postgresql(manifest: Manifest, staging: Path) -> None:
    """Existing tables dropped and the dump restored in one transaction (psql -1):
    if anything fails the database stays as it was."""
    connection = connections["default"]
    with connection.cursor() as cursor:
        existing = database_tables(connection, cursor)
    connection.close()
    env = _pg_env(connection.settings_dict)
    prelude = "SET client_min_messages = warning;\n" + "".join(
        f"DROP TABLE IF EXISTS {_quote(table)} CASCADE;\n" for table in existing
    )
    dump = staging / manifest["database"]["member"]
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_err:
        try:
            psql = subprocess.Popen(
                ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=psql_err,
            )
            restore = subprocess.Popen(
                # --clean --if-exists: also functions and the like that are not
                # tables (the audit trail's trigger function) are replaced.
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-acl",
                    "--clean",
                    "--if-exists",
                    "--file=-",
                    str(dump),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=restore_err,
            )
        except FileNotFoundError as exc:
            raise BackupError(
                f"{exc.filename} が見つかりません: postgresql-client をインストールして"
                "ください(make system-packages)。"
            ) from None
        assert psql.stdin is not None and restore.stdout is not None  # both PIPE
        try:
            psql.stdin.write(prelude.encode())
            shutil.copyfileobj(restore.stdout, psql.stdin, CHUNK)
        except BrokenPipeError:
            pass
        finally:
            try:
                psql.stdin.close()
            except BrokenPipeError:
                pass
            restore.wait()
            psql.wait()
        if restore.returncode != 0 or psql.returncode != 0:
            restore_err.seek(0)
            psql_err.seek(0)
            message = (restore_err.read() + psql_err.read()).decode(errors="replace")
            raise BackupError(
                "データベースを復元できませんでした(変更は取り消されました): "
                + message.strip()[:2000]
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _restore_sqlite(manifest: Manifest, staging: Path) -> None:
    """The copy written over the configured database through the backup API (one
    write transaction)."""
    connection = connections["default"]
    connection.ensure_connection()
    source = sqlite3.connect(staging / manifest["database"]["member"])
    try:
        source.backup(connection.connection, pages=-1)
    finally:
        source.close()


def _restore_media(staged: dict[str, Path], media_root: Path) -> None:
    if media_root.is_dir():
        for _, path in _media_files(media_root):
            path.unlink()
    for name, path in staged.items():
        target = media_root / name[len(MEDIA_PREFIX) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)


def compare_with_manifest(manifest: Manifest) -> tuple[list[str], list[str]]:
    """(mismatches, summary lines) of the configured database and MEDIA_ROOT."""
    connection = connections["default"]
    problems = []
    with connection.cursor() as cursor:
        tables = database_tables(connection, cursor)
        counts = _count_rows(cursor, tables)
        migrations = _applied_migrations(cursor, tables)
    expected = manifest["tables"]
    for table in sorted(set(expected) | set(counts)):
        if counts.get(table) != expected.get(table):
            problems.append(
                f"表 {table}: 行数 {counts.get(table)}(マニフェスト {expected.get(table)})"
            )
    if migrations != manifest["migrations"]:
        problems.append("適用済みマイグレーションがマニフェストと一致しません")
    media_root = _media_root()
    media_bytes = 0
    media_count = 0
    for name, facts in manifest["files"].items():
        if not name.startswith(MEDIA_PREFIX):
            continue
        path = media_root / name[len(MEDIA_PREFIX) :]
        if not path.is_file():
            problems.append(f"{name}: 復元後にありません")
            continue
        actual = _sha256_file(path)
        if actual != facts:
            problems.append(f"{name}: 復元後の SHA-256 またはサイズが一致しません")
        media_bytes += actual["size"]
        media_count += 1
    summary = [
        f"表 {len(counts)}、行 {sum(counts.values())}(マニフェストと比較)",
        f"メディア {media_count} ファイル、{media_bytes / 1024 / 1024:.1f} MiB"
        "(SHA-256 をマニフェストと比較)",
    ]
    return problems, summary


def backup_restore(
    *, archive: Path, force: bool = False, log: Log = lambda line: None
) -> CheckResult:
    """Restore into the configured database and MEDIA_ROOT.

    Refuses a non-empty target unless ``force``; checks the whole archive (decryption,
    checksums, manifest, the dump readable, migrations known to this code) before
    writing anything; ends by comparing rows and hashes with the manifest.
    """
    from django.contrib.contenttypes.models import ContentType

    started = time.perf_counter()
    found = target_contents()
    if found and not force:
        raise BackupError(
            "復元先が空ではないため復元しません(置き換えるには --force):\n  "
            + "\n  ".join(found)
        )
    media_root = _media_root()
    try:  # beside MEDIA_ROOT, so that media files are moved, not copied
        staging = Path(
            tempfile.mkdtemp(prefix=".crisis-restore-", dir=media_root.parent)
        )
    except OSError:
        staging = Path(tempfile.mkdtemp(prefix="crisis-restore-"))
    try:
        manifest, staged = _unpack(archive, staging, media=True)
        details = _check_database_file(manifest, staging)
        vendor = connections["default"].vendor
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                f"{manifest['database']['vendor']} のバックアップは {vendor} の"
                "データベースには復元できません。"
            )
        pending = _check_migrations(manifest)
        log(
            "バックアップを検査しました(チェックサム、マニフェスト、ダンプ)。復元します。"
        )
        # From here on the target is written.
        if vendor == "postgresql":
            _restore_postgresql(manifest, staging)
        else:
            _restore_sqlite(manifest, staging)
        ContentType.objects.clear_cache()
        _restore_media(staged, media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    problems, summary = compare_with_manifest(manifest)
    if problems:
        raise BackupError(
            "復元後の内容がマニフェストと一致しません:\n  " + "\n  ".join(problems)
        )
    return CheckResult(
        manifest, pending, details + summary, time.perf_counter() - started
    )
