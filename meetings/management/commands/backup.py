"""Write one backup archive (database, every media file, manifest) and prune old ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings import backup


class Command(BaseCommand):
    help = (
        "データベース(PostgreSQL は pg_dump、SQLite はオンラインバックアップ API)と"
        "MEDIA_ROOT の全ファイル、マニフェストを1つのアーカイブにして DEST に書き、"
        "古い世代を削除します(BACKUP_KEEP_DAILY/WEEKLY/MONTHLY)。"
        "BACKUP_ENCRYPTION_KEY か BACKUP_ENCRYPTION_RECIPIENTS があれば age で暗号化します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", nargs="?", help="バックアップを置くフォルダ")
        parser.add_argument(
            "--no-prune", action="store_true", help="古い世代を削除しません。"
        )
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="新しい age の鍵を作って表示するだけです(何もバックアップしません)。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            secret, public = backup.generate_key()
            self.stdout.write(
                f"BACKUP_ENCRYPTION_KEY={secret}\n"
                f"# 公開鍵(暗号化だけするホストの BACKUP_ENCRYPTION_RECIPIENTS): {public}\n"
                "# 秘密鍵はバックアップとは別の場所(金庫、オフラインの媒体)に保管してください。"
            )
            return
        if not options["dest"]:
            raise CommandError("バックアップを置くフォルダ DEST を指定してください。")
        try:
            result = backup.backup_create(
                dest=Path(options["dest"]),
                prune=not options["no_prune"],
                log=self.stderr.write,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        media = [name for name in manifest["files"] if name.startswith("media/")]
        self.stdout.write(
            f"{result.path} ({result.size / 1024 / 1024:.1f} MiB, "
            f"{result.seconds:.1f} 秒)\n"
            f"  SHA-256 {result.sha256}\n"
            f"  データベース {manifest['database']['vendor']}: "
            f"{len(manifest['tables'])} 表、{sum(manifest['tables'].values())} 行\n"
            f"  メディア {len(media)} ファイル"
        )
        for path in result.pruned:
            self.stdout.write(f"  古い世代を削除: {path.name}")
