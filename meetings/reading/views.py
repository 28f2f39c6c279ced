"""The reading version of a public page, rendered on request (the publication tree
holds the same bytes as files under ``kana/``; nginx and ServePublicSiteMiddleware
serve those)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from meetings.reading.pages import has_reading_version, kana_page
from meetings.reading.yomi import Reader
from meetings.site.render import render_url


def kana(request: HttpRequest, rest: str = "") -> HttpResponse:
    url = "/" + rest
    if not url.endswith("/") or not has_reading_version(url):
        raise Http404
    source = render_url(url)
    if source is None:
        raise Http404
    return HttpResponse(
        kana_page(source, url, Reader.load()), content_type="text/html; charset=utf-8"
    )
