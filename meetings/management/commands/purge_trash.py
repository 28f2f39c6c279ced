"""Purge drafts that have been in the trash longer than TRASH_DAYS (run nightly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from meetings import trash


class Command(BaseCommand):
    help = (
        "ごみ箱に入れてから TRASH_DAYS 日(既定30日)を過ぎた下書きを完全に削除します。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = trash.purge_trash()
        for pk, why in result.kept.items():
            self.stderr.write(f"会議 {pk} は削除できませんでした: {why}")
        self.stdout.write(f"完全に削除した下書き: {len(result.purged)}件")
