"""Second-factor gate and response headers."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from crisis_meetings.accounts.mfa import needs_verification
from crisis_meetings.accounts.security_log import current_request

# Paths whose pages only a (verified) staff user may see.
PROTECTED_PREFIXES = ("/staff/", "/admin/")
# The login, second-factor and logout pages check the session state themselves.
ACCOUNT_PREFIX = "/accounts/"

REFRESHED_AT = "_session_refreshed_at"

# Files: attachments, official and draft PDFs, exports.
FILE_TYPES = {"application/pdf", "application/zip", "text/csv"}


class MFARequiredMiddleware:
    """A session that passed the password step but still owes a second factor is
    sent to the 確認コード (or enrolment) step from staff and admin pages, and is
    anonymous everywhere else: it carries no privilege until verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self._respond(request)
        finally:
            current_request.reset(token)

    def _respond(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session cookie: an empty session, an anonymous user, nothing to
            # verify. Reading request.user would have read the session (marked
            # accessed: SessionMiddleware adds `Vary: Cookie`); the response is
            # the same without loading the user.
            request.session.accessed = True
            return self.get_response(request)
        path = request.path_info
        if not path.startswith(ACCOUNT_PREFIX) and needs_verification(
            request.user, request.session
        ):
            if path.startswith(PROTECTED_PREFIXES):
                from django_otp import user_has_device

                name = "otp_verify" if user_has_device(request.user) else "otp_setup"
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse(name)}?{query}")
            request.user = AnonymousUser()
        return self.get_response(request)


class SlidingSessionMiddleware:
    """Sessions end SESSION_COOKIE_AGE after the last request, not after the login:
    a logged-in session is saved again (its expiry moved on) at most every
    SESSION_REFRESH_SECONDS, instead of one write per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.session_key and session.get(SESSION_KEY):
            now = int(time.time())
            if now - session.get(REFRESHED_AT, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[REFRESHED_AT] = (
                    now  # marks it modified: saved with a new expiry
                )
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """`Cache-Control: no-store` on staff, account and admin pages; files (PDFs,
    attachments, exports) get `Content-Security-Policy: sandbox` instead of the page
    policy, so that a crafted file opened in the browser runs in an opaque origin.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.no_store_prefixes = tuple(settings.NO_STORE_PATH_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(self.no_store_prefixes):
            add_never_cache_headers(response)
        if is_file_response(response):
            response["Content-Security-Policy"] = "sandbox"
        return response


def is_file_response(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type in {"text/html", "application/xhtml+xml"}:
        return False
    return content_type in FILE_TYPES or response.has_header("Content-Disposition")
