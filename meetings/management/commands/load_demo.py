from django.core.management.base import BaseCommand

from meetings.demo import load_demo


class Command(BaseCommand):
    help = "デモデータ(2022年6月20日の開催結果ほか)とデモ利用者を登録します。何度実行しても同じ結果です。"

    def handle(self, *args, **options):
        users = load_demo()
        self.stdout.write(self.style.SUCCESS("デモデータを登録しました。"))
        self.stdout.write("デモ利用者 (ユーザー名 / パスワード / 役割):")
        for username, password, role in users:
            self.stdout.write(f"  {username} / {password} / {role}")
