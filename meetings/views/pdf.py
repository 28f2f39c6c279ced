"""Staff PDF views: a meeting's draft PDF (「案」), and the admins' ZIP exports."""

from __future__ import annotations

import io
from http import HTTPStatus
from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from meetings import exports, layout, pdf, services
from meetings.access import admin_required, editor_required, meeting_for_staff
from meetings.contributions import services as contributions
from meetings.forms import FiscalYearExportForm
from meetings.models import Meeting, PdfExportJob
from meetings.views.public import content_disposition


def _job(token: UUID) -> PdfExportJob:
    return get_object_or_404(PdfExportJob, token=token)


def draft_filename(meeting: Meeting) -> str:
    return f"{services.official_pdf_label(meeting)}({pdf.DRAFT_MARK}).pdf"


@editor_required
@require_GET
def draft_pdf(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """The meeting as it stands now, 「案」 on every page; never stored."""
    meeting = meeting_for_staff(pk, user=request.user, with_parts=True)
    try:
        # A department's editor: other departments' sections not put in yet are hidden.
        data = contributions.as_department_reads(
            layout.meeting_data(meeting), meeting=meeting, user=request.user
        )
        content = pdf.render_meeting_pdf(data, draft=True)
    except pdf.PdfRenderError as error:
        return render(
            request,
            "meetings/pdf/error.html",
            {"meeting": meeting, "error": error},
            status=HTTPStatus.SERVICE_UNAVAILABLE,
        )
    response = FileResponse(io.BytesIO(content), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(
        draft_filename(meeting), inline=False
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@admin_required
@require_http_methods(["GET", "POST"])
def export_start(request: HttpRequest) -> HttpResponse:
    """Choose a fiscal year; the ZIP is built in the background."""
    form = FiscalYearExportForm(
        request.POST or None, years=exports.fiscal_years_with_meetings()
    )
    if request.method == "POST" and form.is_valid():
        job = exports.pdf_export_job_create(
            user=request.user,
            fiscal_year=form.cleaned_data["fiscal_year"],
            include_unpublished=form.cleaned_data["include_unpublished"],
        )
        return redirect(job.get_absolute_url())
    jobs = PdfExportJob.objects.select_related("requested_by")[:20]
    return render(
        request, "meetings/pdf/export_start.html", {"form": form, "jobs": jobs}
    )


@admin_required
@require_GET
def export_status(request: HttpRequest, token: UUID) -> HttpResponse:
    """Progress page; static/pdf/export_progress.js polls export_progress.

    Without JavaScript the page offers a link that reloads it.
    """
    job = _job(token)
    return render(
        request,
        "meetings/pdf/export_status.html",
        {"job": job, "progress": exports.job_progress(job)},
    )


@admin_required
@require_GET
def export_progress(request: HttpRequest, token: UUID) -> JsonResponse:
    job = _job(token)
    data = exports.job_progress(job)
    data["download_url"] = (
        reverse("pdf:export_download", args=[job.token])
        if job.status == PdfExportJob.Status.DONE
        else None
    )
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@admin_required
@require_GET
def export_download(request: HttpRequest, token: UUID) -> FileResponse:
    job = _job(token)
    if job.status != PdfExportJob.Status.DONE or not job.file:
        raise Http404("まだ出力できていません。")
    response = FileResponse(job.file.open("rb"), content_type="application/zip")
    response["Content-Disposition"] = content_disposition(job.filename, inline=False)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
