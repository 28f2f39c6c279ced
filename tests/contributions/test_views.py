"""The staff pages of contribution requests, and who reaches which."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import wareki
from meetings.contributions import services as contributions
from meetings.contributions.models import ContributionRequest
from meetings.models import Meeting
from tests.contributions.conftest import DEPARTMENTS, seed_section

pytestmark = pytest.mark.django_db


def _request(asked, name: str) -> ContributionRequest:
    return next(r for r in asked if r.organisation.name == name)


def _section_post(key: str, section: dict, *, action: str = "save") -> dict:
    """The writing page's form as the browser posts it (one section)."""
    data: dict = {
        "action": action,
        "sections": [key],
        f"s-{key}-kind": section["kind"],
        f"s-{key}-speaker": section["speaker"],
        f"s-{key}-group": section.get("group") or "main",
        f"s-{key}-items": [],
    }
    for n, item in enumerate(section["items"]):
        item_key = f"{key}i{n}"
        data[f"s-{key}-items"].append(item_key)
        data[f"i-{item_key}-marker"] = item["marker"]
        data[f"i-{item_key}-text"] = item["text"]
        data[f"i-{item_key}-depth"] = "0"
    return data


def test_a_department_sees_only_its_own_requests(client, asked, writers):
    client.force_login(writers["警察本部"])
    page = client.get(reverse("contributions:mine")).content.decode()
    assert "警察本部" in page
    own = _request(asked, "警察本部")
    assert reverse("contributions:write", args=[own.pk]) in page
    for name in DEPARTMENTS:
        other = _request(asked, name)
        url = reverse("contributions:write", args=[other.pk])
        if name == "警察本部":
            assert client.get(url).status_code == 200
            continue
        assert url not in page
        # Another department's request: not found, for reading and for writing.
        assert client.get(url).status_code == 404
        assert (
            client.post(url, _section_post("k1", seed_section(name))).status_code == 404
        )
    dashboard = client.get(reverse("staff:dashboard")).content.decode()
    assert "警察本部への原稿依頼" in dashboard
    assert reverse("contributions:write", args=[own.pk]) in dashboard
    assert "医療政策課への原稿依頼" not in dashboard


def test_departments_cannot_reach_the_coordinators_pages(
    client, asked, meeting, writers
):
    client.force_login(writers["警察本部"])
    police = _request(asked, "警察本部")
    overview = reverse("contributions:overview", args=[meeting.pk])
    assert client.get(overview).status_code == 403
    assert client.post(overview, {}).status_code == 403
    contributions.contribution_submit(
        request=police, user=writers["警察本部"], sections=[seed_section("警察本部")]
    )
    accept = reverse("contributions:accept", args=[police.pk])
    assert (
        client.post(accept, {"version": meeting.version, "position": 0}).status_code
        == 403
    )
    send_back = reverse("contributions:return", args=[police.pk])
    assert client.post(send_back, {"comment": "x"}).status_code == 403
    police.refresh_from_db()
    assert police.status == "submitted"


def test_anonymous_users_go_to_the_login_page(client, asked, meeting):
    for url in (
        reverse("contributions:mine"),
        reverse("contributions:write", args=[asked[0].pk]),
        reverse("contributions:overview", args=[meeting.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_the_department_writes_saves_and_submits(client, asked, writers):
    police = _request(asked, "警察本部")
    client.force_login(writers["警察本部"])
    url = reverse("contributions:write", args=[police.pk])
    page = client.get(url).content.decode()
    # The editor's own rows and script, prefilled with the template's speaker.
    assert 'id="meeting-editor"' in page
    assert "js/editor.js" in page
    assert re.search(r'name="s-[a-z0-9]+-speaker"[^>]*value="警察本部"', page)
    assert "<script>" not in page and 'style="' not in page

    section = seed_section("警察本部")
    response = client.post(url, _section_post("k1", section))
    assert response.status_code == 302
    police.refresh_from_db()
    assert police.status == "requested"
    assert [i["text"] for i in police.draft[0]["items"]] == [
        i["text"] for i in section["items"]
    ]
    assert not police.versions.exists()
    # The saved draft comes back in the rows.
    assert section["items"][1]["text"] in client.get(url).content.decode()

    response = client.post(url, _section_post("k1", section, action="submit"))
    assert response.status_code == 302
    police.refresh_from_db()
    assert police.status == "submitted"
    assert police.versions.get().sections[0]["items"] == section["items"]
    # Submitted: read-only until returned.
    page = client.get(url).content.decode()
    assert 'id="meeting-editor"' not in page
    assert "第1回提出" in page


def test_pasted_lines_and_no_javascript_operations_work_as_in_the_editor(
    client, asked, writers
):
    police = _request(asked, "警察本部")
    client.force_login(writers["警察本部"])
    url = reverse("contributions:write", args=[police.pk])
    post = _section_post(
        "k1",
        {
            "kind": "explanation",
            "speaker": "警察本部",
            "items": [{"marker": "・", "text": "一つ目\n○見出し\n  ・入れ子の項目"}],
        },
    )
    # Adding an item without JavaScript shows the page again with everything typed.
    again = client.post(url, {**post, "op": "add:i:k1"})
    assert again.status_code == 200
    assert "一つ目" in again.content.decode()
    # The three pasted lines became items, one was added; + the two templates' rows.
    assert again.content.decode().count('data-row="i"') == 3 + 1 + 2
    assert client.post(url, post).status_code == 302
    police.refresh_from_db()
    items = police.draft[0]["items"]
    assert [(i["marker"], i["text"]) for i in items] == [
        ("・", "一つ目"),
        ("○", "見出し"),
    ]
    assert items[1]["children"][0]["text"] == "入れ子の項目"


def test_a_section_without_a_speaker_is_shown_again_with_the_message(
    client, asked, writers
):
    police = _request(asked, "警察本部")
    client.force_login(writers["警察本部"])
    url = reverse("contributions:write", args=[police.pk])
    section = {**seed_section("警察本部"), "speaker": ""}
    response = client.post(url, _section_post("k1", section, action="submit"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "発言者(または見出し)を入力してください。" in page
    assert section["items"][2]["text"] in page
    police.refresh_from_db()
    assert police.status == "requested"


def test_the_coordinator_asks_sees_returns_and_accepts(
    client, meeting, coordinator, writers, departments
):
    client.force_login(coordinator)
    url = reverse("contributions:overview", args=[meeting.pk])
    page = client.get(url).content.decode()
    for name in DEPARTMENTS:
        assert name in page  # offered: they have editors
    form = {
        "organisations": [departments[n].pk for n in DEPARTMENTS],
        "due_date": "R4.6.21",
        "due_time": "1500",
        "kind": "explanation",
        "topic": "",
        "note": "ランサムウェア事案について",
    }
    # A due time already past is a typing mistake: shown again with the message.
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "提出期限が過ぎた日時になっています。" in refused.content.decode()
    assert not ContributionRequest.objects.exists()

    tomorrow = timezone.localdate() + timedelta(days=1)
    form["due_date"] = wareki.format_wareki(tomorrow)  # typed in 和暦
    response = client.post(url, form)
    assert response.status_code == 302
    asked = [
        ContributionRequest.objects.get(organisation__name=name) for name in DEPARTMENTS
    ]
    due = timezone.localtime(asked[0].due_at)
    assert (due.date(), due.strftime("%H:%M")) == (tomorrow, "15:00")
    # Three of them are late (the fourth submits in time, below).
    ContributionRequest.objects.exclude(pk=asked[1].pk).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )

    contributions.contribution_submit(
        request=asked[1], user=writers["警察本部"], sections=[seed_section("警察本部")]
    )
    page = client.get(url).content.decode()
    assert "提出済み 1件・未提出 3件(うち提出期限超過 3件)" in page

    send_back = reverse("contributions:return", args=[asked[1].pk])
    assert client.post(send_back, {"comment": ""}).status_code == 400
    assert (
        client.post(send_back, {"comment": "表現を直してください。"}).status_code == 302
    )
    asked[1].refresh_from_db()
    assert asked[1].status == "returned"

    contributions.contribution_submit(
        request=asked[1], user=writers["警察本部"], sections=[seed_section("警察本部")]
    )
    accept = reverse("contributions:accept", args=[asked[1].pk])
    stale = meeting.version - 1
    response = client.post(accept, {"version": stale, "position": 0}, follow=True)
    assert "もう一度確かめてから" in response.content.decode()
    assert (
        client.post(accept, {"version": meeting.version, "position": 0}).status_code
        == 302
    )
    speakers = list(
        Meeting.objects.get(pk=meeting.pk)
        .sections.order_by("order")
        .values_list("speaker", flat=True)
    )
    assert speakers[0] == "警察本部"


def _overview_queries(client, django_assert_max_num_queries, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_overview_takes_as_many_queries_for_four_requests_as_for_one(
    client,
    meeting,
    coordinator,
    writers,
    departments,
    django_user_model,
    django_assert_max_num_queries,
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.contributions.conftest import department_user

    # A department left to ask, so that the request form shows in both counts.
    department_user(django_user_model, "livestock", departments["畜産振興課"])
    client.force_login(coordinator)
    url = reverse("contributions:overview", args=[meeting.pk])
    client.get(url)  # the session is written once after the login

    def ask(names: list[str]) -> None:
        requests = contributions.contribution_request_create(
            meeting=meeting,
            user=coordinator,
            organisations=[departments[n] for n in names],
            due_at=timezone.now() + timedelta(hours=1),
        )
        for request in requests:
            name = request.organisation.name
            contributions.contribution_submit(
                request=request, user=writers[name], sections=[seed_section(name)]
            )

    ask(DEPARTMENTS[:1])
    one = _overview_queries(client, django_assert_max_num_queries, url)
    ask(DEPARTMENTS[1:])
    four = _overview_queries(client, django_assert_max_num_queries, url)
    assert four == one
    client.force_login(writers["警察本部"])
    mine = reverse("contributions:mine")
    with django_assert_max_num_queries(12):
        assert client.get(mine).status_code == 200


def test_the_admin_shows_requests_read_only(client, admin_user, asked, writers):
    contributions.contribution_submit(
        request=asked[1], user=writers["警察本部"], sections=[seed_section("警察本部")]
    )
    client.force_login(admin_user)
    listing = client.get("/admin/contributions/contributionrequest/")
    assert listing.status_code == 200
    assert "警察本部" in listing.content.decode()
    detail = client.get(
        f"/admin/contributions/contributionrequest/{asked[1].pk}/change/"
    )
    assert detail.status_code == 200
    assert "■警察本部から説明" in detail.content.decode()
    assert (
        client.get("/admin/contributions/contributionrequest/add/").status_code == 403
    )


def test_a_double_click_on_submit_and_a_stale_tab_lose_nothing(client, asked, writers):
    police = _request(asked, "警察本部")
    client.force_login(writers["警察本部"])
    url = reverse("contributions:write", args=[police.pk])
    post = _section_post("k1", seed_section("警察本部"), action="submit")
    assert client.post(url, post).status_code == 302
    second = client.post(url, post, follow=True)
    assert "原稿を提出しました(第1回提出)" in second.content.decode()
    assert police.versions.count() == 1
    # Another tab, with other text, after the submission: shown again, not lost.
    changed = {**post, "i-k1i0-text": "別のタブで書いた文"}
    response = client.post(url, changed)
    assert response.status_code == 409
    page = response.content.decode()
    assert "この原稿はすでに提出しています。" in page
    assert "別のタブで書いた文" in page
    assert police.versions.count() == 1


@pytest.mark.parametrize(
    ("stored", "shown"),
    [({}, "■"), ({"marker": "●"}, "●"), ({"marker": ""}, "")],
)
def test_a_section_shown_again_keeps_its_heading_mark(meeting, stored, shown):
    """Layout data leaves the default mark implicit; the writing page must not turn
    a section without the key into one written without a mark."""
    from meetings.contributions.forms import SectionsEditor

    section = {**seed_section("警察本部"), **stored}
    if not stored:
        section.pop("marker", None)
    editor = SectionsEditor.for_sections(meeting, [section])
    assert editor.sections[0].form["marker"].value() == shown
