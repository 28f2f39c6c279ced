"""Builders for the public-site tests: many published meetings, fast.

``publish_many`` writes meetings and their publications in bulk (a few INSERTs for
any number), with the same columns ``services.meeting_publish`` fills, so archive
and search tests can run over a thousand meetings in seconds.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from meetings import layout, search, services
from meetings.models import Meeting, MeetingType, Publication
from tests.factories import meeting_data


@pytest.fixture(autouse=True)
def _fresh_public_cache():
    """Cached public values are keyed by a state token made of counts and ids; test
    databases roll back and reuse ids, so a token can repeat between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def meeting_type(name: str = "危機管理連絡会議", slug: str = "renraku") -> MeetingType:
    found = MeetingType.objects.filter(name=name).first()
    return found or MeetingType.objects.create(name=name, slug=slug, tier=1)


def publish_many(
    count: int,
    *,
    first_day: date = date(2020, 4, 1),
    kind: MeetingType | None = None,
    agenda: str = "「事案{n}」について",
    extra_text: str = "",
    **overrides: Any,
) -> list[Meeting]:
    """``count`` published meetings, one a day from ``first_day``."""
    kind = kind or meeting_type()
    now = timezone.now()
    meetings = Meeting.objects.bulk_create(
        Meeting(
            meeting_type=kind,
            held_on=first_day + timedelta(days=n),
            status=Meeting.Status.PUBLISHED,
            published_on=first_day + timedelta(days=n),
        )
        for n in range(count)
    )
    publications = []
    for n, meeting in enumerate(meetings):
        data = meeting_data(
            meeting_type=kind.name,
            held_on=meeting.held_on.isoformat(),
            agenda=[agenda.format(n=n)],
            **overrides,
        )
        data["public_id"] = str(meeting.public_id)
        data["title"] = meeting.title
        if extra_text:
            data["sections"][0]["items"][0]["text"] += extra_text.format(n=n)
        text = layout.render_text(data)
        publications.append(
            Publication(
                meeting=meeting,
                number=1,
                published_at=now,
                meeting_version=1,
                title=data["title"],
                held_on=meeting.held_on,
                data=data,
                text=text,
                html=services.render_public_html(data),
            )
        )
    Publication.objects.bulk_create(publications)
    for meeting, publication in zip(meetings, publications, strict=True):
        meeting.current_publication = publication
    Meeting.objects.bulk_update(meetings, ["current_publication"])
    search.index_publications(publications)
    return meetings
