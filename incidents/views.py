from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def incident_public(request: HttpRequest, public_id) -> HttpResponse:
    raise Http404  # the public incident page is built by the incidents issue
