"""Serve the publication tree through Django (``make run``; SERVE_PUBLIC_SITE=1).

A GET of a public URL without list parameters (?year= ?type= ?incident= ?page= ?q=) answers with the tree's file when it
exists, as nginx does in production; anything else (staff, search, filters, a file
not written yet, PDFs, which the view serves with their file name) goes on to the
views. Last in MIDDLEWARE, so the other middleware still add their headers.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponseBase

from meetings.site import tree

# As nginx (deploy/nginx.conf): only these parameters make a public URL dynamic;
# any other query string (?utm_source=…, Pagefind's ?ts=…) gets the file.
LIST_PARAMETERS = frozenset({"year", "type", "incident", "page", "q"})
DYNAMIC = (
    "/staff/",
    "/admin/",
    "/accounts/",
    "/search/",
    "/static/",
    "/media/",
    "/api/",
    "/withdrawn/",  # 410 notices: nginx answers meeting URLs with them, never alone
    "/mail/",
)


class ServePublicSiteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            getattr(settings, "SERVE_PUBLIC_SITE", False)
            and request.method in ("GET", "HEAD")
            and not LIST_PARAMETERS.intersection(request.GET)
            and not request.path.startswith(DYNAMIC)
        ):
            path = tree.url_to_path(request.path)
            if not path.endswith(".pdf") and not path.startswith("."):
                try:
                    handle = tree.storage().open(path, "rb")
                except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                    handle = None
                except Exception:  # a bad path (..), an unreachable storage
                    handle = None
                if handle is not None:
                    response = FileResponse(handle, content_type=_content_type(path))
                    del response["Content-Disposition"]  # a page, not a download
                    response["X-Public-Site"] = "file"
                    extra = _csp_update_for(path)
                    if extra:  # the static search page and its scripts (WebAssembly)
                        response._csp_update = extra  # type: ignore[attr-defined]  # read by django-csp
                    return response
        return self.get_response(request)


def _content_type(path: str) -> str:
    known = tree.content_type(path)
    if known != "application/octet-stream":
        return known
    guessed, _ = mimetypes.guess_type(path)
    if (
        guessed
        and guessed.startswith("text/")
        or guessed
        in (
            "application/javascript",
            "application/json",
        )
    ):
        return f"{guessed}; charset=utf-8"
    return guessed or "application/octet-stream"


def _csp_update_for(path: str) -> dict[str, list[str]] | None:
    from meetings import static_search

    return static_search.csp_update_for(path)
