"""The security log: one JSON line per event on the `crisis_meetings.security`
logger, and the same event stored as a SecurityEvent row that admins can read.

Logged: failed and successful logins, lockouts, second-factor verification,
enrolment and removal, backup codes issued, role and flag changes. Never a password,
a one-time code or a secret.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

logger = logging.getLogger("crisis_meetings.security")

# The request being served, so that model signals (an admin deleting a device,
# changing a user's groups) can say who did it and from where.
current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "security_current_request", default=None
)


def _clean(value: Any) -> Any:
    """PostgreSQL text and jsonb refuse NUL; a typed user name may contain one."""
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_clean(v) for v in value]
    return value


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    ip = getattr(request, "axes_ip_address", None)
    if ip is None:
        from axes.helpers import get_client_ip_address

        ip = get_client_ip_address(request)
    return ip or None


def _actor(request: HttpRequest | None) -> str:
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user.get_username()
    return ""


def record(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user=None,
    username: str | None = None,
    store: bool = True,
    **detail: Any,
) -> None:
    """Write one security event: a log line always, a SecurityEvent row if `store`."""
    from crisis_meetings.accounts.models import SecurityEvent

    if request is None:
        request = current_request.get()
    if username is None:
        username = user.get_username() if user is not None else ""
    username = _clean(str(username))[:150]
    ip = client_ip(request)
    actor = _actor(request)
    detail = _clean(detail)
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    line = {"time": now, "event": kind, "username": username, "ip": ip}
    if actor and actor != username:
        line["actor"] = actor
    line.update(detail)
    # json.dumps escapes every control character: one event is always one line.
    logger.info(json.dumps(line, ensure_ascii=False, sort_keys=False, default=str))
    if store:
        SecurityEvent.objects.create(
            kind=kind,
            username=username,
            user=user if user is not None and user.pk else None,
            ip_address=ip,
            actor=actor if actor != username else "",
            detail=detail,
        )
