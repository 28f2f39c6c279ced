"""Writing a batch of tree files: only changed bytes, atomically, undone on failure.

A ``Batch`` renders URLs and writes or removes files. The manifest rows
(``SiteFile``) change in the caller's transaction. If any write fails, the files
already changed by this batch are put back as they were and
``PublicSiteWriteError`` is raised, so that the action (publication, withdrawal…)
rolls back and the tree still matches the database.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import transaction

from meetings.site import render, tree
from meetings.site.models import SiteFile, SiteLock
from meetings.site.signals import tree_changed

logger = logging.getLogger(__name__)

WRITE_FAILED = (
    "公開用ファイル(公開ツリー)を書き込めなかったため、この操作を取り消しました。"
    "データは変更されていません。時間をおいてもう一度実行し、"
    "続く場合はシステム管理者に連絡してください。"
)


class PublicSiteWriteError(ValidationError):
    """The tree could not be written; the action is refused (fail closed)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(WRITE_FAILED)
        self.detail = detail


def lock_tree() -> None:
    """Take the tree's row lock until the current transaction ends.

    Held by every writer: a job that starts while a withdrawal is writing waits for
    its commit and then reads the database as it is after the withdrawal.
    """
    lock, _ = SiteLock.objects.get_or_create(name="tree")
    # On SQLite the write below takes the database's write lock, which serialises
    # the same way.
    SiteLock.objects.select_for_update().filter(pk=lock.pk).update(name="tree")


@dataclass
class Batch:
    dry_run: bool = False
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    _undo: list[tuple[str, bytes | None]] = field(default_factory=list)
    _manifest: dict[str, SiteFile] | None = None

    def manifest(self, paths: list[str] | None = None) -> dict[str, SiteFile]:
        if paths is not None:
            return {f.path: f for f in SiteFile.objects.filter(path__in=paths)}
        if self._manifest is None:
            self._manifest = {f.path: f for f in SiteFile.objects.all()}
        return self._manifest

    # -- one file -------------------------------------------------------------

    def put_url(self, url: str, known: dict[str, SiteFile] | None = None) -> bool:
        """Render ``url`` and write its file; a URL that no longer answers 200
        (withdrawn, an emptied list page) has its file removed. True if changed."""
        path = tree.url_to_path(url)
        content = render.render_url(url)
        if content is None:
            return self.remove(path, known)
        return self.put(path, content, known)

    def put(
        self, path: str, content: bytes, known: dict[str, SiteFile] | None = None
    ) -> bool:
        """Write ``content`` at ``path`` unless the file already holds it."""
        digest = hashlib.sha256(content).hexdigest()
        row = (known if known is not None else self.manifest([path])).get(path)
        local = isinstance(tree.storage(), FileSystemStorage)
        before: bytes | None = None
        if local or self.dry_run:
            # A local file is cheap to read: compare the bytes themselves, so that
            # a file changed behind our back is rewritten.
            before = tree.read(path)
            same = before is not None and hashlib.sha256(before).hexdigest() == digest
        else:  # object storage: trust the manifest (one HEAD, no download)
            same = (
                row is not None and row.sha256 == digest and tree.storage().exists(path)
            )
        if same:
            if not self.dry_run and (row is None or row.sha256 != digest):
                self._record(path, content, digest)
            self.unchanged.append(path)
            return False
        self.written.append(path)
        if self.dry_run:
            return True
        if not local:
            before = tree.read(path)
        try:
            tree.write(path, content)
        except Exception as exc:  # OSError locally, the client's errors on S3
            self.written.pop()
            self._fail(f"{path}: {exc}")
        self._undo.append((path, before))
        self._record(path, content, digest)
        return True

    def _record(self, path: str, content: bytes, digest: str) -> None:
        SiteFile.objects.update_or_create(
            path=path,
            defaults={
                "sha256": digest,
                "size": len(content),
                "refs": render.refs(content),
            },
        )

    def remove(self, path: str, known: dict[str, SiteFile] | None = None) -> bool:
        store = tree.storage()
        exists = store.exists(path)
        row = (known if known is not None else self.manifest([path])).get(path)
        if not exists and row is None:
            return False
        if self.dry_run:
            self.removed.append(path)
            return True
        if exists:
            before = tree.read(path)
            try:
                tree.remove(path)
            except Exception as exc:
                self._fail(f"{path}: {exc}")
            self._undo.append((path, before))
        SiteFile.objects.filter(path=path).delete()
        self.removed.append(path)
        return True

    # -- the batch ------------------------------------------------------------

    def _fail(self, detail: str) -> NoReturn:
        logger.error("publication tree write failed: %s", detail)
        self.rollback()
        raise PublicSiteWriteError(detail)

    def rollback(self) -> None:
        """Put back every file this batch changed (newest first)."""
        for path, before in reversed(self._undo):
            try:
                if before is None:
                    tree.remove(path)
                else:
                    tree.write(path, before)
            except OSError:
                logger.exception("could not restore %s", path)
        self._undo.clear()

    def finish(self) -> None:
        """Announce the changes (after the commit when inside a transaction).

        The services call their tree hook as the last step of their transaction,
        so nothing that could roll it back runs after a successful batch.
        """
        self._undo.clear()
        if self.dry_run or not (self.written or self.removed):
            return
        written, removed = list(self.written), list(self.removed)
        transaction.on_commit(
            lambda: tree_changed.send(Batch, written=written, removed=removed)
        )
