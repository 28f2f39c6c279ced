"""Restore a backup archive into an empty database and MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings import backup


class Command(BaseCommand):
    help = (
        "バックアップを設定中のデータベースと MEDIA_ROOT に復元します。書き込む前に"
        "アーカイブ全体を検査し、終わりに行数と SHA-256 をマニフェストと照合します。"
        "公開サイト(build_site)があれば作り直します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="バックアップファイル(.tar / .tar.age)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="復元先のデータベースの表と MEDIA_ROOT のファイルを削除して置き換えます。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup.backup_restore(
                archive=Path(options["archive"]),
                force=options["force"],
                log=self.stdout.write,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        self.stdout.write(
            f"復元しました: {options['archive']} ({result.seconds:.1f} 秒)\n"
            f"  作成 {manifest['created_at']}、バージョン {manifest['app']['version']}"
        )
        for line in result.details:
            self.stdout.write(f"  {line}")
        if result.pending_migrations:
            self.stdout.write(
                "このコードには、バックアップに無いマイグレーションがあります: "
                + ", ".join(result.pending_migrations[:10])
                + "\n次に manage.py migrate を実行し、その後 manage.py build_site で"
                "公開サイトを作り直してください。"
            )
            return
        if "build_site" in get_commands():
            call_command("build_site", stdout=self.stdout, stderr=self.stderr)
            self.stdout.write("公開サイトを作り直しました(build_site)。")
