"""Background jobs (Celery): the publication tree's rebuilds and PDF ZIP exports.

Each job retries on failure with a growing delay, and runs once at a time per
target (``meetings.site.locks.job_lock``). Queued after the commit of the action
that asked for them; run inline when no broker is configured.
"""

from __future__ import annotations

import logging

from celery import shared_task

from meetings.static_search import rebuild_search_index  # noqa: F401 (its task)

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="meetings.rebuild_lists", **RETRY)
def rebuild_lists() -> dict[str, int]:
    """Every list page (and related record page), the feed and sitemap.xml."""
    from meetings.site.build import rebuild_lists as run

    batch = run()
    return {"written": len(batch.written), "removed": len(batch.removed)}


@shared_task(name="meetings.build_site", **RETRY)
def build_site() -> dict[str, int]:
    from meetings.site.build import build_site as run

    batch = run()
    return {"written": len(batch.written), "removed": len(batch.removed)}


@shared_task(name="meetings.pdf_export", **RETRY)
def pdf_export(job_id: int) -> str:
    """Build one fiscal-year (or selection) PDF ZIP; the job row shows progress."""
    from meetings import exports
    from meetings.site.locks import job_lock

    with job_lock(f"pdf_export:{job_id}"):
        job = exports.pdf_export_job_run(job_id=job_id)
    return job.status
