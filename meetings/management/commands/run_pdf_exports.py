"""Build pending PDF ZIP exports (PDF_EXPORT_RUNNER=command, e.g. a systemd timer)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from meetings import exports


class Command(BaseCommand):
    help = "待機中の開催結果PDF一括出力(ZIP)を作成します。"

    def handle(self, *args, **options) -> None:
        stale = exports.pdf_export_jobs_fail_stale()
        if stale:
            self.stdout.write(f"中断されていた出力 {stale} 件を失敗にしました。")
        for job in exports.pdf_export_jobs_run_pending():
            line = (
                f"{job.filename}: {job.get_status_display()} ({job.done}/{job.total})"
            )
            if job.error:
                line += f" {job.error}"
            self.stdout.write(line)
