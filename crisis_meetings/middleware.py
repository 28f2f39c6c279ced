"""Bad input answers 400 with a Japanese page, never a 500.

A NUL in a query parameter reached PostgreSQL (``A string literal cannot contain NUL``)
and answered 500; other control characters end up in XML feeds and PDFs, where they
are invalid. Nobody types them: they come from crafted links or broken tools.

- Path and query string (names and values): any C0 control character or DEL → 400.
- Form fields of a POST (names and values): C0 characters but tab, CR and LF, and
  DEL, are removed (vertical tab and form feed, which pasting from word processors
  and PDFs brings, become line breaks), so no typed text is lost for an invisible
  character. NUL included: Django's forms refuse it, but with a misleading Japanese
  message (「何か文字を入力してください。」), and views that read the POST directly
  would pass it on to PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

# C0 controls and DEL: refused in URLs.
URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In form fields: everything above but tab, LF and CR.
FORM_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
FORM_LINE_BREAK = re.compile(r"[\x0b\x0c]")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def bad_request(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    """The 400 page in the site layout (also Django's ``handler400``)."""
    return render(request, "400.html", status=400)


def _url_is_bad(request: HttpRequest) -> bool:
    if URL_CONTROL.search(request.path_info):
        return True
    if "GET" not in request.__dict__ and not request.META.get("QUERY_STRING"):
        return False  # no parameter (not parsed into an empty QueryDict)
    return any(
        URL_CONTROL.search(key) or any(URL_CONTROL.search(v) for v in values)
        for key, values in request.GET.lists()
    )


def _clean_value(value: str) -> str:
    return FORM_CONTROL.sub("", FORM_LINE_BREAK.sub("\n", value))


def _clean_form(request: HttpRequest) -> None:
    if request.method != "POST" or not request.content_type.startswith(FORM_TYPES):
        return
    post = request.POST
    if not any(
        FORM_CONTROL.search(v) or FORM_LINE_BREAK.search(v)
        for _, values in post.lists()
        for v in values
    ):
        return
    cleaned = QueryDict(mutable=True, encoding=post.encoding)
    for key, values in post.lists():
        cleaned.setlist(_clean_value(key), [_clean_value(v) for v in values])
    cleaned._mutable = False
    request.POST = cleaned


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _url_is_bad(request):
            return bad_request(request)
        _clean_form(request)
        return self.get_response(request)
