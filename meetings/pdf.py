"""The official 開催結果 PDF (first cut; the PDF issue refines it)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from meetings import layout


def render_meeting_pdf(data: dict[str, Any], *, draft: bool = False) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "meetings/pdf/result.html",
        {"doc": layout.build_document(data), "data": data, "draft": draft},
    )
    return HTML(string=html).write_pdf()
