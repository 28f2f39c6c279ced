"""The restore drill, on PostgreSQL and on SQLite (whichever the suite runs on).

The demo plus extra meetings (material attachments, official PDFs, a correction) are
backed up while a staff member keeps saving; then everything is restored into an empty
database (PostgreSQL: a separate database on the same server; SQLite: a new file) and
an empty MEDIA_ROOT, and the drill compares what the public sees: every published
meeting's page byte for byte, every public file, the official PDFs' SHA-256, and the
rows and files the manifest lists.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from meetings import backup, layout, services
from meetings.demo import load_demo
from meetings.models import Attachment, Meeting, MeetingEvent, Publication
from tests.factories import make_meeting, tiny_pdf

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def _default_database(name: str) -> Iterator[None]:
    """Point the default connection, and every connection a thread opens, at ``name``.

    Threads build their connections from the same settings dict. An in-memory SQLite
    test database dies with its connection, so that one is set aside, not closed.
    """
    settings_dict = connection.settings_dict
    saved_name = settings_dict["NAME"]
    set_aside = None
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        set_aside, connection.connection = connection.connection, None
    else:
        connection.close()
    settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = saved_name
        if set_aside is not None:
            connection.connection = set_aside


@contextmanager
def _postgresql_database(name: str) -> Iterator[None]:
    """A new empty database on the test server, dropped afterwards."""
    import psycopg2

    params = connection.get_connection_params()
    admin = psycopg2.connect(
        dbname="postgres",
        **{
            k: v for k, v in params.items() if k in {"user", "password", "host", "port"}
        },
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def _live_database(tmp_path: Path) -> Iterator[None]:
    """PostgreSQL: the test database. SQLite: a file, as in production (an in-memory
    database shared between threads locks whole tables instead of waiting)."""
    if connection.vendor == "postgresql":
        yield
        return
    with _default_database(str(tmp_path / "live.sqlite3")):
        call_command("migrate", verbosity=0)
        yield


@contextmanager
def _empty_database(tmp_path: Path) -> Iterator[None]:
    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"] + "_restored"
        with _postgresql_database(name), _default_database(name):
            yield
    else:
        with _default_database(str(tmp_path / "restored.sqlite3")):
            yield


def _extra_meetings() -> None:
    """Published meetings with materials, and a published correction."""
    User = get_user_model()
    editor = User.objects.get(username="editor")
    approver = User.objects.get(username="approver")
    for n, held_on in enumerate(["2024-07-01", "2024-08-19"], start=1):
        meeting = make_meeting(
            user=editor, held_on=held_on, agenda=[f"「訓練事案{n}」について"]
        )
        services.attachment_add(
            meeting=meeting, label=f"会議資料{n}", content=tiny_pdf(n)
        )
        services.meeting_submit(meeting=meeting, user=editor)
        services.meeting_publish(meeting=meeting, user=approver)
    meeting = Meeting.objects.with_parts().get(pk=meeting.pk)
    services.meeting_save(
        meeting=meeting,
        header={"location": "県庁10階 防災センター"},
        parts=layout.meeting_data(meeting),
        user=editor,
        expected_version=meeting.version,
    )
    services.meeting_publish(
        meeting=meeting, user=approver, correction_note="場所を訂正しました。"
    )


class _Writer(threading.Thread):
    """A staff member saving a draft over and over, as fast as the server lets them."""

    def __init__(self, meeting: Meeting, user) -> None:
        super().__init__(name="drill-writer", daemon=True)
        self.meeting, self.user = meeting, user
        self.stop = threading.Event()
        self.saved = threading.Event()
        self.commits: list[float] = []
        self.errors: list[BaseException] = []

    def run(self) -> None:
        version = self.meeting.version
        parts = {"attendees": ["危機管理部副部長"], "sections": []}
        try:
            n = 0
            while not self.stop.is_set():
                n += 1
                meeting, _ = services.meeting_save(
                    meeting=self.meeting,
                    header={"location": f"会議室{n}"},
                    parts=parts,
                    user=self.user,
                    expected_version=version,
                )
                version = meeting.version
                self.commits.append(time.monotonic())
                self.saved.set()
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            connections.close_all()


def _public_pages(client: Client) -> dict[str, bytes]:
    """Every published meeting's page, the archive and every public file."""
    pages = {"/": client.get("/").content}
    for meeting in Meeting.objects.published():
        path = reverse("public:meeting", args=[meeting.public_id])
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.content
        for attachment in Attachment.objects.filter(meeting=meeting):
            file_path = reverse(
                "public:attachment", args=[meeting.public_id, attachment.pk]
            )
            response = client.get(file_path)
            if response.status_code == 200:
                pages[file_path] = b"".join(response.streaming_content)
    return pages


def _official_pdfs(media_root: Path) -> dict[int, str]:
    """SHA-256 of every publication's stored PDF, read from the files themselves."""
    found = {}
    for publication in Publication.objects.exclude(pdf=""):
        data = (media_root / publication.pdf.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == publication.pdf_sha256
        found[publication.pk] = publication.pdf_sha256
    return found


def _media_hashes(media_root: Path) -> dict[str, str]:
    return {
        "media/" + path.relative_to(media_root).as_posix(): hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for path in media_root.rglob("*")
        if path.is_file()
    }


def test_restore_drill_gives_back_every_public_page_file_and_row(tmp_path, settings):
    with _live_database(tmp_path):
        load_demo()
        demo_published = Meeting.objects.published().count()
        _extra_meetings()
        draft = Meeting.objects.filter(status=Meeting.Status.DRAFT).first()
        editor = get_user_model().objects.get(username="editor")
        saves_before = MeetingEvent.objects.filter(
            meeting=draft, action=MeetingEvent.Action.SAVE
        ).count()

        writer = _Writer(draft, editor)
        writer.start()
        assert writer.saved.wait(30), writer.errors
        # A backup takes a fraction of a second here: back up again (into another
        # folder) until a save has committed while one ran, ten tries at most.
        for attempt in range(10):
            dest = tmp_path / "backups" / str(attempt)
            started = time.monotonic()
            call_command(
                "backup", str(dest), stdout=io.StringIO(), stderr=io.StringIO()
            )
            finished = time.monotonic()
            if any(started < moment < finished for moment in writer.commits):
                break
        time.sleep(0.2)  # the writer goes on after the backup, too
        writer.stop.set()
        writer.join(30)
        assert writer.errors == []
        # Staff kept saving while the backup ran: nobody was locked out.
        assert any(started < moment < finished for moment in writer.commits), (
            f"no save during any of {attempt + 1} backups "
            f"({len(writer.commits)} saves in all)"
        )
        assert any(moment > finished for moment in writer.commits)

        archive = next(dest.glob("crisis-meetings-*.tar"))
        manifest = backup.backup_verify(archive=archive).manifest
        assert manifest["missing_files"] == []
        live_pages = _public_pages(Client())
        live_pdfs = _official_pdfs(Path(settings.MEDIA_ROOT))
        live_media = _media_hashes(Path(settings.MEDIA_ROOT))
        published = Meeting.objects.published().count()
    assert published == demo_published + 2
    assert len(live_pdfs) == published + 1  # one per publication, and the correction

    # Everything is gone: a new, empty database and an empty MEDIA_ROOT.
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with _empty_database(tmp_path):
        cache.clear()  # nothing served from before the restore
        out = io.StringIO()
        call_command("restore", str(archive), stdout=out)

        # Rows: as in the manifest, which was counted in the dump's own snapshot.
        with connection.cursor() as cursor:
            tables = backup.database_tables(connection, cursor)
            for table in tables:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                assert cursor.fetchone()[0] == manifest["tables"][table], table
        assert set(tables) == set(manifest["tables"])
        assert Meeting.objects.published().count() == published
        # The snapshot is consistent: the draft's version matches its saves.
        restored_draft = Meeting.objects.get(pk=draft.pk)
        saves = MeetingEvent.objects.filter(
            meeting=draft, action=MeetingEvent.Action.SAVE
        ).count()
        assert saves - saves_before == restored_draft.version - draft.version
        assert saves_before < saves < saves_before + len(writer.commits)

        # Files: every file of the backup, byte for byte; nothing else.
        restored_media = _media_hashes(Path(settings.MEDIA_ROOT))
        assert restored_media == {
            name: facts["sha256"]
            for name, facts in manifest["files"].items()
            if name.startswith("media/")
        }
        assert restored_media.items() <= live_media.items()
        assert _official_pdfs(Path(settings.MEDIA_ROOT)) == live_pdfs

        # What the public sees, rendered from the restored database: byte-identical.
        restored_pages = _public_pages(Client())
    assert restored_pages.keys() == live_pages.keys()
    for path, content in live_pages.items():
        assert restored_pages[path] == content, path
    # Each published meeting's official PDF, and the materials.
    assert sum(1 for path in live_pages if "/files/" in path) >= published + 2
