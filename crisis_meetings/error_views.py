"""Error pages in Japanese, in the site's layout, with a way back (issue 19).

400 lives in ``crisis_meetings.middleware``; 429 (login lockout) in the accounts app.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def _reason(exception: Exception | None) -> str:
    """The Japanese reason a view gave with ``PermissionDenied("…")``, if any."""
    if isinstance(exception, PermissionDenied) and exception.args:
        message = str(exception.args[0]).strip()
        # Only the messages our own code writes (Japanese); never a library's English.
        if message and not message.isascii():
            return message
    return ""


def page_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return render(request, "404.html", status=404)


def permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    reason = _reason(exception)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # A refused authorisation (ASVS 16.3.2): a line of the security log, no row
        # (a user clicking around must not fill the table).
        from crisis_meetings.accounts.security_log import record

        record(
            "access_denied",
            request=request,
            user=user,
            store=False,
            method=request.method,
            path=request.path[:300],
            reason=reason,
        )
    # A signed-in member of staff stays in the staff layout (menu, 職員用 title).
    layout = (
        "meetings/staff/base.html"
        if user is not None and user.is_authenticated
        else "base.html"
    )
    return render(request, "403.html", {"reason": reason, "layout": layout}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request: no context processor (they may query the very
    database that failed), only settings and ``{% url %}``."""
    template = loader.get_template("500.html")
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_ORGANISATION": settings.SITE_ORGANISATION,
        "SITE_PREFECTURE": settings.SITE_PREFECTURE,
        "SITE_ADDRESS": settings.SITE_ADDRESS,
        "SITE_PHONE": settings.SITE_PHONE,
    }
    return HttpResponseServerError(template.render(context))
