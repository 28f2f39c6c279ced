"""Check a backup archive without restoring it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings import backup


class Command(BaseCommand):
    help = (
        "バックアップを復元せずに検査します: 復号、全ファイルの SHA-256 とサイズ、"
        "マニフェスト、ダンプが読めること(pg_restore --list / PRAGMA integrity_check)。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="バックアップファイル(.tar / .tar.age)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup.backup_verify(archive=Path(options["archive"]))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        self.stdout.write(
            f"正常: {options['archive']} ({result.seconds:.1f} 秒)\n"
            f"  作成 {manifest['created_at']}、バージョン {manifest['app']['version']} "
            f"({manifest['app']['git_commit'][:12] or 'コミット不明'})\n"
            f"  {len(manifest['files'])} ファイルの SHA-256 がマニフェストと一致"
        )
        for line in result.details:
            self.stdout.write(f"  {line}")
        if manifest["missing_files"]:
            self.stdout.write(
                f"  注意: バックアップ時に無かった参照ファイル {len(manifest['missing_files'])} 件"
            )
        if result.pending_migrations:
            self.stdout.write(
                f"  復元後に manage.py migrate が必要です(未適用 "
                f"{len(result.pending_migrations)} 件)"
            )
