"""Demo data of contribution requests (settings.DEMO_LOADERS, after load_demo).

The department editors of ``meetings.demo.DEMO_DEPARTMENTS`` have their department
(``incidents.demo.load_memberships``); the draft meeting of 2025 asks the seed's four departments for a section: one
has submitted, the others are still writing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from meetings import demo_data
from meetings.contributions import services
from meetings.demo import DEMO_DEPARTMENTS
from meetings.models import Meeting, Organisation

DEMO_MEETING_ID = uuid.UUID(str(demo_data.DRAFT_2025["public_id"]))
SUBMITTED = {
    "スマート県庁推進課": [
        "大型連休中も、県庁のネットワークは監視体制を維持する。",
        "不審なメールを開かないよう、連休前に全職員へ注意喚起を行う。",
    ]
}


def load_requests() -> None:
    meeting = Meeting.objects.filter(public_id=DEMO_MEETING_ID).first()
    if meeting is None or meeting.contribution_requests.exists():
        return
    User = get_user_model()
    coordinator = User.objects.get(username="editor")
    departments = [
        Organisation.objects.filter(name=name).order_by("pk").first()
        for name in DEMO_DEPARTMENTS.values()
    ]
    requests = services.contribution_request_create(
        meeting=meeting,
        user=coordinator,
        organisations=[d for d in departments if d is not None],
        due_at=timezone.now() + timedelta(days=1),
        kind="explanation",
        topic="",
        note="大型連休中の体制について、各部署の説明内容をお願いします。",
    )
    for request in requests:
        bullets = SUBMITTED.get(request.organisation.name)
        writer = request.organisation.members.select_related("user").first()
        if not bullets or writer is None:
            continue
        services.contribution_submit(
            request=request,
            user=writer.user,
            sections=[
                {
                    "kind": "explanation",
                    "speaker": request.organisation.name,
                    "group": "main",
                    "items": [
                        {"marker": "・", "text": text, "children": []}
                        for text in bullets
                    ],
                }
            ],
        )


def load() -> None:
    # The department editors' departments come first (incidents.demo.load, which
    # owns DepartmentMembership, runs before this loader: settings.DEMO_LOADERS).
    load_requests()
