"""Inline notification jobs (no broker) run after the response, not inside it.

Without ``CELERY_BROKER_URL`` the jobs run in the web process ("with no broker
configured jobs run inline"). This middleware collects those a request starts
(after its transaction commits, ``transaction.on_commit``) and runs them when the
server closes the response, i.e. once the answer has been computed and sent: a
slow or down SMTP server never delays nor fails the staff action. With a broker
nothing is collected (``delay`` only queues).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from crisis_meetings.notifications.tasks import InlineJobs


class InlineJobsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            return self.get_response(request)
        jobs = InlineJobs()
        jobs.start()
        try:
            response = self.get_response(request)
        except BaseException:
            jobs.stop()
            jobs.run()  # what committed before the error still gets its mail
            raise
        jobs.stop()
        if jobs.state.jobs:
            # HttpResponseBase.close() calls these (the WSGI server closes the
            # response once sent), before request_finished closes the connection.
            response._resource_closers.append(jobs.run)
        return response
