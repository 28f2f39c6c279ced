"""Without a broker, notification jobs run in the web process, but only after the
response has been computed and the action committed (``InlineJobsMiddleware``),
with a short SMTP timeout (``EMAIL_INLINE_TIMEOUT``): a down mail server never
fails a staff action nor loses a mail, and costs one timeout per request."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from crisis_meetings.notifications import services, tasks
from crisis_meetings.notifications.middleware import InlineJobsMiddleware
from crisis_meetings.notifications.models import OutboxMail
from meetings import permissions
from meetings.models import Meeting
from tests.factories import make_meeting
from tests.notifications.conftest import SmtpServer, free_port


class _Recorder:
    """A task whose ``delay`` records its calls (and may start another job)."""

    name = "test.recorder"

    def __init__(self, then=None) -> None:
        self.calls: list[tuple] = []
        self.then = then

    def delay(self, *args) -> None:
        self.calls.append(args)
        if self.then is not None:
            tasks.enqueue(self.then, *args)


# `db` in the tests that close a response: closing sends request_finished, which
# checks the database connection an earlier test in the run may have left open.
def test_jobs_started_in_a_request_run_once_the_response_is_closed(settings, db):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    second = _Recorder()
    first = _Recorder(then=second)

    def view(request):
        tasks.enqueue(first, 1)
        return HttpResponse("ok")

    response = InlineJobsMiddleware(view)(RequestFactory().post("/staff/x/"))
    # The answer is computed; nothing has run yet.
    assert response.status_code == 200 and first.calls == []
    # Outside the request, jobs run at once again (nothing is left collecting).
    outside = _Recorder()
    tasks.enqueue(outside, 9)
    assert outside.calls == [(9,)]
    response.close()  # what the WSGI server does once the response is sent
    assert first.calls == [(1,)] and second.calls == [(1,)]


def test_with_a_broker_jobs_are_queued_at_once(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = _Recorder()

    def view(request):
        tasks.enqueue(job, 2)
        return HttpResponse("ok")

    InlineJobsMiddleware(view)(RequestFactory().get("/"))
    assert job.calls == [(2,)]


def test_a_failing_job_is_logged_and_the_others_still_run(settings, caplog, db):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    class Broken(_Recorder):
        def delay(self, *args):
            raise RuntimeError("job crashed")

    after = _Recorder()

    def view(request):
        tasks.enqueue(Broken(), 1)
        tasks.enqueue(after, 2)
        return HttpResponse("ok")

    response = InlineJobsMiddleware(view)(RequestFactory().get("/"))
    response.close()
    assert after.calls == [(2,)]
    assert "job crashed" in caplog.text


class Blackhole:
    """A TCP server that accepts connections and never answers (a hung SMTP
    server: the client waits for the greeting until its timeout)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def _person(django_user_model, username: str, role: str):
    user = django_user_model.objects.create_user(
        username=username, password="pw", email=f"{username}@pref.example.lg.jp"
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def mail_settings(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 30  # the worker's: not used inline
    settings.EMAIL_INLINE_TIMEOUT = 1
    settings.PUBLIC_SITE_URL = "https://kikikanri.example.lg.jp"
    return settings


@pytest.mark.django_db(transaction=True)
def test_a_hung_smtp_server_never_fails_the_action_nor_loses_a_mail(
    client, django_user_model, mail_settings
):
    writer = _person(django_user_model, "writer", permissions.EDITOR)
    for name in ("approver1", "approver2", "approver3"):
        _person(django_user_model, name, permissions.APPROVER)
    meeting = make_meeting(user=writer)
    hung = Blackhole()
    mail_settings.EMAIL_PORT = hung.port
    try:
        client.force_login(writer)
        response = client.post(reverse("staff:submit", args=[meeting.pk]))
    finally:
        hung.close()
    # The action succeeded and committed.
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.REVIEW
    # Every approver's mail is in the outbox, waiting; one connection was tried
    # (one inline timeout), the others were left for send_pending_mail.
    mails = list(OutboxMail.objects.order_by("pk"))
    assert len(mails) == 3
    assert {m.status for m in mails} == {OutboxMail.Status.PENDING}
    assert sorted(m.attempts for m in mails) == [0, 0, 1]
    assert len(hung.accepted) == 1
    tried = next(m for m in mails if m.attempts == 1)
    assert "timed out" in tried.last_error or "Timeout" in tried.last_error

    # The server back: the cron run sends all three, once each.
    server = SmtpServer(port=free_port())
    server.start()
    mail_settings.EMAIL_PORT = server.port
    try:
        counts = services.send_pending(now=timezone.now() + timedelta(hours=2))
    finally:
        server.stop()
    assert counts["sent"] == 3
    assert server.recipients() == [f"approver{n}@pref.example.lg.jp" for n in (1, 2, 3)]


@pytest.mark.django_db(transaction=True)
def test_a_working_server_gets_the_mail_by_the_end_of_the_request(
    client, django_user_model, mail_settings
):
    writer = _person(django_user_model, "writer", permissions.EDITOR)
    _person(django_user_model, "approver1", permissions.APPROVER)
    meeting = make_meeting(user=writer)
    server = SmtpServer(port=free_port())
    server.start()
    mail_settings.EMAIL_PORT = server.port
    try:
        client.force_login(writer)
        response = client.post(reverse("staff:submit", args=[meeting.pk]))
    finally:
        server.stop()
    assert response.status_code == 302
    assert server.recipients() == ["approver1@pref.example.lg.jp"]
    assert OutboxMail.objects.get().status == OutboxMail.Status.SENT
