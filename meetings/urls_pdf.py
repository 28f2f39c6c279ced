"""Staff PDF URLs, mounted at /staff/pdf/ (namespace "pdf")."""

from django.urls import path

from meetings.views import pdf

app_name = "pdf"

urlpatterns = [
    path("meetings/<int:pk>/draft.pdf", pdf.draft_pdf, name="draft"),
    path("exports/", pdf.export_start, name="export_start"),
    path("exports/<uuid:token>/", pdf.export_status, name="export_status"),
    path(
        "exports/<uuid:token>/progress.json",
        pdf.export_progress,
        name="export_progress",
    ),
    path("exports/<uuid:token>/download/", pdf.export_download, name="export_download"),
]
