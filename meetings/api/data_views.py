"""The data page (files, data dictionary, license) and the bulk files.

In production the publication tree holds these files (written by ``bulk``); these
views answer the same URLs from the database (development, and the tree builder).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from meetings import wareki
from meetings.api import bulk
from meetings.api.common import base_url, conditional
from meetings.views.public import content_disposition


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    years = bulk.fiscal_years()
    scopes = [("all", "全期間")] + [
        (str(year), wareki.format_fiscal_year(year)) for year in years
    ]
    return render(
        request,
        "meetings/api/data.html",
        {
            "scopes": scopes,
            "files": bulk.FILES,
        },
    )


@require_safe
@conditional
def bulk_file(
    request: HttpRequest, name: str, year: int | None = None, scope: str = ""
) -> HttpResponse:
    if year is not None:
        if year not in bulk.fiscal_years():
            raise Http404
        scope = str(year)
    content = bulk.build_file(scope, name, base=base_url(request))
    response = HttpResponse(content, content_type=bulk.content_type(name))
    label = "all" if scope == bulk.ALL else f"FY{scope}"
    response["Content-Disposition"] = content_disposition(
        f"kaigi-{label}-{name}", inline=False
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
