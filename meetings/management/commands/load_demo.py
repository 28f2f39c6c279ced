from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings.demo import load_demo

NOT_PRODUCTION = "--i-know-this-is-not-production"


class Command(BaseCommand):
    help = (
        "デモデータ(2022年6月20日の開催結果ほか)と、まだないデモ利用者を登録します。"
        "何度実行しても同じ結果です。既存の利用者のパスワードや役割は変更しません。"
        f"DEBUG が無効(本番設定)のときは {NOT_PRODUCTION} が必要です。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            NOT_PRODUCTION,
            action="store_true",
            dest="not_production",
            help="DEBUG が無効でも実行する(本番のデータベースでは使わないこと)。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                "DEBUG が無効(本番設定)のため、デモデータを登録しません。"
                "デモ利用者のパスワードは README に公開されています。"
                f"本番ではないデータベースに登録する場合だけ {NOT_PRODUCTION} "
                "を付けて実行してください。"
            )
        try:
            users = load_demo()
        except PermissionDenied as exc:
            raise CommandError(
                "既存の利用者 editor / approver の役割が足りないため、デモデータを"
                f"登録できませんでした(何も登録していません)。{exc}"
            ) from exc
        self.stdout.write(self.style.SUCCESS("デモデータを登録しました。"))
        self.stdout.write("デモ利用者 (ユーザー名 / パスワード / 役割):")
        for username, password, role, created in users:
            if created:
                self.stdout.write(f"  {username} / {password} / {role}")
            else:
                self.stdout.write(
                    f"  {username} / (既存の利用者: パスワードと役割は変更していません)"
                )
