"""An incident's timeline as CSV (for Excel) and as PDF (for the file and the press).

Both come from ``timeline.timeline_rows``, so they list the same rows in the same
order as the staff page. The PDF names its Japanese fonts explicitly (BIZ UD, then
IPAex) and fetches nothing from outside.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header

from incidents import timeline
from incidents.models import Incident
from meetings import csv_safe
from meetings import pdf as meeting_pdf

CSV_BOM = "\ufeff"  # Excel reads a UTF-8 CSV as Shift_JIS without it
STYLESHEET = (
    Path(__file__).resolve().parent.parent
    / "static"
    / "css"
    / "incidents-timeline-pdf.css"
)
PDF_TEMPLATE = "incidents/staff/timeline_pdf.html"


def _content_disposition(incident: Incident, extension: str) -> str:
    """attachment; an ASCII filename for old clients, the Japanese one as filename*."""
    today = timezone.localdate()
    drill = "訓練_" if incident.is_drill else ""
    japanese = content_disposition_header(
        as_attachment=True,
        filename=f"{drill}事案経過_{incident.pk}_{today:%Y%m%d}.{extension}",
    )
    ascii_name = (
        f"{'drill-' if incident.is_drill else ''}incident-{incident.pk}-timeline-"
        f"{today:%Y%m%d}.{extension}"
    )
    return (japanese or "").replace(
        "attachment; ", f'attachment; filename="{ascii_name}"; ', 1
    )


def timeline_csv(incident: Incident) -> str:
    rows = timeline.timeline_rows(timeline.build_timeline(incident))
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer, lineterminator="\r\n")
    writer.writerow(["事案", str(incident)])
    writer.writerow([label for _, label in timeline.ROW_FIELDS])
    for row in rows:
        writer.writerow([row[key] for key, _ in timeline.ROW_FIELDS])
    return CSV_BOM + buffer.getvalue()


def timeline_csv_response(incident: Incident) -> HttpResponse:
    return HttpResponse(
        timeline_csv(incident).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _content_disposition(incident, "csv")},
    )


def timeline_html(incident: Incident) -> str:
    entries = timeline.build_timeline(incident)
    changes = [e.alert for e in entries if e.kind == timeline.KIND_ALERT and e.alert]
    now = timezone.now()
    return render_to_string(
        PDF_TEMPLATE,
        {
            "incident": incident,
            "rows": [
                {
                    **row,
                    "heading": meeting_pdf.normalise_for_print(row["heading"]),
                    "detail": meeting_pdf.normalise_for_print(row["detail"]),
                    "who_lines": [
                        line
                        for line in (
                            row["recipient"],
                            f"期限 {row['due']}" if row["due"] else "",
                            row["status"],
                        )
                        if line
                    ],
                }
                for row in timeline.timeline_rows(entries)
            ],
            "alerts": timeline.current_alerts(changes, at=now),
            "generated": timeline.format_moment(now),
            "organisation": settings.SITE_ORGANISATION,
            "drill_label": timeline.DRILL_LABEL,
        },
    )


def timeline_pdf(incident: Incident) -> bytes:
    """PDF bytes; raises meetings.pdf.PdfRenderError with a message for staff.

    Printed like the official PDF (same checks, fonts and font configuration),
    with the timeline's own stylesheet.
    """
    return meeting_pdf.write_pdf(
        timeline_html(incident), what="年表PDF", stylesheet=STYLESHEET
    )


def timeline_pdf_response(incident: Incident) -> HttpResponse:
    return HttpResponse(
        timeline_pdf(incident),
        content_type="application/pdf",
        headers={"Content-Disposition": _content_disposition(incident, "pdf")},
    )
