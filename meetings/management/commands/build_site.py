"""Write the whole publication tree (PUBLIC_SITE_ROOT) from the database."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings import site


class Command(BaseCommand):
    help = (
        "公開ツリー(PUBLIC_SITE_ROOT)をデータベースから作り直します。"
        "内容が変わったファイルだけを書き換えます。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="何も書き込まず、変わるファイルを表示します(変わるものがあれば終了コード1)。",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        started = time.monotonic()
        tty = self.stdout.isatty() if hasattr(self.stdout, "isatty") else False

        def progress(done: int, total: int) -> None:
            if tty:
                self.stdout.write(f"\r{done}/{total} URL", ending="")
                self.stdout.flush()

        batch = site.build_site(check=check, progress=progress)
        if tty:
            self.stdout.write("")
        seconds = time.monotonic() - started
        if check:
            for path in batch.written:
                self.stdout.write(f"変更: {path}")
            for path in batch.removed:
                self.stdout.write(f"削除: {path}")
            changes = len(batch.written) + len(batch.removed)
            self.stdout.write(
                f"確認のみ: 書き込み {len(batch.written)}、削除 {len(batch.removed)}、"
                f"変更なし {len(batch.unchanged)}({seconds:.1f} 秒)"
            )
            if changes:
                raise CommandError(
                    f"公開ツリーに反映されていない変更が {changes} 件あります。"
                )
            return
        self.stdout.write(
            f"書き込み {len(batch.written)}、削除 {len(batch.removed)}、"
            f"変更なし {len(batch.unchanged)}({seconds:.1f} 秒)"
        )
        sys.stdout.flush()
