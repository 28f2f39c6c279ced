"""A real SMTP server (aiosmtpd) on a free port, started and stopped by the tests.

``smtp.messages`` holds what it received, parsed (``email.policy.default``: headers
decoded from their MIME encoding); ``smtp.stop()`` / ``smtp.start()`` take it down
and bring it back on the same port.
"""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

# The contribution tests' cast (departments, their writers, the coordinator, the
# seed meeting without the departments' sections).
from tests.contributions.conftest import (  # noqa: F401 (fixtures)
    coordinator,
    departments,
    meeting,
    writers,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage
    raw: bytes


class _Handler:
    def __init__(self, box: list[Received]) -> None:
        self.box = box

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd)
        raw = envelope.original_content or envelope.content
        self.box.append(
            Received(
                envelope_to=list(envelope.rcpt_tos),
                message=email.message_from_bytes(raw, policy=email.policy.default),
                raw=raw,
            )
        )
        return "250 OK"


@dataclass
class SmtpServer:
    port: int
    messages: list[Received] = field(default_factory=list)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            _Handler(self.messages), hostname="127.0.0.1", port=self.port
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.envelope_to]

    def recipients(self) -> list[str]:
        return sorted(a for m in self.messages for a in m.envelope_to)

    def clear(self) -> None:
        self.messages.clear()


@pytest.fixture
def smtp(settings):
    server = SmtpServer(port=free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "kikikanri-noreply@example.lg.jp"
    settings.PUBLIC_SITE_URL = "https://kikikanri.example.lg.jp"
    yield server
    server.stop()


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Run what the code queues after commit (Celery runs inline in tests)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
