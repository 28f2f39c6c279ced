"""The public meeting page: the official layout, served from the stored publication."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from incidents.models import Incident, IncidentLink
from meetings import services
from meetings.models import Meeting
from meetings.wareki import expand_short_dates
from tests.factories import big_meeting_data, make_meeting
from tests.meetings.public_builders import _fresh_public_cache

# The seed tests read the demo: loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]
__all__ = ["_fresh_public_cache"]

ROLES = [None, "editor", "approver", "admin_user", "outsider"]


def _url(meeting: Meeting) -> str:
    return reverse("public:meeting", kwargs={"public_id": meeting.public_id})


def _as(request, client: Client, who: str | None) -> Client:
    if who:
        client.force_login(request.getfixturevalue(who))
    return client


def test_seed_page_shows_the_official_layout_in_semantic_html(client, seed_meeting):
    response = client.get(_url(seed_meeting))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert (
        '<h1 class="kk-title">危機管理連絡会議の開催結果について(令和4年6月20日)</h1>'
        in html
    )
    assert '<a class="visually-hidden-focusable skip-link" href="#main">' in html
    assert 'id="main"' in html
    assert '掲載日:<time datetime="2022-06-20">令和4年6月20日(月)</time>' in html
    assert '<time datetime="2022-06-20">令和4年6月20日(月)17:30～17:45</time>' in html
    assert (
        "以下のとおり,危機管理連絡会議を開催いたしましたので,お知らせいたします。"
        in html
    )
    for number, label in enumerate(["日時", "場所", "出席者", "協議概要"], start=1):
        assert re.search(
            rf'<li class="kk-field" value="{number}"><span class="kk-label">{label}:',
            html,
        )
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    assert headings[:6] == [
        "■医療政策課から説明",
        "■警察本部から説明",
        "■病院局総務課から説明",
        "■スマート県庁推進課から説明",
        "■危機管理環境部副部長から,次のとおり各部局に指示",
        "(その他報告事項)",
    ]
    assert "■畜産振興課から説明" in headings
    assert "お問い合わせ" in headings
    assert (
        '<ul class="kk-items"><li class="kk-item"><span class="kk-marker">・</span>'
        in html
    )
    assert "電話:088-621-2280" in html


def test_attachment_links_give_type_and_size(client, seed_meeting):
    html = client.get(_url(seed_meeting)).content.decode()
    links = re.findall(r'<a href="(/meetings/[^"]+/files/\d+/)">([^<]+)</a>', html)
    assert len(links) == 2
    for attachment in seed_meeting.attachments.all():
        href = reverse(
            "public:attachment",
            kwargs={
                "public_id": seed_meeting.public_id,
                "attachment_id": attachment.pk,
            },
        )
        assert (
            href,
            f"{expand_short_dates(attachment.label)}(PDF形式:{attachment.size_display})",
        ) in links


def test_seed_page_links_its_public_incidents(client, seed_meeting):
    html = client.get(_url(seed_meeting)).content.decode()
    assert "関係する事案" in html
    for incident in Incident.objects.filter(links__meeting=seed_meeting).distinct():
        assert f'href="{incident.get_absolute_url()}"' in html


def test_page_hides_incidents_that_are_not_public(client):
    meeting = make_meeting(status="published")
    hidden = Incident.objects.create(
        title="非公開の事案",
        category=Incident.Category.OTHER,
        started_at="2024-05-01T09:00:00+09:00",
        is_public=False,
    )
    IncidentLink.objects.create(incident=hidden, meeting=meeting)
    html = client.get(_url(meeting)).content.decode()
    assert "非公開の事案" not in html
    assert "関係する事案" not in html


def test_page_is_the_stored_publication_not_the_live_rows(client, editor):
    meeting = make_meeting(status="published")
    meeting.sections.first().items.update(text="公開後に編集中の文章")
    Meeting.objects.filter(pk=meeting.pk).update(title_override="編集中の題名")
    html = client.get(_url(meeting)).content.decode()
    assert "テストの説明。" in html
    assert "編集中" not in html


def test_corrected_page_shows_its_correction_history(client, approver, editor):
    meeting = make_meeting(status="published", user=editor)
    html = client.get(_url(meeting)).content.decode()
    assert "訂正履歴" not in html
    meeting.sections.first().items.update(text="訂正後の説明。")
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    services.meeting_publish(
        meeting=meeting,
        user=approver,
        correction_note="説明の誤字を訂正しました。",
        check_permission=False,
    )
    html = client.get(_url(meeting)).content.decode()
    assert "訂正後の説明。" in html
    assert "訂正履歴" in html
    assert "訂正:説明の誤字を訂正しました。" in html
    assert re.search(
        r'<time datetime="\d{4}-\d{2}-\d{2}">令和\d+年\d+月\d+日</time>', html
    )


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("status", ["draft", "review", "withdrawn"])
def test_unpublished_meeting_page_is_404_for_everyone(request, client, who, status):
    meeting = make_meeting(status="published" if status == "withdrawn" else status)
    if status == "withdrawn":
        services.meeting_withdraw(
            meeting=meeting, user=request.getfixturevalue("approver")
        )
    response = _as(request, client, who).get(_url(meeting))
    # A withdrawn page says it was withdrawn (410), still without its content.
    expected = HTTPStatus.GONE if status == "withdrawn" else HTTPStatus.NOT_FOUND
    assert response.status_code == expected
    assert "「テスト事案」について" not in response.content.decode()


@pytest.mark.parametrize("who", ROLES)
def test_published_meeting_page_is_the_same_for_everyone(request, client, who):
    meeting = make_meeting(status="published")
    response = _as(request, client, who).get(_url(meeting))
    assert response.status_code == HTTPStatus.OK
    assert "「テスト事案」について" in response.content.decode()


def test_unknown_and_malformed_meeting_urls_are_404(client):
    assert (
        client.get("/meetings/00000000-0000-4000-8000-000000000000/").status_code == 404
    )
    assert client.get("/meetings/not-a-uuid/").status_code == 404


def test_meeting_page_query_count_does_not_grow_with_thirty_sections_of_ten_items(
    client, django_assert_num_queries
):
    small = make_meeting(status="published")
    big = services.meeting_create_from_data(
        data=big_meeting_data(sections=30, items=10), status="published"
    )
    assert big.sections.count() == 30
    # The meeting with its publication, and its public incidents.
    with django_assert_num_queries(2):
        client.get(_url(small))
    with django_assert_num_queries(2):
        response = client.get(_url(big))
    html = response.content.decode()
    assert html.count('<li class="kk-item">') == 300
    assert "項目29-9" in html


def test_linked_incidents_follow_links_and_publicity(client):
    meeting = make_meeting(status="published")
    assert "関係する事案" not in client.get(_url(meeting)).content.decode()
    incident = Incident.objects.create(
        title="新しく結び付けた事案",
        category=Incident.Category.OTHER,
        started_at="2024-05-01T09:00:00+09:00",
    )
    link = IncidentLink.objects.create(incident=incident, meeting=meeting)
    assert "新しく結び付けた事案" in client.get(_url(meeting)).content.decode()
    incident.is_public = False
    incident.save()
    assert "新しく結び付けた事案" not in client.get(_url(meeting)).content.decode()
    incident.is_public = True
    incident.save()
    link.delete()
    assert "新しく結び付けた事案" not in client.get(_url(meeting)).content.decode()
