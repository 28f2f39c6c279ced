"""Staff views: dashboard, editor, preview and workflow actions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from meetings import permissions
from meetings.models import Meeting


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not permissions.is_editor(request.user):
        raise PermissionDenied
    meetings = Meeting.objects.select_related("meeting_type").order_by("-held_on")[:50]
    return render(request, "meetings/staff/dashboard.html", {"meetings": meetings})
