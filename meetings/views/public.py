"""Public pages. Only published meetings exist here: everything else is a 404."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from meetings.models import Attachment, Meeting


def _get_published_meeting(public_id) -> Meeting:
    return get_object_or_404(
        Meeting.objects.published().select_related("current_publication"),
        public_id=public_id,
    )


def archive(request: HttpRequest) -> HttpResponse:
    meetings = Meeting.objects.published().select_related("current_publication")
    page_obj = Paginator(
        meetings.order_by("-held_on", "-start_time", "-id"), 20
    ).get_page(request.GET.get("page"))
    return render(request, "meetings/public/archive.html", {"page_obj": page_obj})


def meeting_detail(request: HttpRequest, public_id) -> HttpResponse:
    meeting = _get_published_meeting(public_id)
    publication = meeting.current_publication
    return render(
        request,
        "meetings/public/meeting_detail.html",
        {
            "meeting": meeting,
            "publication": publication,
            # Rendered once at publication from the escaped template.
            "body_html": mark_safe(publication.html),  # noqa: S308
        },
    )


def attachment_download(
    request: HttpRequest, public_id, attachment_id: int
) -> FileResponse:
    meeting = _get_published_meeting(public_id)
    attachment = get_object_or_404(Attachment, pk=attachment_id, meeting=meeting)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=False,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    return render(
        request, "meetings/public/search.html", {"search_query": query, "results": []}
    )
