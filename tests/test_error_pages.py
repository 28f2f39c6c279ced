"""Error pages, the withdrawn meeting page and the history page in Japanese (issue 19)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import RequestFactory
from django.urls import reverse

from crisis_meetings import error_views
from meetings import services
from meetings.models import MeetingEvent
from tests.factories import make_meeting
from tests.test_wording import problems, visible


def test_server_error_page_renders_without_the_database():
    """No django_db mark: any query would raise. The page is Japanese, in the site
    layout, with a way back."""
    response = error_views.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert '<html lang="ja">' in html
    assert "ただいま表示できません" in html
    assert 'href="/"' in html and "開催結果一覧" in html
    assert "|危機管理会議 開催結果|徳島県</title>" in html
    text, _ = visible(html)
    assert problems(text) == []


@pytest.mark.django_db
def test_not_found_page_is_japanese_in_the_site_layout(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "<title>ページが見つかりません|危機管理会議 開催結果|徳島県</title>" in html
    assert "開催結果一覧" in html and "検索ページ" in html
    assert "Not Found" not in html


@pytest.mark.django_db
def test_forbidden_page_gives_the_reason_raised_by_the_view(client, editor, settings):
    settings.DEBUG = False
    client.force_login(editor)
    response = client.get(reverse("pdf:export_start"))
    html = response.content.decode()
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "このページを表示する権限がありません" in html
    assert "403 Forbidden" not in html
    # The role decorator gives its reason, and the page shows it.
    assert "管理者だけが利用できます。" in html
    # A reason given with PermissionDenied("…") is shown on the page.
    from django.core.exceptions import PermissionDenied

    request = RequestFactory().get("/staff/pdf/exports/")
    request.user = editor
    page = error_views.permission_denied(
        request, PermissionDenied("管理者だけが利用できます。")
    ).content.decode()
    assert "管理者だけが利用できます。" in page


@pytest.mark.django_db
def test_withdrawn_meeting_says_it_was_withdrawn_and_when(client, approver):
    meeting = make_meeting(status="published")
    services.meeting_withdraw(meeting=meeting, user=approver, comment="誤りのため")
    event = meeting.events.get(action=MeetingEvent.Action.WITHDRAW)
    event_day = event.created_at.astimezone().date()
    response = client.get(meeting.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == HTTPStatus.GONE
    assert "この開催結果は取り下げられました" in html
    from meetings.wareki import format_wareki

    assert format_wareki(event_day, weekday=True) + "に掲載を取り下げました" in html
    assert "「テスト事案」について" not in html
    assert "ページが見つかりません" not in html


@pytest.mark.django_db
def test_history_page_speaks_japanese(client, editor):
    editor.last_name, editor.first_name = "入力", "太郎"
    editor.save()
    meeting = make_meeting(status="draft", user=editor)
    MeetingEvent.objects.create(
        meeting=meeting,
        action=MeetingEvent.Action.SAVE,
        from_status="draft",
        to_status="draft",
        actor=editor,
        # As services._changes records a save.
        changes={
            "fields": [
                {"field": "contact", "old": {"fax": None}, "new": {"fax": "088-1"}},
                {"field": "held_on", "old": "2022-06-20", "new": "2022-06-21"},
                {"field": "is_drill", "old": False, "new": True},
            ],
            "lines": ["@@ -1 +1 @@", "-古い行", "+新しい行"],
            "version": 2,
        },
    )
    services.meeting_submit(meeting=meeting, user=editor)
    client.force_login(editor)
    html = client.get(reverse("staff:history", args=[meeting.pk])).content.decode()
    text, _ = visible(html)
    assert problems(text) == []
    for shown in [
        "下書きから承認待ちへ",
        "お問い合わせ先",
        "FAX:088-1",
        "令和4年6月21日(火)",
        "はい",
        "追加",
        "新しい行",
        "削除",
        "古い行",
        "更新番号2",
        "作成",
        "入力 太郎",
    ]:
        assert shown in text, shown
    for hidden in [
        "@@",
        "{'fax'",
        "None",
        "draft",
        "review",
        "Created",
        "simple-history",
    ]:
        assert hidden not in text, hidden


@pytest.mark.django_db
def test_the_public_trees_404_says_what_djangos_404_says(client, settings):
    """nginx serves /404.html from the public tree; Django its own 404: one text."""
    import re

    from meetings.static_search import NOT_FOUND_PAGE, service_pages

    settings.DEBUG = False

    def main(html: str) -> str:
        return re.search(r"<main[^>]*>(.*)</main>", html, re.S).group(1)

    tree = service_pages()[NOT_FOUND_PAGE]
    served = client.get("/no-such-page/").content.decode()
    assert "お問い合わせください" in main(tree)
    assert main(tree) == main(served)
