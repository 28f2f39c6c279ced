"""Public URLs rendered by the real views, as an anonymous visitor sees them.

The tree is never a second copy of the templates: each file is the body of the
same view the dynamic site answers with (``tests/meetings/test_static_site.py``
crawls both and compares them byte for byte).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.test import RequestFactory
from django.urls import Resolver404, resolve

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Link targets: href="…" (HTML, Atom <link>), <loc>…</loc> (sitemap), <id>…</id> (Atom).
LINK = re.compile(rb'(?:href="|<loc>|<id>)([^"<]*)')
UUID_IN = re.compile(UUID.encode())


def request_for(url: str) -> HttpRequest:
    site = urlsplit(settings.PUBLIC_SITE_URL)
    secure = site.scheme == "https"
    request = RequestFactory().get(
        url,
        secure=secure,
        HTTP_HOST=site.netloc,
        HTTP_X_FORWARDED_PROTO=site.scheme,
    )
    # The configured public origin, whatever ALLOWED_HOSTS says (no client sent it).
    request.get_host = lambda: site.netloc  # type: ignore[method-assign]  # this request only
    request.user = AnonymousUser()
    return request


def render_url(url: str) -> bytes | None:
    """The body a GET of ``url`` answers with 200, or None (404, redirect…)."""
    try:
        match = resolve(url)
    except Resolver404:
        return None
    try:
        response = match.func(request_for(url), *match.args, **match.kwargs)
    except Http404:
        return None
    if hasattr(response, "render") and callable(response.render):
        response.render()
    try:
        if response.status_code != 200:
            return None
        if response.streaming:
            return b"".join(response.streaming_content)
        return response.content
    finally:
        # Not response.close(): it sends request_finished, which closes the
        # database connection in the middle of the caller's transaction.
        handle = getattr(response, "file_to_stream", None)
        if handle is not None:
            handle.close()


def refs(content: bytes) -> str:
    """The public ids a file links to, as " id1 id2 " (empty for binary files)."""
    if content.startswith(b"%PDF"):
        return ""
    found = sorted(
        {
            uuid.decode()
            for target in LINK.findall(content)
            for uuid in UUID_IN.findall(target)
        }
    )
    return f" {' '.join(found)} " if found else ""
