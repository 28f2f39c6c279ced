"""The Celery app: background jobs (tree rebuilds, PDF ZIP exports).

Broker from ``CELERY_BROKER_URL`` (``redis://127.0.0.1:6379/0``, or RabbitMQ's
``amqp://``). With none configured, ``CELERY_TASK_ALWAYS_EAGER`` runs every job
inline, so ``make run`` needs nothing else. Worker:
``celery -A crisis_meetings worker --concurrency 2``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisis_meetings.settings")

app = Celery("crisis_meetings")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
