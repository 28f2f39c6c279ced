"""Reminders: directives due soon or overdue, contributions due within 2 hours.

Idempotent (a reminder is told once per item, recipient and due date): run it by
cron as often as you like, or let Celery beat run ``notifications.send_reminders``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from crisis_meetings.notifications import dispatch


class Command(BaseCommand):
    help = "期限が近い・期限を過ぎた指示事項と、提出期限が近い原稿依頼を知らせます。"

    def handle(self, *args: Any, **options: Any) -> None:
        count = dispatch.run_reminders()
        self.stdout.write(f"通知 {count}件")
