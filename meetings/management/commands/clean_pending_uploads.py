"""Remove uploads kept while an editor page was shown again and never saved.

The staff editor keeps a valid upload under ``pending/`` in the media storage while
the page is shown again (validation error, no-JavaScript add/remove), so that nothing
chosen is lost; saving the meeting moves it into an attachment. Those abandoned
(tab closed, session expired) stay there: run this from cron, e.g. hourly:

    17 * * * *  cd /srv/crisis && .venv/bin/python manage.py clean_pending_uploads
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

PENDING_DIR = "pending"


def clean_pending_uploads(*, older_than: timedelta) -> list[str]:
    """Delete pending uploads last modified before now - ``older_than``; their names."""
    cutoff = timezone.now() - older_than
    try:
        _, files = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return []
    removed = []
    for name in sorted(files):
        path = f"{PENDING_DIR}/{name}"
        try:
            modified = default_storage.get_modified_time(path)
        except FileNotFoundError:
            continue  # removed meanwhile (saved by its editor)
        if timezone.is_naive(modified):
            modified = timezone.make_aware(modified)
        if modified < cutoff:
            default_storage.delete(path)
            removed.append(path)
    return removed


class Command(BaseCommand):
    help = (
        "編集画面の再表示中に一時保存したまま使われなかった添付ファイル(media/pending/)を"
        "削除します。cron などで定期的に実行してください。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=24.0,
            metavar="HOURS",
            help="この時間(時間単位、既定 24)より前に保存されたものを削除します。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["older_than"]
        if hours < 0:
            raise CommandError("--older-than には 0 以上の時間数を指定してください。")
        removed = clean_pending_uploads(older_than=timedelta(hours=hours))
        for path in removed:
            self.stdout.write(f"削除: {path}", self.style.NOTICE)
        self.stdout.write(
            self.style.SUCCESS(
                f"{hours:g}時間より前の一時保存ファイルを{len(removed)}件削除しました。"
            )
        )
