"""Public incident pages: an incident and its published meetings, in order."""

from __future__ import annotations

import uuid

from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.db.models.fields.json import KeyTransform
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from incidents import public_directives
from incidents.models import Incident
from meetings import wareki
from meetings.models import Meeting
from meetings.views.public import elide, path_page_url, query_page_url

PAGE_SIZE = 50


def _get_public_incident(public_id: uuid.UUID) -> Incident:
    """Public and linked to a published meeting, or 404 (never 403)."""
    return get_object_or_404(Incident.objects.public(), public_id=public_id)


def _published_meetings_of(incident: Incident) -> QuerySet[Meeting]:
    return (
        Meeting.objects.published()
        .filter(pk__in=incident.links.values("meeting"))
        .select_related("current_publication")
        .only(
            "public_id",
            "current_publication__title",
            "current_publication__held_on",
        )
        # As published: drill meetings are labelled 【訓練】 (from the snapshot).
        .annotate(drill=KeyTransform("is_drill", "current_publication__data"))
        .order_by("current_publication__held_on", "start_time", "id")
    )


def incident_public(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    incident = _get_public_incident(public_id)
    meetings = list(_published_meetings_of(incident))
    for meeting in meetings:
        meeting.held_on_wareki = wareki.format_wareki(  # type: ignore[attr-defined]  # shown by the template
            meeting.live_publication.held_on, weekday=True
        )
    # The directives as published, with their public status (the API's too).
    directives = public_directives.directives(
        list(
            Meeting.objects.filter(pk__in=[m.pk for m in meetings])
            .select_related("current_publication")
            .order_by("current_publication__held_on", "start_time", "id")
        )
    )
    return render(
        request,
        "incidents/public/incident.html",
        {
            "incident": incident,
            "meetings": meetings,
            "directives": directives,
        },
    )


def incident_list(request: HttpRequest, page: int | None = None) -> HttpResponse:
    """Public incidents, newest first: ``/incidents/``, ``/incidents/page/<n>/``
    (files in the publication tree); ``?page=n`` still works (a dynamic page)."""
    paginator = Paginator(
        Incident.objects.public().order_by("-started_at", "-id"), PAGE_SIZE
    )
    first = reverse("incidents_public:list")
    if page is None:
        if request.GET:
            incidents = elide(
                paginator.get_page(request.GET.get("page")), query_page_url(request)
            )
        else:
            incidents = elide(
                paginator.get_page(1), path_page_url(first, first + "page/%d/")
            )
    else:
        if page < 2:
            raise Http404  # page 1 is /incidents/ itself (one URL a page)
        try:
            incidents = elide(
                paginator.page(page), path_page_url(first, first + "page/%d/")
            )
        except InvalidPage:
            raise Http404 from None
    return render(
        request, "incidents/public/incident_list.html", {"page_obj": incidents}
    )
