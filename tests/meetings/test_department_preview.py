"""A department's editor reads the meeting it was asked for, but not another
department's section before the coordinator has put that department's contribution
in: the preview, the draft PDF and the history hold a placeholder line instead of
the draft (``contributions.services.as_department_reads``). The coordinator,
approvers and admins read everything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.contributions import services as contributions
from meetings.models import Meeting, Organisation
from tests.factories import department_editor, make_meeting
from tests.meetings.pdf_helpers import compact, pdf_text

pytestmark = pytest.mark.django_db

DRAFT = "警備体制の原案(まだ警察本部の確認前)。"
OWN_DRAFT = "医療機関への支援の原案。"
UNASKED = "熱中症警戒情報をLINEで発信する。"
PLACEHOLDER = (
    "(警察本部の原稿は未提出です。取りまとめの課が会議に反映するまで表示しません)"
)


def _section(speaker: str, text: str) -> dict:
    return {
        "kind": "explanation",
        "speaker": speaker,
        "topic": "連休中の体制",
        "group": "main",
        "items": [{"marker": "・", "text": text, "children": []}],
    }


@pytest.fixture
def iryo(db) -> Organisation:
    return Organisation.objects.create(name="医療政策課", kind="division")


@pytest.fixture
def keisatsu(db) -> Organisation:
    return Organisation.objects.create(name="警察本部", kind="outside")


@pytest.fixture
def iryo_writer(django_user_model, iryo):
    return department_editor(django_user_model, "iryo_writer", iryo)


@pytest.fixture
def keisatsu_writer(django_user_model, keisatsu):
    return department_editor(django_user_model, "keisatsu_writer", keisatsu)


@pytest.fixture
def meeting(editor, iryo, keisatsu) -> Meeting:
    """Both departments asked; meanwhile the coordinator typed a draft of each
    department's section, and a section of a division that was not asked."""
    meeting = make_meeting(
        user=editor,
        sections=[
            _section("健康寿命推進課", UNASKED),
            _section("警察本部", DRAFT),
            _section("医療政策課", OWN_DRAFT),
        ],
    )
    contributions.contribution_request_create(
        meeting=meeting,
        user=editor,
        organisations=[iryo, keisatsu],
        due_at=timezone.now() + timedelta(hours=3),
    )
    return meeting


def _preview(client, user, meeting: Meeting) -> str:
    client.force_login(user)
    response = client.get(reverse("staff:preview", args=[meeting.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_department_reads_a_placeholder_for_another_departments_draft(
    client, iryo_writer, meeting
):
    page = _preview(client, iryo_writer, meeting)
    assert DRAFT not in page
    assert PLACEHOLDER in page
    assert "警察本部から説明" in page  # the section keeps its place and heading
    assert "連休中の体制" in page  # … the others' topics stay
    assert page.count("連休中の体制") == 2  # … but not the draft's own
    # Its own department's section and a section nobody was asked for: as typed.
    assert OWN_DRAFT in page
    assert UNASKED in page


@pytest.mark.parametrize("role", ["editor", "approver", "admin_user"])
def test_the_coordinator_approvers_and_admins_read_everything(
    client, request, role, meeting
):
    page = _preview(client, request.getfixturevalue(role), meeting)
    assert DRAFT in page and OWN_DRAFT in page and UNASKED in page
    assert "未提出です" not in page


def test_the_placeholder_follows_the_request_until_it_is_accepted(
    client, editor, iryo_writer, keisatsu_writer, meeting
):
    [theirs] = meeting.contribution_requests.filter(organisation__name="警察本部")
    contributions.contribution_submit(
        request=theirs,
        user=keisatsu_writer,
        sections=[_section("警察本部", "連休中も警備体制を維持する。")],
    )
    page = _preview(client, iryo_writer, meeting)
    assert DRAFT not in page
    assert "(警察本部の原稿は提出済みです。" in page
    contributions.contribution_return(
        request=theirs, user=editor, comment="人数を入れてください。"
    )
    page = _preview(client, iryo_writer, meeting)
    assert DRAFT not in page
    assert "(警察本部の原稿は差戻し中です。" in page
    contributions.contribution_submit(
        request=theirs,
        user=keisatsu_writer,
        sections=[_section("警察本部", "連休中も50人で警備体制を維持する。")],
    )
    meeting.refresh_from_db()
    contributions.contribution_accept(
        request=theirs, user=editor, expected_version=meeting.version
    )
    page = _preview(client, iryo_writer, meeting)
    assert "連休中も50人で警備体制を維持する。" in page
    assert DRAFT in page  # accepted: the coordinator's own text stands too
    assert "原稿は" not in page


def test_the_section_is_matched_by_its_organisation_too(
    client, iryo_writer, meeting, keisatsu
):
    """A section whose speaker is written otherwise (県警察本部) but linked to the
    department asked is hidden as well."""
    section = meeting.sections.get(speaker="警察本部")
    section.speaker = "県警察本部"
    section.speaker_org = keisatsu
    section.save()
    page = _preview(client, iryo_writer, meeting)
    assert DRAFT not in page
    assert PLACEHOLDER in page


def test_the_preview_of_a_department_costs_one_query_more(client, iryo_writer, meeting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(user) -> int:
        _preview(client, user, meeting)  # the session is saved once
        with CaptureQueriesContext(connection) as captured:
            _preview(client, user, meeting)
        return len(captured)

    before = count(iryo_writer)
    for n in range(5):
        meeting.sections.create(order=10 + n, speaker="警察本部", kind="report")
    assert count(iryo_writer) == before


@pytest.mark.real_pdf
def test_the_draft_pdf_holds_the_placeholder_for_a_department(
    client, iryo_writer, editor, meeting
):
    client.force_login(iryo_writer)
    response = client.get(reverse("pdf:draft", args=[meeting.pk]))
    assert response.status_code == 200
    text = compact(pdf_text(b"".join(response.streaming_content)))
    assert compact(DRAFT) not in text
    assert compact("警察本部の原稿は未提出です") in text
    assert compact(OWN_DRAFT) in text
    client.force_login(editor)
    response = client.get(reverse("pdf:draft", args=[meeting.pk]))
    assert compact(DRAFT) in compact(pdf_text(b"".join(response.streaming_content)))


def test_the_history_shows_a_department_no_text_diffs(
    client, iryo_writer, editor, meeting
):
    from meetings import services
    from meetings.contributions.services import stored_parts

    fresh = Meeting.objects.with_parts().get(pk=meeting.pk)
    parts = stored_parts(fresh)
    parts["sections"][1]["items"][0]["text"] = "警備体制の第二案。"
    services.meeting_save(
        meeting=fresh,
        header={},
        parts=parts,
        user=editor,
        expected_version=fresh.version,
    )
    url = reverse("staff:history", args=[meeting.pk])
    client.force_login(iryo_writer)
    page = client.get(url).content.decode()
    assert "警備体制の第二案。" not in page and DRAFT not in page
    assert "本文の変更(2行):内容は、会議を取りまとめる課の入力担当と承認者だけ" in page
    # No link that would answer 403.
    assert reverse("staff:edit", args=[meeting.pk]) not in page
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "警備体制の第二案。" in page and DRAFT in page
    assert reverse("staff:edit", args=[meeting.pk]) in page
