"""Bulk export of 開催結果 PDFs as one ZIP: a fiscal year, or an admin's selection.

What goes into the ZIP (one rule for both kinds of export):

- a meeting with a publication: the stored official PDF of its current publication,
  byte for byte (checked against the SHA-256 taken at publication); a withdrawn
  meeting's file is named ``…(取下げ).pdf``;
- a meeting never published (draft, review): a PDF rendered now from its current
  data, 「案」 on every page, named ``…(案).pdf``. A fiscal-year export includes
  these only when asked to; a selection always includes what was selected;
- ``一覧.csv`` (UTF-8 with BOM, for Excel): one line per file with its SHA-256.

A fiscal year holds the meetings held from 1 April to 31 March; withdrawn meetings
are left out of it (they are no longer part of the public record).

Jobs run on Celery (``meetings.tasks.pdf_export``), queued when the request
commits; with no broker configured they run inline (``make run``).
"""

from __future__ import annotations

import io
import logging
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from meetings import csv_safe, files, layout, pdf, permissions, services, wareki
from meetings.models import Meeting, PdfExportJob
from meetings.permissions import Actor

logger = logging.getLogger(__name__)

Status = PdfExportJob.Status
MANIFEST_NAME = "一覧.csv"
STALE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class ExportEntry:
    name: str
    content: bytes
    kind: str  # 公開版 / 案
    meeting: Meeting

    @property
    def sha256(self) -> str:
        return files.facts(self.content).sha256


class ExportError(Exception):
    """A file that cannot be exported as it must be (the job fails, naming it)."""


# ---------------------------------------------------------------------------
# What to export
# ---------------------------------------------------------------------------


def fiscal_year_meetings(
    *, fiscal_year: int, include_unpublished: bool = False
) -> QuerySet[Meeting]:
    first, last = wareki.fiscal_year_range(fiscal_year)
    statuses = [Meeting.Status.PUBLISHED]
    if include_unpublished:
        statuses += [Meeting.Status.DRAFT, Meeting.Status.REVIEW]
    return Meeting.objects.filter(
        held_on__gte=first, held_on__lte=last, status__in=statuses
    )


def job_meetings(job: PdfExportJob) -> QuerySet[Meeting]:
    if job.fiscal_year is not None:
        meetings = fiscal_year_meetings(
            fiscal_year=job.fiscal_year, include_unpublished=job.include_unpublished
        )
    else:
        meetings = Meeting.objects.filter(pk__in=job.meeting_ids)
    return meetings.select_related("meeting_type", "current_publication").order_by(
        "held_on", "start_time", "id"
    )


def fiscal_years_with_meetings() -> list[int]:
    """Fiscal years that hold at least one meeting, newest first."""
    months = Meeting.objects.dates("held_on", "month")
    return sorted({wareki.fiscal_year(month) for month in months}, reverse=True)


def export_entry(meeting: Meeting) -> ExportEntry:
    """The file for one meeting: its stored official PDF, or a draft marked 「案」."""
    label = services.official_pdf_label(meeting)
    publication = meeting.current_publication
    if publication is not None and publication.pdf:
        with publication.pdf.open("rb") as stored:
            content = stored.read()
        if files.facts(content).sha256 != publication.pdf_sha256:
            # Never hand out an official PDF that differs from what was approved.
            raise ExportError(
                f"「{meeting.title}」の保存済みPDFが公開時のもの(SHA-256)と"
                "一致しません。出力を中止しました。"
            )
        suffix = "(取下げ)" if meeting.status == Meeting.Status.WITHDRAWN else ""
        return ExportEntry(f"{label}{suffix}.pdf", content, "公開版", meeting)
    full = Meeting.objects.with_parts().get(pk=meeting.pk)
    content = pdf.render_meeting_pdf(layout.meeting_data(full), draft=True)
    return ExportEntry(f"{label}({pdf.DRAFT_MARK}).pdf", content, "案", meeting)


def _unique_name(name: str, taken: set[str]) -> str:
    """Two meetings of one type on one day would share a name: number the second."""
    candidate, n = name, 2
    stem = name.removesuffix(".pdf")
    while candidate in taken:
        candidate = f"{stem}_{n}.pdf"
        n += 1
    taken.add(candidate)
    return candidate


def _manifest(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["ファイル名", "タイトル", "開催日", "状態", "種別", "バイト数", "SHA-256"]
    )
    for row in rows:
        writer.writerow(
            [
                row["name"],
                row["title"],
                row["held_on"],
                row["status"],
                row["kind"],
                row["size"],
                row["sha256"],
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------


@transaction.atomic
def pdf_export_job_create(
    *,
    user: Actor,
    fiscal_year: int | None = None,
    meeting_ids: list[int] | None = None,
    include_unpublished: bool = False,
) -> PdfExportJob:
    """Queue an export of a fiscal year or of selected meetings; starts on commit."""
    if not permissions.is_admin(user):
        raise PermissionDenied("開催結果PDFの一括出力は管理者だけが行えます。")
    if (fiscal_year is None) == (not meeting_ids):
        raise ValueError("give either a fiscal year or a non-empty selection")
    job = PdfExportJob(
        requested_by=permissions.person(user),
        fiscal_year=fiscal_year,
        meeting_ids=sorted(set(meeting_ids or [])),
        include_unpublished=include_unpublished if fiscal_year is not None else True,
    )
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def _dispatch(job_id: int) -> None:
    """Queue the job on Celery (inline when no broker is configured)."""
    from meetings import tasks

    tasks.pdf_export.delay(job_id)


def _claim(job_id: int) -> bool:
    """Move a pending job to running; False when another worker got it first."""
    return bool(
        PdfExportJob.objects.filter(pk=job_id, status=Status.PENDING).update(
            status=Status.RUNNING, started_at=timezone.now()
        )
    )


def pdf_export_job_run(*, job_id: int) -> PdfExportJob:
    """Build the ZIP, saving progress after every meeting. Never raises for a job
    that fails: the job is marked failed with a message for the admin.
    """
    pdf_export_jobs_fail_stale()
    if not _claim(job_id):
        return PdfExportJob.objects.get(pk=job_id)
    job = PdfExportJob.objects.get(pk=job_id)
    try:
        meetings = list(job_meetings(job))
        PdfExportJob.objects.filter(pk=job.pk).update(total=len(meetings), done=0)
        with tempfile.TemporaryFile() as spool:
            rows: list[dict[str, Any]] = []
            taken: set[str] = set()
            folder = job.filename.removesuffix(".zip")
            with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
                for meeting in meetings:
                    entry = export_entry(meeting)
                    name = _unique_name(entry.name, taken)
                    archive.writestr(f"{folder}/{name}", entry.content)
                    rows.append(
                        {
                            "name": name,
                            "title": meeting.title,
                            "held_on": meeting.held_on.isoformat(),
                            "status": meeting.get_status_display(),
                            "kind": entry.kind,
                            "size": len(entry.content),
                            "sha256": entry.sha256,
                        }
                    )
                    PdfExportJob.objects.filter(pk=job.pk).update(done=F("done") + 1)
                archive.writestr(f"{folder}/{MANIFEST_NAME}", _manifest(rows))
            size = spool.tell()
            spool.seek(0)
            job.refresh_from_db()
            job.file.save(job.filename, File(spool), save=False)
        job.size_bytes = size
        job.status = Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "size_bytes", "status", "finished_at"])
    except (ExportError, pdf.PdfRenderError) as exc:
        _fail(job, str(exc))
    except Exception:  # a background job must end in a visible state
        logger.exception("PDF export job %s failed", job.pk)
        _fail(
            job,
            "予期しない問題が起きたため出力できませんでした。もう一度出力を依頼し、"
            "続く場合はシステム管理者に連絡してください(サーバーの記録に原因が残っています)。",
        )
    job.refresh_from_db()
    return job


def _fail(job: PdfExportJob, message: str) -> None:
    PdfExportJob.objects.filter(pk=job.pk).update(
        status=Status.FAILED, error=message, finished_at=timezone.now()
    )


def pdf_export_jobs_fail_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Mark jobs left running by a process that died as failed (each export job
    does this first, so an abandoned job does not stay "running" forever)."""
    return PdfExportJob.objects.filter(
        status=Status.RUNNING, started_at__lt=timezone.now() - older_than
    ).update(
        status=Status.FAILED,
        error="処理が中断されました。もう一度出力してください。",
        finished_at=timezone.now(),
    )


def job_progress(job: PdfExportJob) -> dict[str, Any]:
    """The progress as the status page and its JSON endpoint show it."""
    return {
        "status": job.status,
        "status_display": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.is_finished,
        "error": job.error,
    }
