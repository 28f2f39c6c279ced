"""Send the mails that wait: digests whose window has passed, retries that are due.

Run by cron every minute (or by Celery beat: ``notifications.send_pending_mail``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from crisis_meetings.notifications import services


class Command(BaseCommand):
    help = "送信待ちのメール(まとめて送る通知、再送の時刻が来たもの)を送ります。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="再送の時刻を待たずに、送信待ちのメールをすべて送ります。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = services.send_pending(retry_all=options["now"])
        self.stdout.write(
            f"送信 {counts['sent']}通、失敗 {counts['failed']}通"
            f"(再送をやめたもの {counts['gave_up']}通)、送信待ち {counts['waiting']}通"
        )
