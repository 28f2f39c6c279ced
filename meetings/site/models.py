"""The publication tree's manifest and its write lock, kept in the database.

``SiteFile`` has one row per file in the tree: its content hash (a file is
rewritten only when its bytes change) and the public ids it links to (so that a
withdrawal rewrites exactly the files that link to the meeting). Rows change in the
same transaction as the publication, correction or withdrawal that wrote the files.
"""

from __future__ import annotations

from django.db import models


class SiteFile(models.Model):
    path = models.CharField("パス", max_length=500, unique=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("バイト数")
    # Public ids (meetings, incidents) this file links to, " id1 id2 " (LIKE-searchable
    # on SQLite and PostgreSQL alike).
    refs = models.TextField("リンク先", blank=True, default="")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "公開ファイル"
        verbose_name_plural = "公開ファイル"

    def __str__(self) -> str:
        return self.path


class SiteLock(models.Model):
    """A row locked (SELECT … FOR UPDATE) by every writer of the tree, inside its
    transaction: a job never renders from a database state older than a withdrawal
    that has already rewritten the files."""

    name = models.CharField(max_length=100, primary_key=True, verbose_name="名前")

    class Meta:
        verbose_name = "公開ファイルの書込みロック"
        verbose_name_plural = "公開ファイルの書込みロック"

    def __str__(self) -> str:
        return self.name
