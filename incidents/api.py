"""``/api/v1/incidents/``: public incidents as data (the incidents part of the API).

Only what the public incident page shows: public incidents linked to a published
meeting, their published meetings, and the alert-level changes those meetings
announced. Directives are the directive sections of those meetings as published;
their internal follow-up (assignments, progress notes) is not public.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import public_directives, timeline
from incidents.demo import RANSOMWARE_ID
from incidents.models import AlertChange, AlertLevel, Incident
from meetings import wareki
from meetings.api import records
from meetings.api import serializers as meeting_serializers
from meetings.api.common import base_url, conditional, validated_query
from meetings.api.views import ERRORS, NOT_MODIFIED
from meetings.models import Meeting, MeetingQuerySet

PAGE_SIZE = 50

# ---------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------


class ChoiceValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class MeetingRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    is_drill = serializers.BooleanField()
    held_on = serializers.DateField()
    held_on_wareki = serializers.CharField()
    html_url = serializers.CharField()
    url = serializers.CharField()


class LevelSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="0が平常")
    name = serializers.CharField()
    label = serializers.CharField(help_text="表示どおり(ステージⅡ(…))")


class AlertChangeSerializer(serializers.Serializer):
    scheme = serializers.CharField(help_text="警戒基準の名称")
    level = LevelSerializer()
    previous_level = LevelSerializer(allow_null=True)
    effective_at = serializers.DateTimeField()
    effective_at_text = serializers.CharField(help_text="和暦・曜日・時刻")
    meeting = MeetingRefSerializer(allow_null=True, help_text="発表した会議")


class CurrentAlertSerializer(serializers.Serializer):
    scheme = serializers.CharField()
    level = LevelSerializer()
    since = serializers.DateTimeField()
    upcoming_level = LevelSerializer(allow_null=True, help_text="発表済みの次の段階")
    upcoming_at = serializers.DateTimeField(allow_null=True)


class DirectiveStatusSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=["reported", "not_reported"])
    label = serializers.CharField()


class DirectiveSerializer(serializers.Serializer):
    meeting = MeetingRefSerializer()
    section_index = serializers.IntegerField(help_text="会議の sections の番号")
    issuer = serializers.CharField(allow_null=True, help_text="指示した者")
    recipients = serializers.CharField(allow_null=True)
    heading_text = serializers.CharField()
    items = meeting_serializers.ItemSerializer(many=True)
    public_status = DirectiveStatusSerializer(
        help_text="公開の状況: 後の公開済みの会議で取組報告があったか(reported /"
        " not_reported)。割当・期限・取組状況は内部の記録で、公開しません"
    )
    reported_in = MeetingRefSerializer(
        many=True, help_text="取組報告をした公開済みの会議(開催順)"
    )


class IncidentSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    is_drill = serializers.BooleanField()
    category = ChoiceValueSerializer()
    status = ChoiceValueSerializer()
    started_at = serializers.DateTimeField()
    started_on_wareki = serializers.CharField()
    html_url = serializers.CharField()
    url = serializers.CharField()


class IncidentDetailSerializer(IncidentSummarySerializer):
    affected_organisation = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(allow_blank=True, help_text="公開用概要")
    meetings = MeetingRefSerializer(many=True, help_text="協議した会議(開催順)")
    current_alerts = CurrentAlertSerializer(many=True)
    alert_history = AlertChangeSerializer(many=True, help_text="警戒段階の推移")
    directives = DirectiveSerializer(many=True, help_text="会議での指示(公開版)")


IncidentPageSerializer = meeting_serializers.paginated(
    "IncidentPage", IncidentSummarySerializer
)

# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


def _choice(value: str, label: str) -> dict[str, str]:
    return {"code": value, "label": label}


def _summary(incident: Incident, base: str) -> dict[str, Any]:
    return {
        "id": str(incident.public_id),
        "title": incident.title,
        "is_drill": incident.is_drill,
        "category": _choice(incident.category, incident.get_category_display()),
        "status": _choice(incident.status, incident.get_status_display()),
        "started_at": timezone.localtime(incident.started_at).isoformat(
            timespec="seconds"
        ),
        "started_on_wareki": wareki.format_wareki(
            timezone.localdate(incident.started_at)
        ),
        "html_url": base + incident.get_absolute_url(),
        "url": base + reverse("api:incident", args=[incident.public_id]),
    }


def _meeting_ref(meeting: Meeting, base: str) -> dict[str, Any]:
    publication = meeting.live_publication
    return {
        "id": str(meeting.public_id),
        "title": publication.title,
        "is_drill": bool(publication.data.get("is_drill")),
        "held_on": publication.held_on.isoformat(),
        "held_on_wareki": wareki.format_wareki(publication.held_on, weekday=True),
        "html_url": base + reverse("public:meeting", args=[meeting.public_id]),
        "url": base + reverse("api:meeting", args=[meeting.public_id]),
    }


def _level(level: AlertLevel | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {"rank": level.rank, "name": level.name, "label": level.label}


def _published_meetings(pks: QuerySet[Any] | Iterable[int]) -> MeetingQuerySet:
    """Published meetings among `pks`, with what _meeting_ref and the directives read."""
    return (
        Meeting.objects.published()
        .filter(pk__in=pks)
        .select_related("current_publication")
        .only(
            "public_id",
            "current_publication__title",
            "current_publication__held_on",
            "current_publication__data",
        )
    )


def incident_record(incident: Incident, base: str) -> dict[str, Any]:
    meetings = list(
        _published_meetings(incident.links.values("meeting")).order_by(
            "current_publication__held_on", "start_time", "id"
        )
    )
    changes = list(
        AlertChange.objects.filter(incident=incident)
        .announced_publicly()
        .with_related()
        .order_by("effective_at", "id")
    )
    announced_by = {
        m.pk: m for m in _published_meetings({c.meeting_id for c in changes})
    }
    before = timeline.previous_levels(changes)
    directives = [
        {
            "meeting": _meeting_ref(d["meeting"], base),
            "section_index": d["section_index"],
            "issuer": d["section"].get("speaker"),
            "recipients": d["section"].get("recipients"),
            "heading_text": d["heading_text"],
            "items": records._items(d["section"].get("items") or []),
            "public_status": {"value": d["status"][0], "label": d["status"][1]},
            "reported_in": [_meeting_ref(m, base) for m in d["reported_in"]],
        }
        for d in public_directives.directives(meetings)
    ]
    return {
        **_summary(incident, base),
        "affected_organisation": incident.affected_organisation,
        "summary": incident.public_summary,
        "meetings": [_meeting_ref(m, base) for m in meetings],
        "current_alerts": [
            {
                "scheme": alert.scheme.name,
                "level": _level(alert.level),
                "since": timezone.localtime(alert.change.effective_at).isoformat(
                    timespec="seconds"
                ),
                "upcoming_level": _level(alert.upcoming.level)
                if alert.upcoming
                else None,
                "upcoming_at": timezone.localtime(
                    alert.upcoming.effective_at
                ).isoformat(timespec="seconds")
                if alert.upcoming
                else None,
            }
            for alert in timeline.current_alerts(changes, at=timezone.now())
        ],
        "alert_history": [
            {
                "scheme": change.scheme.name,
                "level": _level(change.level),
                "previous_level": _level(before.get(change.pk)),
                "effective_at": timezone.localtime(change.effective_at).isoformat(
                    timespec="seconds"
                ),
                "effective_at_text": timeline.format_moment(change.effective_at),
                "meeting": _meeting_ref(announced_by[change.meeting_id], base)
                if change.meeting_id in announced_by
                else None,
            }
            for change in changes
        ],
        "directives": directives,
    }


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------


@extend_schema(
    operation_id="incidents_list",
    summary="事案の一覧(発生の新しい順)",
    parameters=[meeting_serializers.PageQuerySerializer],
    responses={200: IncidentPageSerializer, **NOT_MODIFIED, **ERRORS},
)
@conditional
@api_view(["GET"])
def incident_list(request: Request) -> Response:
    params = validated_query(request, meeting_serializers.PageQuerySerializer)
    size = params.get("page_size") or PAGE_SIZE
    paginator = Paginator(
        Incident.objects.public().order_by("-started_at", "-id"), size
    )
    number = params.get("page") or 1
    if number > paginator.num_pages:
        raise exceptions.NotFound
    page = paginator.page(number)
    base = base_url(request)

    def link(n: int) -> str:
        query = request.GET.copy()
        query["page"] = str(n)
        return request.build_absolute_uri(request.path + "?" + query.urlencode())

    data = {
        "count": paginator.count,
        "next": link(number + 1) if page.has_next() else None,
        "previous": link(number - 1) if page.has_previous() else None,
        "results": [_summary(incident, base) for incident in page.object_list],
    }
    return Response(data)


@extend_schema(
    operation_id="incidents_retrieve",
    summary="事案(警戒段階の推移、会議、指示)",
    parameters=[
        OpenApiParameter(
            "id",
            OpenApiTypes.UUID,
            OpenApiParameter.PATH,
            description="事案の公開ID",
            examples=[
                OpenApiExample("サイバー攻撃事案(デモ)", value=str(RANSOMWARE_ID))
            ],
        )
    ],
    responses={200: IncidentDetailSerializer, **NOT_MODIFIED, **ERRORS},
)
@conditional
@api_view(["GET"])
def incident_detail(request: Request, id: uuid.UUID) -> Response:
    incident = Incident.objects.public().filter(public_id=id).first()
    if incident is None:
        raise exceptions.NotFound
    record = incident_record(incident, base_url(request))
    return Response(record)


urlpatterns = [
    path("incidents/", incident_list, name="incidents"),
    path("incidents/<uuid:id>/", incident_detail, name="incident"),
]
