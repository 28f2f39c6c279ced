"""``/api/v1/``: published meetings as data. Read-only, JSON, anonymous.

Everything comes from each meeting's current ``Publication`` (what its public page
renders), never from the live rows, which may hold an unpublished correction.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import strip_tags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from meetings import search as meeting_search
from meetings import wareki
from meetings.api import records, serializers
from meetings.api.common import (
    base_url,
    conditional,
    in_page_order,
    page_of,
    validated_query,
)
from meetings.demo_data import SEED_PUBLIC_ID
from meetings.extensions import related
from meetings.models import Meeting, Publication

ERRORS = {
    (400, "application/json"): OpenApiResponse(
        serializers.ParameterErrorSerializer, description="パラメータの誤り"
    ),
    # The site-wide guard answers a control character in the URL with its page.
    (400, "text/html"): OpenApiResponse(
        OpenApiTypes.STR, description="URLに制御文字(サイト共通の400ページ)"
    ),
    (404, "application/json"): OpenApiResponse(
        serializers.ErrorSerializer, description="ない、または公開されていない"
    ),
    # An id that is not a UUID matches no route: the site's 404 page.
    (404, "text/html"): OpenApiResponse(
        OpenApiTypes.STR, description="URLの形が違う(サイト共通の404ページ)"
    ),
    (429, "application/json"): OpenApiResponse(
        serializers.ErrorSerializer, description="リクエストが多すぎる(Retry-After)"
    ),
}
NOT_MODIFIED = {304: OpenApiResponse(description="変更なし(If-None-Match)")}

ID_PARAMETER = OpenApiParameter(
    "id",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="会議の公開ID",
    examples=[OpenApiExample("2022年6月20日の危機管理連絡会議", value=SEED_PUBLIC_ID)],
)


def _filtered(params: dict[str, Any]) -> QuerySet[Meeting]:
    meetings = Meeting.objects.published()
    year = params.get("year")
    if year is not None:
        first, last = wareki.fiscal_year_range(year)
        meetings = meetings.filter(current_publication__held_on__range=(first, last))
    if params.get("type"):
        meetings = meetings.filter(meeting_type__slug=params["type"])
    # The "incident" filter (a published name): the related records' meetings.
    if params.get("incident"):
        of_record = related().meeting_ids(params["incident"])
        if of_record is None:
            return meetings.none()
        meetings = meetings.filter(pk__in=of_record)
    return meetings


def _search_query(raw: str) -> meeting_search.Query:
    """The parsed query. One the search cannot run (a term of one character, too
    many terms) finds nothing, and says why in ``message`` (a 200, as on the page)."""
    return meeting_search.parse_query(raw)


@extend_schema(
    operation_id="meetings_list",
    summary="開催結果の一覧(新しい順)",
    description="公開中の会議だけ。年度・会議種別・事案・検索語で絞り込める。",
    parameters=[serializers.MeetingQuerySerializer],
    responses={200: serializers.MeetingPageSerializer, **NOT_MODIFIED, **ERRORS},
)
@conditional
@api_view(["GET"])
def meeting_list(request: Request) -> Response:
    params = validated_query(request, serializers.MeetingQuerySerializer)
    meetings = _filtered(params)
    message = ""
    if params.get("q"):
        query = _search_query(params["q"])
        message = query.error
        meetings = (
            meeting_search.filter_meetings(meetings, query)
            if query
            else meetings.none()
        )
    page, pks = page_of(request, meetings, params)
    page["message"] = message
    base = base_url(request)
    rows = in_page_order(records.published_meetings(), pks)
    page["results"] = [records.summary_record(m, base=base) for m in rows]
    return Response(page)


@extend_schema(
    operation_id="meetings_retrieve",
    summary="開催結果(構造化した記録)",
    description="公開ページと同じ公開版から。訂正履歴と関係する事案を含む。",
    parameters=[ID_PARAMETER],
    responses={200: serializers.MeetingDetailSerializer, **NOT_MODIFIED, **ERRORS},
)
@conditional
@api_view(["GET"])
def meeting_detail(request: Request, id: uuid.UUID) -> Response:
    meeting = records.published_meetings().filter(public_id=id).first()
    if meeting is None:
        raise exceptions.NotFound
    (record,) = records.full_records([meeting], base=base_url(request))
    return Response(record)


@extend_schema(
    operation_id="meetings_text",
    summary="開催結果のテキスト形式",
    description="公開ページと同じ文面(公式の体裁)のプレーンテキスト(UTF-8)。",
    parameters=[ID_PARAMETER],
    responses={
        (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR),
        **NOT_MODIFIED,
        **ERRORS,
    },
)
@conditional
@api_view(["GET"])
def meeting_text(request: Request, id: uuid.UUID) -> HttpResponse:
    text = (
        Meeting.objects.published()
        .filter(public_id=id)
        .values_list("current_publication__text", flat=True)
        .first()
    )
    if text is None:
        raise exceptions.NotFound
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@extend_schema(
    operation_id="search",
    summary="全文検索",
    description=(
        "公開版の本文から検索(空白で区切るとAND、各語2文字以上)。"
        "一致した箇所の抜粋(snippet)付き。"
    ),
    parameters=[serializers.SearchQuerySerializer],
    responses={200: serializers.SearchPageSerializer, **NOT_MODIFIED, **ERRORS},
)
@conditional
@api_view(["GET"])
def search(request: Request) -> Response:
    params = validated_query(request, serializers.SearchQuerySerializer)
    query = _search_query(params["q"])
    meetings = (
        meeting_search.filter_meetings(Meeting.objects.published(), query)
        if query
        else Meeting.objects.none()
    )
    page, pks = page_of(request, meetings, params)
    page["message"] = query.error
    base = base_url(request)
    rows = in_page_order(records.published_meetings(), pks)
    texts = dict(
        Publication.objects.filter(
            pk__in=[m.current_publication_id for m in rows]
        ).values_list("pk", "text")
    )
    results = []
    for meeting in rows:
        result = records.summary_record(meeting, base=base)
        excerpt = meeting_search.snippet(
            texts[meeting.current_publication_id], query.terms
        )
        result["snippet"] = html.unescape(strip_tags(excerpt))
        results.append(result)
    page["results"] = results
    return Response(page)


def docs(request: HttpRequest) -> HttpResponse:
    """The browsable documentation: Swagger UI from the installed sidecar package,
    started by a static script (no inline script or style: strict CSP)."""
    return render(request, "meetings/api/docs.html")
