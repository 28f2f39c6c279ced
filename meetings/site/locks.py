"""``job_lock(name)``: at most one job at a time for one target, across processes.

With Redis configured (``JOB_LOCK_REDIS_URL``, by default the Redis broker) a Redis
lock, shared by every worker on every machine; without it (``make run``, one
machine) an exclusive file lock in ``JOB_LOCK_DIR``. A second job for the same
target waits for the first to finish, then runs (it may have newer data to write).
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings


class JobLockTimeout(Exception):
    """Another job held the target's lock for longer than the wait allowed."""


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


@contextmanager
def job_lock(name: str, *, wait: float = 600, hold: float = 3600) -> Iterator[None]:
    url = getattr(settings, "JOB_LOCK_REDIS_URL", "")
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(url)
        prefix = getattr(settings, "JOB_LOCK_PREFIX", "crisis_meetings")
        lock = client.lock(f"{prefix}:job:{_safe(name)}", timeout=hold)
        if not lock.acquire(blocking=True, blocking_timeout=wait):
            raise JobLockTimeout(name)
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:  # expired meanwhile
                pass
        return
    folder = settings.JOB_LOCK_DIR
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"{_safe(name)}.lock"), "a+b") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise JobLockTimeout(name) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def held(name: str) -> bool:
    """Whether another job holds ``name`` now (for tests and the admin)."""
    try:
        with job_lock(name, wait=0):
            return False
    except JobLockTimeout:
        return True
