"""What every API view shares: conditional GET, throttling that never fails a
request, strict query parameters, errors as JSON, paging."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from meetings.extensions import related
from meetings.models import Meeting, MeetingEvent, Publication
from meetings.views.public import public_state

logger = logging.getLogger(__name__)

API_VERSION = "v1"
DEFAULT_PAGE_SIZE = 20
# Clients may keep a response this long without asking again (then they revalidate).
MAX_AGE = 60


# ---------------------------------------------------------------------------
# Conditional GET
# ---------------------------------------------------------------------------


def data_version() -> tuple[str, datetime | None]:
    """A token that changes with anything the API shows, and the last change time.

    The token: ``public_state()`` (published meetings, the related records and
    their links) plus ``related().api_state_sql()`` (for 事案: alert changes). The
    time: the newest publication, withdrawal or related change (a weak validator;
    the ETag is the exact one).
    """
    parts = [
        # The newest publication is the one with the highest id (read from the
        # primary key index; MAX(published_at) would read every row).
        f"(SELECT published_at FROM {Publication._meta.db_table}"
        " ORDER BY id DESC LIMIT 1)",
        f"(SELECT MAX(created_at) FROM {MeetingEvent._meta.db_table}"
        " WHERE action = %s)",
    ]
    params: list[Any] = [MeetingEvent.Action.WITHDRAW]
    parts += related().api_state_sql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    times = [value for value in row[:4] if isinstance(value, datetime)]
    if connection.vendor == "sqlite":  # SQLite returns text for MAX() of datetimes
        from django.utils.dateparse import parse_datetime
        from django.utils.timezone import make_aware

        times = []
        for value in row[:4]:
            parsed = (
                value
                if isinstance(value, datetime)
                else parse_datetime(value)
                if value
                else None
            )
            if parsed is not None:
                times.append(parsed if parsed.tzinfo else make_aware(parsed))
    token = public_state() + ":" + ":".join(str(value) for value in row)
    return token, max(times) if times else None


def conditional(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ETag and Last-Modified on every 200; If-None-Match / If-Modified-Since → 304.

    The validators are computed before the view runs (one query), so a 304 costs
    no rendering. The ETag covers the whole published state and the full URL.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        token, modified = data_version()
        etag = (
            '"'
            + hashlib.sha256(
                f"{API_VERSION}:{token}:{request.get_full_path()}".encode()
            ).hexdigest()[:40]
            + '"'
        )
        timestamp = int(modified.timestamp()) if modified else None
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=timestamp
        )
        if not_modified is not None:
            response = not_modified  # a 304 repeats the validators (RFC 9110)
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != status.HTTP_200_OK:
                return response
        response["ETag"] = etag
        if timestamp is not None:
            response["Last-Modified"] = http_date(timestamp)
        _cache_headers(response)
        return response

    return wrapped


def _cache_headers(response: HttpResponse) -> None:
    patch_cache_control(response, public=True, max_age=MAX_AGE)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

MESSAGES = {
    status.HTTP_404_NOT_FOUND: "見つかりません。",
    status.HTTP_405_METHOD_NOT_ALLOWED: "このAPIは読み取り専用です(GETのみ)。",
    status.HTTP_406_NOT_ACCEPTABLE: "JSON(application/json)だけを返せます。",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as ``{"detail": "<Japanese message>"}`` (400s add ``errors``)."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait) if exc.wait is not None else None
        response.data = {
            "detail": "リクエストが多すぎます。"
            + (f"{wait}秒後に" if wait is not None else "しばらくしてから")
            + "もう一度お試しください。",
            "retry_after": wait,
        }
    elif isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "パラメータが正しくありません。",
            "errors": exc.detail if isinstance(exc.detail, dict) else {"": exc.detail},
        }
    elif response.status_code in MESSAGES:
        response.data = {"detail": MESSAGES[response.status_code]}
    return response


def validated_query(
    request: Request, serializer_class: type[serializers.Serializer]
) -> dict[str, Any]:
    """The query parameters ``serializer_class`` declares, validated; 400 otherwise.

    A parameter given twice is refused too (which one would count?).
    """
    declared = serializer_class().fields
    repeated = {
        name: ["一度だけ指定してください。"]
        for name, values in request.query_params.lists()
        if name in declared and len(values) > 1
    }
    if repeated:
        raise exceptions.ValidationError(repeated)
    serializer = serializer_class(
        data={
            name: value
            for name, value in request.query_params.items()
            if name in declared
        }
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# ---------------------------------------------------------------------------
# Paging
# ---------------------------------------------------------------------------


ORDER = ("-current_publication__held_on", "-current_publication_id")


def page_of(
    request: Request, meetings: QuerySet[Meeting], params: dict[str, Any]
) -> tuple[dict[str, Any], list[int]]:
    """Count, next/previous URLs and the meeting pks of the requested page (404
    past the last page)."""
    size = params.get("page_size") or DEFAULT_PAGE_SIZE
    number = params.get("page") or 1
    ids = meetings.order_by(*ORDER).values_list("pk", flat=True)
    paginator = Paginator(ids, size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        if number == 1:  # nothing at all: an empty first page, not a 404
            return {"count": 0, "next": None, "previous": None}, []
        raise exceptions.NotFound from None

    def link(n: int) -> str:
        query = request.GET.copy()
        query["page"] = str(n)
        return request.build_absolute_uri(request.path + "?" + query.urlencode())

    return (
        {
            "count": paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number())
            if page.has_previous()
            else None,
        },
        list(page.object_list),
    )


def in_page_order(meetings: QuerySet[Meeting], pks: list[int]) -> list[Meeting]:
    by_pk = {meeting.pk: meeting for meeting in meetings.filter(pk__in=pks)}
    # A meeting withdrawn between the two queries is left out.
    return [by_pk[pk] for pk in pks if pk in by_pk]


def base_url(request: HttpRequest) -> str:
    """The origin for absolute URLs in records (https://host)."""
    return request.build_absolute_uri("/").rstrip("/")
