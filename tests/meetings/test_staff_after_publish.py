"""Issue 14: after publishing, the approver's preview is no longer marked 案 and links
to the public page; the history speaks Japanese."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Meeting
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def test_preview_after_publishing_links_to_the_public_page(client, editor, approver):
    meeting = make_meeting(user=editor)
    services.meeting_submit(meeting=meeting, user=editor)
    client.force_login(approver)
    before = client.get(reverse("staff:preview", args=[meeting.pk])).content.decode()
    assert ">案</p>" in before

    response = client.post(
        reverse("staff:publish", args=[meeting.pk]),
        {"version": Meeting.objects.get(pk=meeting.pk).version},
        follow=True,
    )

    page = response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED
    assert ">案</p>" not in page and "【案】" not in page
    public_url = meeting.get_absolute_url()
    assert f'href="{public_url}"' in page
    assert "公開ページを表示" in page
    assert client.get(public_url).status_code == 200


def test_history_has_no_english_or_raw_states(client, editor, approver):
    meeting = make_meeting(user=editor)
    services.meeting_submit(meeting=meeting, user=editor)
    meeting.refresh_from_db()
    services.meeting_publish_reviewed(
        meeting=meeting, user=approver, version=meeting.version, correction_note=""
    )
    client.force_login(editor)

    html = client.get(reverse("staff:history", args=[meeting.pk])).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    page = re.sub(r"<[^>]+>", " ", main)  # the text a person reads

    for english in ("Changed", "Created", "Deleted", "draft", "review", "→ published"):
        assert english not in page, english
    assert "承認依頼" in page and "公開" in page
