"""The staff editor: saving, validation that keeps every typed value, lost updates
refused, unknown speakers kept, uploads checked by content, the no-JavaScript path."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings import forms as editor_forms
from meetings.forms import Editor
from meetings.models import Meeting, MeetingEvent, MeetingType, Organisation
from tests.factories import editor_post, make_meeting, tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting_type() -> MeetingType:
    return MeetingType.objects.create(
        name="危機管理連絡会議",
        slug="renraku-kaigi",
        default_chair_position="危機管理部副部長",
        default_contact_section="危機管理政策課",
        default_contact_phone="088-621-2280",
    )


def _meeting(user) -> Meeting:
    meeting = make_meeting(user=user)
    return Meeting.objects.with_parts().get(pk=meeting.pk)


def _edit_url(meeting: Meeting) -> str:
    return reverse("staff:edit", args=[meeting.pk])


def _new_post(meeting_type: MeetingType) -> tuple[Editor, dict]:
    editor = Editor.for_new(meeting_type, today=timezone.localdate())
    return editor, editor_post(editor)


def _fill_new(editor: Editor, data: dict) -> dict:
    section = editor.sections[0]
    item = section.items[0]
    data.update(
        {
            "start_time": "17:30",
            "end_time": "17:45",
            "location": "万代庁舎3階特別会議室",
            f"a-{editor.attendees[0].key}-role": "危機管理部副部長",
            f"g-{editor.agenda[0].key}-text": "「テスト事案」について",
            f"s-{section.key}-speaker": "危機管理政策課",
            f"i-{item.key}-text": "テストの説明。",
        }
    )
    return data


def test_editor_creates_a_meeting_and_records_who_created_it(
    client, editor, meeting_type
):
    client.force_login(editor)
    new, data = _new_post(meeting_type)
    response = client.post(
        reverse("staff:new", args=[meeting_type.slug]), _fill_new(new, data)
    )

    meeting = Meeting.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == _edit_url(meeting)
    assert meeting.status == Meeting.Status.DRAFT
    assert meeting.version == 1
    assert [a.role for a in meeting.attendees.all()] == ["危機管理部副部長"]
    assert meeting.sections.get().items.get().text == "テストの説明。"
    event = meeting.events.get()
    assert (event.action, event.actor) == (MeetingEvent.Action.CREATE, editor)
    assert meeting.history.first().history_user == editor


def test_save_records_what_changed(client, editor):
    meeting = _meeting(editor)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    data["location"] = "県庁3階 防災危機管理センター"

    client.post(_edit_url(meeting), data)

    event = meeting.events.filter(action=MeetingEvent.Action.SAVE).get()
    assert event.actor == editor
    assert {
        "field": "location",
        "old": "万代庁舎3階特別会議室",
        "new": "県庁3階 防災危機管理センター",
    } in event.changes["fields"]
    assert "+2 場所:県庁3階 防災危機管理センター" in event.changes["lines"]
    history = client.get(reverse("staff:history", args=[meeting.pk]))
    assert "県庁3階 防災危機管理センター" in history.content.decode()


def test_second_concurrent_save_is_refused_and_shows_both_versions(
    client, editor, other_editor
):
    meeting = _meeting(editor)
    # Both open the editor at version 1.
    mine = editor_post(Editor.for_meeting(meeting))
    theirs = editor_post(Editor.for_meeting(meeting))
    theirs["location"] = "県庁4階 403会議室"
    client.force_login(other_editor)
    assert client.post(_edit_url(meeting), theirs).status_code == HTTPStatus.FOUND

    client.force_login(editor)
    section_key = mine["sections"][0]
    item_key = mine[f"s-{section_key}-items"][0]
    mine[f"i-{item_key}-text"] = "私が夜中に入力した説明。"
    response = client.post(_edit_url(meeting), mine)

    page = response.content.decode()
    assert response.status_code == HTTPStatus.CONFLICT
    assert "他の人が先にこの会議を保存しています" in page
    assert "入力 太郎" in page or other_editor.username in page
    # Both versions are shown, and what was typed is still in the form.
    assert page.count("私が夜中に入力した説明。") >= 2  # the form and "your input"
    assert "2 場所:県庁4階 403会議室" in page
    meeting.refresh_from_db()
    assert meeting.location == "県庁4階 403会議室"
    assert meeting.version == 2
    # Saving again from the page shown (now at version 2) is a deliberate overwrite.
    mine["version"] = "2"
    assert client.post(_edit_url(meeting), mine).status_code == HTTPStatus.FOUND
    meeting.refresh_from_db()
    assert meeting.sections.get().items.get().text == "私が夜中に入力した説明。"


def test_validation_error_keeps_every_typed_value(client, editor):
    meeting = _meeting(editor)
    client.force_login(editor)
    shown = Editor.for_meeting(meeting)
    data = editor_post(shown)
    section = shown.sections[0]
    # Type a nested item under the existing one, a new attendee and a new agenda line.
    data[f"s-{section.key}-items"].append("nested1")
    data.update(
        {
            "i-nested1-marker": "○",
            "i-nested1-text": "入れ子の項目",
            "i-nested1-depth": "1",
        }
    )
    data["attendees"].append("newatt1")
    data["a-newatt1-role"] = "警察本部生活環境課長"
    data["a-newatt1-is_remote"] = "on"
    # ...and make three mistakes: end before start, a total below the list, no date.
    data.update(start_time="17:30", end_time="17:00", attendee_total="1", held_on="")

    response = client.post(_edit_url(meeting), data)

    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "開催日を入力してください。" in page
    assert "終了時刻が開始時刻より前です" in page
    assert "列挙した出席者の数(3)より少なく" in page
    for typed in ("入れ子の項目", "警察本部生活環境課長", "テストの説明。", "17:00"):
        assert typed in page
    assert 'name="i-nested1-depth" value="1"' in page
    assert (
        'name="a-newatt1-is_remote" class="form-check-input" id="id_a-newatt1-is_remote" checked'
        in page
    )
    meeting.refresh_from_db()
    assert meeting.version == 1  # nothing was saved


def test_end_before_start_is_refused_unless_past_midnight(client, editor):
    meeting = _meeting(editor)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    data.update(start_time="23:30", end_time="00:15")

    refused = client.post(_edit_url(meeting), data)
    assert "終了時刻が開始時刻より前です" in refused.content.decode()

    data["end_next_day"] = "on"
    assert client.post(_edit_url(meeting), data).status_code == HTTPStatus.FOUND
    meeting.refresh_from_db()
    assert meeting.end_next_day


def test_unknown_speaker_is_kept_and_offered_to_admins(client, editor, admin_user):
    meeting = _meeting(editor)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    data[f"s-{data['sections'][0]}-speaker"] = "徳島県ドローン協会"

    response = client.post(_edit_url(meeting), data, follow=True)

    assert "徳島県ドローン協会" in response.content.decode()
    section = meeting.sections.get()
    assert section.speaker == "徳島県ドローン協会"
    assert section.speaker_org.needs_review
    assert Organisation.objects.filter(name="徳島県ドローン協会").count() == 1
    client.force_login(admin_user)
    dashboard = client.get(reverse("staff:dashboard")).content.decode()
    assert "入力時に追加された未登録の組織が1件" in dashboard


def test_a_renamed_file_that_is_not_a_pdf_is_refused(client, editor):
    meeting = _meeting(editor)
    client.force_login(editor)
    shown = Editor.for_meeting(meeting)
    data = editor_post(shown)
    data["uploads"] = ["up1"]
    data["n-up1-kind"] = "material"
    data["n-up1-label"] = "会議資料"
    data["n-up1-file"] = SimpleUploadedFile(
        "会議資料.pdf", b"PK\x03\x04 this is a zip, renamed", "application/pdf"
    )

    response = client.post(_edit_url(meeting), data)

    assert response.status_code == HTTPStatus.OK
    assert "PDFファイルではありません" in response.content.decode()
    assert not meeting.attachments.exists()


def test_an_oversized_pdf_is_refused(client, editor, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    meeting = _meeting(editor)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    data["uploads"] = ["up1"]
    data.update({"n-up1-kind": "material", "n-up1-label": "大きい資料"})
    data["n-up1-file"] = SimpleUploadedFile("big.pdf", tiny_pdf(), "application/pdf")

    response = client.post(_edit_url(meeting), data)

    assert "ファイルが大きすぎます" in response.content.decode()
    assert not meeting.attachments.exists()


def test_a_valid_upload_survives_an_error_elsewhere_and_is_saved_later(client, editor):
    meeting = _meeting(editor)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    data["uploads"] = ["up1"]
    data.update({"n-up1-kind": "material", "n-up1-label": "会議資料(R6.5.10)"})
    data["n-up1-file"] = SimpleUploadedFile("資料.pdf", tiny_pdf(), "application/pdf")
    data["held_on"] = ""

    page = client.post(_edit_url(meeting), data).content.decode()

    assert "選択済み: 資料.pdf" in page
    token = client.session["pending_uploads"].popitem()[0]
    assert f'name="n-up1-token" value="{token}"' in page
    del data["n-up1-file"]
    data.update({"held_on": "2024-05-10", "n-up1-token": token})
    assert client.post(_edit_url(meeting), data).status_code == HTTPStatus.FOUND
    attachment = meeting.attachments.get()
    assert attachment.label == "会議資料(R6.5.10)"
    assert attachment.size_bytes == len(tiny_pdf())


def test_new_meeting_is_prefilled_from_its_type_and_the_previous_meeting(
    client, editor, meeting_type
):
    make_meeting(
        user=editor,
        attendees=["前回の出席者A", "前回の出席者B"],
        location="県庁3階 防災危機管理センター",
        contact={"name": "前回の課", "phone": "088-000-0000"},
    )
    client.force_login(editor)

    page = client.get(reverse("staff:new", args=[meeting_type.slug])).content.decode()

    # The previous attendees are offered (issue 14), not put in the rows.
    assert 'value="前回の出席者A"' not in page
    assert "前回の出席者(2名)を入力" in page
    assert 'value="県庁3階 防災危機管理センター"' in page
    assert 'value="前回の課"' in page
    assert "以下のとおり、危機管理連絡会議を開催いたしましたので" in page


def test_rows_are_added_moved_and_indented_without_javascript(client, editor):
    meeting = _meeting(editor)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    section_key = data["sections"][0]
    first = data[f"s-{section_key}-items"][0]

    page = client.post(_edit_url(meeting), {**data, "op": f"add:i:{first}"})
    added = page.context["editor"].sections[0].items
    assert [i.form.initial.get("text") for i in added] == ["テストの説明。", None]
    assert page.context["editor"].focus == f"id_i-{added[1].key}-text"

    data[f"s-{section_key}-items"].append("second")
    data.update({"i-second-text": "二つ目", "i-second-marker": "・"})
    page = client.post(_edit_url(meeting), {**data, "op": "indent:i:second"})
    items = page.context["editor"].sections[0].items
    assert items[1].form.initial["depth"] == 1

    page = client.post(_edit_url(meeting), {**data, "op": "up:i:second"})
    texts = [i.form.initial["text"] for i in page.context["editor"].sections[0].items]
    assert texts == ["二つ目", "テストの説明。"]
    meeting.refresh_from_db()
    assert meeting.version == 1  # operations never save


def test_pasted_attendee_list_becomes_rows_with_tail_and_total(client, editor):
    meeting = _meeting(editor)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    data["attendees"] = []
    data["paste_attendees"] = (
        "知事(本部長)、副知事,(南部総合県民局長),各部局長など計23名(内テレビ会議2名)"
    )

    page = client.post(_edit_url(meeting), {**data, "op": "paste:attendees"})

    shown = page.context["editor"]
    rows = [
        (r.form.initial["role"], r.form.initial["is_remote"]) for r in shown.attendees
    ]
    assert rows == [
        ("知事(本部長)", False),
        ("副知事", False),
        ("南部総合県民局長", True),
    ]
    assert shown.header.initial["attendee_tail"] == "各部局長など"
    assert shown.header.initial["attendee_total"] == 23
    assert shown.header.initial["attendee_remote"] == 2


def test_pasted_bullets_become_items_with_markers_and_nesting():
    pasted = (
        "・昨日の17:40分頃、病院内のネットワークプリンタから\n"
        "   大量の用紙が印刷された。\n"
        "○当該農場の概要\n"
        "  ・所在地:香川県東かがわ市\n"
    )
    items = editor_forms.split_pasted_items(pasted, depth=0, marker="・")
    tree = editor_forms.items_to_tree(items)
    assert tree == [
        {
            "marker": "・",
            "text": "昨日の17:40分頃、病院内のネットワークプリンタから大量の用紙が印刷された。",
            "children": [],
        },
        {
            "marker": "○",
            "text": "当該農場の概要",
            "children": [
                {"marker": "・", "text": "所在地:香川県東かがわ市", "children": []}
            ],
        },
    ]


def test_items_tree_round_trips_through_the_flat_editor_rows():
    tree = [
        {
            "marker": "○",
            "text": "a",
            "children": [
                {
                    "marker": "・",
                    "text": "b",
                    "children": [{"marker": "①", "text": "c", "children": []}],
                }
            ],
        },
        {"marker": "○", "text": "d", "children": []},
    ]
    assert editor_forms.items_to_tree(editor_forms.tree_to_items(tree)) == tree


def test_text_that_could_not_be_structured_is_edited_in_the_editor(client, editor):
    meeting = make_meeting(user=editor, unparsed=["○司会 ただいまから会議を始めます。"])
    meeting = Meeting.objects.with_parts().get(pk=meeting.pk)
    client.force_login(editor)
    page = client.get(_edit_url(meeting)).content.decode()
    assert "○司会 ただいまから会議を始めます。" in page
    data = editor_post(Editor.for_meeting(meeting))
    data["unstructured_text"] = "○司会 ただいまから会議を始めます。\n\n○知事 よろしく。"

    response = client.post(_edit_url(meeting), data)

    assert response.status_code == HTTPStatus.FOUND
    meeting.refresh_from_db()
    assert meeting.unstructured_text.endswith("○知事 よろしく。")
