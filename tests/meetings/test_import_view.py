"""「テキストから作成」: paste a published page, check what was read, save a draft."""

from __future__ import annotations

import html
import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from meetings import services
from meetings.importer import parse_page
from meetings.models import (
    Meeting,
    MeetingEvent,
    MeetingType,
    Organisation,
    Section,
    Venue,
)
from meetings.views.importer import SAVED_MESSAGE, japanese_warning
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED = (FIXTURES / "seed_2022-06-20.txt").read_text(encoding="utf-8")
PAGES = FIXTURES / "pages"
AGENDA_LINE = "4 協議概要:「県内医療機関でのサイバー攻撃事案の発生」について\n"
PROSE = "会議に先立ち、黙とうを行った。"
# The seed with a line of prose between the header and the first ■ section: line 15.
SEED_WITH_PROSE = SEED.replace(AGENDA_LINE, f"{AGENDA_LINE}\n{PROSE}\n", 1)
URL = "/staff/import/"


def _parse(client: Client, text: str, **extra: str):
    return client.post(URL, {"text": text, "action": "parse", **extra})


def _save(client: Client, text: str, **extra: str):
    """Parse, then press 下書きとして保存 on the result, as the page does."""
    parsed = _parse(client, text)
    digest = parsed.context["result"].digest
    return client.post(
        URL, {"text": text, "action": "save", "parsed_digest": digest, **extra}
    )


def _article(page: str) -> str:
    """The official layout (_result.html) in a page, without whitespace runs."""
    match = re.search(r'<article class="kaisai-kekka".*?</article>', page, re.DOTALL)
    assert match, "no official layout on the page"
    return re.sub(r"\s+", " ", match.group(0))


def _rows() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Meeting, MeetingType, Venue, Organisation, Section)
    }


# ---------------------------------------------------------------------------
# Who may use it
# ---------------------------------------------------------------------------


def test_the_url_is_named_in_the_importer_namespace():
    assert reverse("importer:paste") == URL


def test_anonymous_users_are_sent_to_the_login_page_and_nothing_is_saved(client):
    for response in (
        client.get(URL),
        client.post(URL, {"text": SEED, "action": "save"}),
    ):
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("login"))
    assert not Meeting.objects.exists()


def test_users_without_a_role_are_refused_and_nothing_is_saved(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == HTTPStatus.FORBIDDEN
    response = client.post(URL, {"text": SEED, "action": "save"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("role", ["editor", "approver", "admin_user"])
def test_editors_approvers_and_admins_get_the_paste_form(client, role, request):
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert '<label for="id_text"' in page
    assert "公開ページの本文(テキストまたはHTML)" in page
    assert 'name="action" value="parse"' in page and ">解析</button>" in page
    assert 'name="action" value="save"' not in page  # nothing to save yet


@pytest.mark.parametrize("role", ["editor", "approver", "admin_user"])
def test_every_staff_role_can_save_a_draft(client, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = _save(client, SEED)
    assert response.status_code == HTTPStatus.FOUND
    assert Meeting.objects.get().created_by == user


def test_the_dashboard_links_to_the_paste_page(client, editor):
    client.force_login(editor)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert f'href="{URL}" id="import-link">テキストから作成</a>' in page


def test_a_post_without_the_csrf_token_is_refused(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(URL, {"text": SEED, "action": "save"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Meeting.objects.exists()

    # The same client with the token from the form gets through.
    form = client.get(URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = client.post(
        URL, {"text": SEED, "action": "save", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Meeting.objects.count() == 1


# ---------------------------------------------------------------------------
# Parse: shown, not saved
# ---------------------------------------------------------------------------


def test_parse_shows_the_warnings_naming_their_line_and_saves_nothing(client, editor):
    client.force_login(editor)
    before = _rows()

    response = _parse(client, SEED_WITH_PROSE)

    assert response.status_code == HTTPStatus.OK
    assert _rows() == before
    page = response.content.decode()
    warnings = re.findall(
        r'<li class="alert alert-warning import-warning">(.*?)</li>', page, re.DOTALL
    )
    assert len(warnings) == 1
    assert (
        '<a class="import-line-link" href="#src-line-15" data-line="15">15行目</a>'
        in (warnings[0])
    )
    assert f"本文のまま残しました:「{PROSE}」" in warnings[0]
    assert '<h3 class="h5 mt-3" id="warnings-heading">警告' in page
    assert "1件</span>" in page
    # The line is marked in the numbered text that the warning links to.
    line = re.search(r'<li id="src-line-15" value="15"([^>]*)>(.*?)</li>', page)
    assert line and 'class="import-line-warn"' in line.group(1)
    assert line.group(2).startswith(PROSE)
    # The text that could not be placed is shown as it will be kept.
    assert f'<pre class="import-unparsed">{PROSE}</pre>' in page


def test_parse_keeps_the_text_as_typed_in_the_text_box(client, editor):
    client.force_login(editor)
    typed = "\n" + SEED_WITH_PROSE.replace("\n", "\r\n") + "<b>&amp;</b>"
    page = _parse(client, typed).content.decode()
    box = re.search(r'<textarea name="text"[^>]*>\n(.*?)</textarea>', page, re.DOTALL)
    # The browser gives back the value typed: entities decoded, the first newline
    # after the tag dropped by the HTML parser (hence the one the template adds).
    assert html.unescape(box.group(1)) == typed


def test_parse_shows_a_summary_of_the_key_fields(client, editor):
    client.force_login(editor)
    page = _parse(client, SEED).content.decode()
    summary = re.search(
        r'<table class="table[^"]*import-summary".*?</table>', page, re.S
    )
    cells = dict(
        re.findall(
            r'<th scope="row"[^>]*>(.*?)</th><td[^>]*>(.*?)</td>', summary.group(0)
        )
    )
    assert cells == {
        "会議種別": "危機管理連絡会議",
        "開催日": "令和4年6月20日(月)",
        "時刻": "17:30～17:45",
        "場所": "万代庁舎3階特別会議室",
        "出席者数": "計22名(役職名の列挙5)",
        "議題数": "1",
        "説明・報告・指示の数": "6(説明5、指示1)、うち(その他報告事項)の下に1",
    }
    assert "警告はありません。" in page


def test_fields_that_could_not_be_read_are_highlighted_in_the_summary(client, editor):
    client.force_login(editor)
    text = "危機管理連絡会議の開催結果について\n\n1 日時:17:30~17:45\n2 場所:県庁\n"
    page = _parse(client, text).content.decode()
    assert re.search(
        r'<th scope="row"[^>]*>開催日</th><td class="table-warning">読み取れません',
        page,
    )
    assert "日付がありません:「17:30~17:45」" in page
    # The draft would get a date all the same, and says so before saving.
    assert "開催日が読み取れなかったため、仮に" in page


def test_the_preview_is_the_official_layout_marked_draft_and_matches_the_saved_draft(
    client, editor
):
    client.force_login(editor)
    parsed = _parse(client, SEED_WITH_PROSE).content.decode()
    assert (
        '<p class="kk-draft-mark" role="note" aria-label="案(未公開のプレビュー)">案</p>'
        in (parsed)
    )
    preview = _article(parsed)
    assert "危機管理連絡会議の開催結果について(令和4年6月20日)" in preview
    assert "■危機管理環境部副部長から,次のとおり各部局に指示" in preview
    assert f'<p class="kk-unparsed">{PROSE}</p>' in preview

    _save(client, SEED_WITH_PROSE)
    meeting = Meeting.objects.get()
    staff_preview = client.get(reverse("staff:preview", args=[meeting.pk]))
    # What was shown before saving is what the staff preview shows of the draft.
    assert _article(staff_preview.content.decode()) == preview


def test_attachments_listed_on_the_page_are_named_but_not_previewed(client, editor):
    client.force_login(editor)
    page = _parse(client, SEED).content.decode()
    files = re.search(r'<section class="import-files.*?</section>', page, re.S)
    assert "危機管理連絡会議 会議資料(R4.6.20).pdf(1MB)" in files.group(0)
    assert "要添付" in files.group(0)
    assert "kk-attachments" not in _article(page)


def test_html_is_read_and_its_line_numbers_are_explained(client, editor):
    client.force_login(editor)
    source = (PAGES / "html_page.html").read_text(encoding="utf-8")
    page = _parse(client, source).content.decode()
    assert "HTMLとして読み取りました" in page
    assert 'data-source="html"' in page
    # The numbered text is the text extracted from the HTML, not its markup.
    assert '<ol class="import-source"' in page
    numbered = re.search(r'<ol class="import-source".*?</ol>', page, re.S).group(0)
    assert "&lt;li&gt;" not in numbered and "<li>日時" not in numbered
    assert "危機管理連絡会議の開催結果について(令和4年7月11日)" in _article(page)


def test_a_page_of_several_meetings_offers_a_choice_and_saves_the_chosen_one(
    client, editor
):
    client.force_login(editor)
    text = (PAGES / "two_meetings_one_page.txt").read_text(encoding="utf-8")
    page = _parse(client, text).content.decode()
    assert "このページには2件の会議があります" in page
    assert page.count('type="radio" name="meeting"') == 2
    assert page.count('class="kaisai-kekka"') == 2

    # Saving without a choice on a page of several asks for one.
    refused = client.post(URL, {"text": text, "action": "save"})
    assert "保存する会議を選んでください。" in refused.content.decode()
    assert not Meeting.objects.exists()

    response = _save(client, text, meeting="1")

    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("staff:edit", args=[meeting.pk])
    assert meeting.start_time.strftime("%H:%M") == "17:00"
    shown = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("2件の会議があります。2件目を作成しました" in m for m in shown)


def test_a_meeting_already_stored_is_pointed_out_before_saving(client, editor):
    stored = make_meeting(held_on="2022-06-20", start_time="17:30", end_time="17:45")
    client.force_login(editor)
    page = _parse(client, SEED).content.decode()
    assert "同じ会議種別・開催日・開始時刻の会議が既にあります" in page
    assert reverse("staff:edit", args=[stored.pk]) in page


# ---------------------------------------------------------------------------
# Save
# ---------------------------------------------------------------------------


def test_save_creates_one_draft_of_the_seed_owned_by_the_user(client, editor):
    client.force_login(editor)

    response = _save(client, SEED)

    meeting = Meeting.objects.with_parts().get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("staff:edit", args=[meeting.pk])
    assert meeting.status == Meeting.Status.DRAFT
    assert meeting.created_by == editor and meeting.updated_by == editor
    assert meeting.title == "危機管理連絡会議の開催結果について(令和4年6月20日)"
    assert meeting.held_on.isoformat() == "2022-06-20"
    assert meeting.attendee_total == 22
    sections = list(meeting.sections.all())
    assert [(s.kind, s.speaker, s.group) for s in sections] == [
        ("explanation", "医療政策課", "main"),
        ("explanation", "警察本部", "main"),
        ("explanation", "病院局総務課", "main"),
        ("explanation", "スマート県庁推進課", "main"),
        ("directive", "危機管理環境部副部長", "main"),
        ("explanation", "畜産振興課", "other_reports"),
    ]
    directive = sections[4]
    assert directive.recipients == "各部局"
    assert [i.text for i in directive.items.all()][0].startswith(
        "鳴門山上病院が、昨日のランサムウェアによる攻撃より"
    )
    assert MeetingEvent.objects.filter(
        meeting=meeting, action=MeetingEvent.Action.CREATE, actor=editor
    ).exists()


def test_the_editor_shows_the_saved_message_with_the_warnings(client, editor):
    client.force_login(editor)
    response = client.get(_save(client, SEED_WITH_PROSE)["Location"])
    assert response.status_code == HTTPStatus.OK
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert shown[0] == ("success", SAVED_MESSAGE + "(警告1件)")
    assert (
        "warning",
        f"警告(貼り付けた本文の15行目):どの欄にも当てはまらないため、"
        f"本文のまま残しました:「{PROSE}」",
    ) in shown
    page = response.content.decode()
    assert SAVED_MESSAGE in page and "alert alert-warning" in page
    assert Meeting.objects.get().unstructured_text == PROSE


def test_a_seed_without_warnings_says_so_and_names_the_files_to_attach(client, editor):
    client.force_login(editor)
    response = client.get(_save(client, SEED)["Location"])
    shown = [str(m) for m in response.context["messages"]]
    assert shown[0] == SAVED_MESSAGE + "(警告はありません)"
    assert any("危機管理連絡会議 会議資料(R4.6.20).pdf(1MB)" in m for m in shown)


def test_save_parses_the_submitted_text_again_and_ignores_anything_else(client, editor):
    client.force_login(editor)
    client.post(
        URL,
        {
            "text": SEED,
            "action": "save",
            "data": '{"title": "偽物", "sections": []}',
            "title": "偽物",
        },
    )
    meeting = Meeting.objects.get()
    assert meeting.title != "偽物"
    assert meeting.sections.count() == 6


def test_text_changed_after_parsing_is_shown_again_before_it_is_saved(client, editor):
    client.force_login(editor)
    digest = _parse(client, SEED).context["result"].digest
    changed = SEED.replace("万代庁舎3階特別会議室", "県庁10階大会議室")

    response = client.post(
        URL, {"text": changed, "action": "save", "parsed_digest": digest}
    )

    assert response.status_code == HTTPStatus.OK
    assert not Meeting.objects.exists()
    page = response.content.decode()
    assert "解析した後に本文が変更されていたため、保存していません。" in page
    assert "県庁10階大会議室" in _article(page)


def test_empty_text_is_refused_with_a_japanese_error_and_nothing_is_saved(
    client, editor
):
    client.force_login(editor)
    for text in ("", "  \r\n \u3000\n"):
        for action in ("parse", "save"):
            response = client.post(URL, {"text": text, "action": action})
            assert response.status_code == HTTPStatus.OK
            page = response.content.decode()
            assert (
                '<div class="invalid-feedback d-block" id="id_text_error">'
                "公開ページの本文を貼り付けてください。</div>"
            ) in page
            assert 'aria-invalid="true"' in page
            assert "kaisai-kekka" not in page
    assert not Meeting.objects.exists()


def test_text_with_nothing_of_a_meeting_is_refused_and_kept(client, editor):
    client.force_login(editor)
    prose = (PAGES / "prose_only.txt").read_text(encoding="utf-8")
    for action in ("parse", "save"):
        page = client.post(URL, {"text": prose, "action": action}).content.decode()
        assert "会議の開催結果として読み取れる項目" in page
        assert "本日、知事が定例記者会見を行いました。" in page  # still in the box
        assert "kaisai-kekka" not in page
    assert not Meeting.objects.exists()


def test_a_draft_the_model_refuses_is_flagged_before_and_refused_at_saving(
    client, editor
):
    # Ending when it starts reads as ending the next day, which the model refuses.
    text = SEED.replace("17:30 ~ 17:45", "17:30 ~ 17:30")
    client.force_login(editor)
    page = _parse(client, text).content.decode()
    assert "このままでは下書きとして保存できません" in page
    assert "翌日終了の場合、終了時刻は開始時刻より前の時刻です。" in page
    assert re.search(r'id="save-button" disabled', page)

    before = _rows()
    response = _save(client, text)

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "下書きを保存できませんでした(何も作成していません)" in page
    assert "終了が翌日(日付をまたぐ): 翌日終了の場合" in page
    assert "17:30 ~ 17:30" in page  # the text is kept in the box to correct
    assert _rows() == before


def test_a_failure_after_the_meeting_row_is_written_leaves_nothing_behind(
    client, editor, monkeypatch
):
    def fail(**kwargs):
        raise ValidationError("項目を保存できません。")

    client.force_login(editor)
    digest = _parse(client, SEED).context["result"].digest
    monkeypatch.setattr(services, "meeting_parts_sync", fail)

    response = client.post(
        URL, {"text": SEED, "action": "save", "parsed_digest": digest}
    )

    assert response.status_code == HTTPStatus.OK
    assert (
        "下書きを保存できませんでした(何も作成していません):項目を保存できません。"
        in (response.content.decode())
    )
    assert not Meeting.objects.exists()
    assert not MeetingEvent.objects.exists()
    assert not MeetingType.objects.exists()


def test_parsing_the_seed_takes_a_fixed_number_of_queries(
    client, editor, django_assert_max_num_queries
):
    client.force_login(editor)
    # 8, 1 for the staff header's notification bell (its unread count) and 1 for
    # the user's department (meetings.access: the coordinating division has none).
    with django_assert_max_num_queries(10):
        response = _parse(client, SEED)
    assert response.status_code == HTTPStatus.OK


# ---------------------------------------------------------------------------
# Warnings in Japanese
# ---------------------------------------------------------------------------

WARNING_INPUTS = {
    "no title": "1 日時:令和4年6月20日(月)17:30~\n2 場所:県庁\n",
    "bad date and time": "危機管理連絡会議の開催結果について\n"
    "1 日時:令和4年2月30日(月)25:99~\n",
    "no date": "危機管理連絡会議の開催結果について\n1 日時:17:30~17:45\n2 場所:県庁\n",
    "second field": "危機管理連絡会議の開催結果について\n"
    "1 日時:令和4年6月20日(月)17:30~\n2 場所:県庁\n2 場所:万代庁舎\n",
    "prose": SEED_WITH_PROSE,
}


@pytest.mark.parametrize("name", sorted(WARNING_INPUTS))
def test_every_parser_warning_is_shown_in_japanese(name):
    warnings = [w for m in parse_page(WARNING_INPUTS[name]) for w in m["warnings"]]
    assert warnings, name
    for warning in warnings:
        shown = japanese_warning(warning)
        outside_quotes = re.sub(r"「.*?」", "", shown.message)
        assert not re.search(r"[A-Za-z]{2,}", outside_quotes), (warning, shown)


def test_a_warning_keeps_its_line_number_apart_and_unknown_wordings_unchanged():
    known = japanese_warning("line 57: could not place 「本文」")
    assert (known.line, known.message) == (
        57,
        "どの欄にも当てはまらないため、本文のまま残しました:「本文」",
    )
    unknown = japanese_warning("line 3: something new")
    assert (unknown.line, unknown.message) == (3, "something new")
    assert japanese_warning("出席者が長すぎます").line is None
