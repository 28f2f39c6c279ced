"""Compare the publication tree with the database; --fix repairs it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings import site


class Command(BaseCommand):
    help = (
        "公開ツリーとデータベースを照合します(不足・古い・余分なファイル、"
        "ツリー内で解決しないリンク)。--fix で修復します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fix", action="store_true", help="見つかった差異を修復します。"
        )

    def _print(self, report: Any) -> None:
        for label, paths in (
            ("不足", report.missing),
            ("古い", report.stale),
            ("余分", report.extra),
        ):
            for path in paths:
                self.stdout.write(f"{label}: {path}")
        for path, link in report.broken_links:
            self.stdout.write(f"リンク切れ: {path} → {link}")

    def handle(self, *args: Any, fix: bool = False, **options: Any) -> None:
        report = site.verify_site(fix=fix)
        self._print(report)
        summary = (
            f"不足 {len(report.missing)}、古い {len(report.stale)}、"
            f"余分 {len(report.extra)}、リンク切れ {len(report.broken_links)}"
        )
        if report.ok:
            self.stdout.write(f"公開ツリーはデータベースと一致しています。({summary})")
            return
        if not fix:
            raise CommandError(f"公開ツリーに差異があります。({summary})")
        after = site.verify_site()
        if not after.ok:
            self._print(after)
            raise CommandError("修復後も差異が残っています。")
        self.stdout.write(f"修復しました。({summary})")
