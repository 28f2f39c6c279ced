"""The reading version of a public page, rendered on request (the publication tree
holds the same bytes as files under ``kana/``; nginx and ServePublicSiteMiddleware
serve those)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from meetings.reading.pages import has_reading_version, kana_page
from meetings.reading.yomi import Reader
from meetings.site.render import render_url


def kana(request: HttpRequest, rest: str = "") -> HttpResponse:
    url = "/" + rest
    if not url.endswith("/") or not has_reading_version(url):
        raise Http404
    source = render_url(url)
    if source is None:
        return _gone_or_404(request, url)
    return HttpResponse(
        kana_page(source, url, Reader.load()), content_type="text/html; charset=utf-8"
    )


def _gone_or_404(request: HttpRequest, url: str) -> HttpResponse:
    """A withdrawn meeting's reading version says it was withdrawn (410), as the
    meeting's own URL does; anything else is not found."""
    from meetings.views.public import withdrawn_response

    try:
        match = resolve(url)
    except Resolver404:
        raise Http404 from None
    if match.view_name != "public:meeting":
        raise Http404
    return withdrawn_response(request, match.kwargs["public_id"])
