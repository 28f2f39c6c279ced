"""The withdrawn meetings' notices in the publication tree (a generator).

A withdrawn meeting's URL says that it was withdrawn, and when, with HTTP 410: Django
answers so (``meetings.views.public.meeting_detail``), and so must nginx, which serves
the tree without asking Django. For each meeting withdrawn after publication the tree
holds ``withdrawn/<public id>.html``: the body of that 410 page, rendered by the same
view. nginx (``deploy/nginx.conf``) answers ``/meetings/<public id>/`` with it and
status 410 when the file exists, and its files (``files/<id>/``: the official PDF and
the 会議資料; ``text.txt``; the reading version under ``/kana/``) alike, as Django's
views do; ``withdrawn/`` itself is internal there, and Django's tree middleware does
not serve it either.

The state kept beside the files (``withdrawn/.state.json``, in PUBLIC_SITE_KEEP) maps
each id to its withdrawal time, so that a withdrawal rewrites only its own notice and
a meeting published again has its notice removed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

from django.db.models import Q

from meetings.site import render

STATE = ".state.json"


def withdrawn_meetings() -> dict[str, str]:
    """public id → ISO time of the last withdrawal, for every meeting withdrawn after
    it was published (a draft never published stays a plain 404)."""
    from django.db.models import Max

    from meetings.models import Meeting, MeetingEvent

    rows = (
        Meeting.objects.filter(
            status=Meeting.Status.WITHDRAWN, current_publication__isnull=False
        )
        .annotate(
            withdrawn_at=Max(
                "events__created_at",
                filter=Q(events__action=MeetingEvent.Action.WITHDRAW),
            )
        )
        .values_list("public_id", "withdrawn_at")
    )
    return {
        str(public_id): when.isoformat() if when else "" for public_id, when in rows
    }


def notice(public_id: str) -> bytes | None:
    """The 410 page Django answers at the meeting's URL, as an anonymous reader
    gets it; None if the meeting is not (or no longer) withdrawn."""
    from django.urls import reverse

    from meetings.views.public import meeting_detail

    url = reverse("public:meeting", args=[public_id])
    response = meeting_detail(render.request_for(url), uuid.UUID(public_id))
    if response.status_code != 410:
        return None
    return response.content


def _path(public_id: str) -> str:
    return f"{public_id}.html"


class WithdrawnPages:
    prefix = "withdrawn/"
    state_path = STATE

    def state(self) -> bytes:
        return json.dumps(withdrawn_meetings(), sort_keys=True).encode()

    def full(self) -> Iterator[tuple[str, bytes]]:
        for public_id in sorted(withdrawn_meetings()):
            content = notice(public_id)
            if content is not None:
                yield _path(public_id), content

    def refresh(
        self, read: Callable[[str], bytes | None], state: bytes
    ) -> Iterator[tuple[str, bytes | None]]:
        now = json.loads(state)
        try:
            before = json.loads(read(STATE) or b"{}")
        except ValueError:
            before = {}
        for public_id in sorted(set(before) - set(now)):
            yield _path(public_id), None
        for public_id, when in sorted(now.items()):
            if before.get(public_id) != when or read(_path(public_id)) is None:
                content = notice(public_id)
                yield _path(public_id), content

    def expected(self) -> set[str]:
        return {_path(public_id) for public_id in withdrawn_meetings()}


tree_files = WithdrawnPages()
