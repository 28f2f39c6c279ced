"""The documentation page's Swagger UI stylesheet, made to work under the strict CSP.

Swagger UI's CSS draws its icons from ``data:`` URLs, which ``img-src 'self'``
blocks. The stylesheet is served here with each ``data:`` image replaced by a URL
of this site that answers the same image (computed once per process from the
installed file, so it follows the package's version).
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

CSS = "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"
DATA_URL = re.compile(
    r"""url\(\s*(?P<q>["']?)data:(?P<mime>image/[a-z0-9.+-]+)(?P<params>(?:;[^,]*)?),"""
    r"""(?P<data>(?:\\.|(?!(?P=q)\s*\)).)*)(?P=q)\s*\)""",
    re.DOTALL,
)
MAX_AGE = 24 * 60 * 60


def _decode(match: re.Match) -> bytes:
    data = match["data"]
    if match["params"].endswith(";base64"):
        return base64.b64decode(data)
    # CSS string escapes (\" \') then URL escapes (%23…).
    return unquote(re.sub(r"\\(.)", r"\1", data)).encode()


@lru_cache(maxsize=1)
def _rewritten() -> tuple[str, dict[str, tuple[bytes, str]]]:
    path = finders.find(CSS)
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as handle:
        css = handle.read()
    images: dict[str, tuple[bytes, str]] = {}
    prefix = reverse("api:docs_image", args=["x"])[:-1]

    def replace(match: re.Match) -> str:
        content = _decode(match)
        name = hashlib.sha256(content).hexdigest()[:20]
        images[name] = (content, match["mime"])
        return f'url("{prefix}{name}")'

    return DATA_URL.sub(replace, css), images


def _cached(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stylesheet(request: HttpRequest) -> HttpResponse:
    css, _ = _rewritten()
    return _cached(HttpResponse(css, content_type="text/css; charset=utf-8"))


def image(request: HttpRequest, name: str) -> HttpResponse:
    _, images = _rewritten()
    if name not in images:
        raise Http404
    content, mime = images[name]
    return _cached(HttpResponse(content, content_type=mime))
