"""Background jobs on Celery: a real worker consuming from the machine's Redis runs
the list rebuild after a publication and a PDF ZIP export; one job per target at a
time (Redis lock, or a file lock without Redis).

The worker runs in a thread of the test process (celery.contrib.testing), so that
it shares the test database on SQLite (an in-memory database shared by the
process's connections) as on PostgreSQL; broker and lock are the real Redis.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import redis

from meetings import exports, services
from meetings.models import PdfExportJob
from meetings.site.locks import JobLockTimeout, held, job_lock
from tests.factories import make_meeting
from tests.meetings.public_builders import publish_many

REDIS = "redis://127.0.0.1:6379/15"
# One queue of this test run's own (Celery keeps the queue list once built).
QUEUE = f"crisis-meetings-test-{uuid.uuid4().hex}"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def worker(settings):
    """A real Celery worker (solo pool) on Redis, on a queue of this test's own."""
    from celery.contrib.testing.worker import start_worker

    from crisis_meetings.celery import app

    assert _redis_up(), "the machine's Redis (127.0.0.1:6379) must be running"
    settings.JOB_LOCK_REDIS_URL = REDIS
    settings.JOB_LOCK_PREFIX = QUEUE  # locks of this test run's own
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    app.conf.update(
        broker_url=REDIS,
        task_always_eager=False,
        task_default_queue=QUEUE,
    )
    # Built from the earlier configuration: the queue list, the broker connections.
    if "amqp" in app.__dict__:
        del app.amqp
    app._pool = None
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ) as running:
            yield running
    finally:
        # Back to inline jobs; the producer pool (kombu's, per broker URL) stays
        # open for the next worker test. Our queue's keys go.
        app.conf.update(saved)
        if "amqp" in app.__dict__:
            del app.amqp
        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(match=f"*{QUEUE}*"):
            client.delete(key)


def _wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_rebuilds_the_lists_after_a_publication(
    settings, worker, approver, editor
):
    publish_many(2, first_day=date(2024, 4, 1))
    meeting = make_meeting(
        user=editor, status="review", agenda=["「非同期確認」について"]
    )
    services.meeting_publish(meeting=meeting, user=approver)  # commits: job queued
    root = Path(settings.PUBLIC_SITE_ROOT)
    # The meeting's own page was written before the call returned …
    assert (root / f"meetings/{meeting.public_id}/index.html").exists()
    # … the lists by the worker.
    index = root / "index.html"
    assert _wait_for(lambda: index.exists() and "非同期確認" in index.read_text())
    feed = root / "feed/index.xml"
    assert _wait_for(
        lambda: feed.exists() and str(meeting.public_id) in feed.read_text()
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_builds_the_pdf_zip(worker, admin_user, editor):
    make_meeting(user=editor, status="published", held_on="2024-05-10")
    job = exports.pdf_export_job_create(user=admin_user, fiscal_year=2024)

    def finished() -> bool:
        job.refresh_from_db()
        return job.is_finished

    assert _wait_for(finished)
    assert job.status == PdfExportJob.Status.DONE, job.error
    assert job.done == job.total == 1 and job.size_bytes > 0


@pytest.mark.parametrize("backend", ["redis", "file"])
def test_job_lock_lets_one_job_per_target_run_at_a_time(settings, tmp_path, backend):
    settings.JOB_LOCK_REDIS_URL = REDIS if backend == "redis" else ""
    settings.JOB_LOCK_PREFIX = QUEUE
    settings.JOB_LOCK_DIR = tmp_path / "locks"
    name = f"target-{uuid.uuid4().hex}"
    with job_lock(name):
        assert held(name)
        with pytest.raises(JobLockTimeout):
            with job_lock(name, wait=0.3):
                pass
        with job_lock(f"{name}-other", wait=0):  # another target runs meanwhile
            pass
    assert not held(name)


@pytest.mark.django_db(transaction=True)
def test_a_list_rebuild_waits_for_the_one_running(settings):
    from meetings.site.build import rebuild_lists

    publish_many(2, first_day=date(2024, 4, 1))
    index = Path(settings.PUBLIC_SITE_ROOT) / "index.html"
    done = threading.Event()

    def second() -> None:
        try:
            rebuild_lists()
        finally:
            from django.db import connection

            connection.close()
            done.set()

    with job_lock("lists"):  # the first job, running
        thread = threading.Thread(target=second)
        thread.start()
        assert not done.wait(1.0)  # the second waits …
        assert not index.exists()
    assert done.wait(60)  # … and runs once the first has finished
    thread.join()
    assert index.exists()
