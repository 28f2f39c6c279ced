"""Bad input answers 400 or a Japanese message next to the field, never a 500.

Control characters in URLs, NUL in form fields, text over the sane maximum lengths
(meetings.limits), in the meeting editor and the incident forms.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from incidents.models import Incident
from meetings.forms import Editor
from meetings.models import Meeting
from tests.factories import editor_post, make_meeting

pytestmark = pytest.mark.django_db


# -- control characters in URLs: 400 with a Japanese page in the site layout -------


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=a%00b",
        "/?type=a%00b",
        "/?page=1&type=%01",
        "/search/?q=%7F",  # DEL
        "/search/?q=a%09b",  # tab
        "/search/?q=a%0Ab",  # LF
        "/search/?q%00=a",  # in the name
        "/incidents/?status=a%1Fb",
        "/staff/?q=%00",
        "/admin/meetings/meeting/?q=%00",
        "/feed/%00/",  # in the path
    ],
)
def test_control_characters_in_the_url_answer_400_in_japanese(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "使えない文字" in html
    assert "開催結果一覧" in html  # in the site layout, with a way on
    assert "\x00" not in html


@pytest.mark.usefixtures("shared_demo")  # the demo, loaded once for all such tests
def test_seed_search_still_works(client, seed_meeting):
    response = client.get("/search/", {"q": "サイバー攻撃"})
    assert response.status_code == HTTPStatus.OK
    assert seed_meeting.title in response.content.decode()
    assert client.get("/", {"type": "renraku-kaigi"}).status_code == HTTPStatus.OK


@pytest.mark.usefixtures("shared_demo")  # the demo, loaded once for all such tests
def test_nul_in_search_on_this_database_is_not_a_500(client, seed_meeting):
    """The reported case: PostgreSQL refuses NUL in a string literal (was a 500)."""
    client.raise_request_exception = False
    assert client.get("/search/?q=a%00b").status_code == HTTPStatus.BAD_REQUEST


# -- form fields ------------------------------------------------------------------


@pytest.fixture
def editing(client, editor):
    meeting = make_meeting(user=editor)
    meeting = Meeting.objects.with_parts().get(pk=meeting.pk)
    client.force_login(editor)
    shown = Editor.for_meeting(meeting)
    return meeting, shown, editor_post(shown), reverse("staff:edit", args=[meeting.pk])


def _item_key(shown: Editor) -> str:
    return f"i-{shown.sections[0].items[0].key}-text"


def test_django_forms_refuse_nul_but_with_a_misleading_message():
    """Why the middleware drops NUL from form fields instead of leaving it to forms."""
    from django import forms

    field = forms.CharField()
    with pytest.raises(forms.ValidationError) as refused:
        field.clean("a\x00b")
    assert "ヌル" not in str(refused.value)  # 「何か文字を入力してください。」


def test_control_characters_in_a_form_are_dropped_and_the_text_saved(client, editing):
    meeting, shown, data, url = editing
    data["lead"] = "貼り付けた\x01リード\x7f文\x0cです\x00"
    data[_item_key(shown)] = "項目\x00の本文\x02"
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND
    meeting.refresh_from_db()
    assert meeting.lead == "貼り付けたリード文\nです"
    assert meeting.sections.get().items.get().text == "項目の本文"


def test_nul_in_an_incident_form_is_dropped(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("incidents_staff:create"),
        {
            "title": "台風\x00第14号",
            "category": "weather",
            "status": "active",
            "started_at": "2024-09-01T10:00",
            "is_public": "on",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Incident.objects.get().title == "台風第14号"


# -- maximum lengths ----------------------------------------------------------------


def test_an_item_over_the_cap_is_refused_with_the_text_kept(client, editing):
    meeting, shown, data, url = editing
    long_item = "あ" * 2_001
    data[_item_key(shown)] = long_item
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "1つの項目は2,000字までです(現在2,001字)" in html
    assert long_item in html
    meeting.refresh_from_db()
    assert meeting.version == 1


def test_the_largest_accepted_item_is_saved(client, editing):
    meeting, shown, data, url = editing
    data[_item_key(shown)] = "あ" * 2_000
    assert client.post(url, data).status_code == HTTPStatus.FOUND
    assert len(meeting.sections.get().items.get().text) == 2_000


def test_pasted_lines_count_as_separate_items(client, editing, settings):
    settings.MEETING_LIMITS = {"item_text": 10}
    meeting, shown, data, url = editing
    data[_item_key(shown)] = "・一二三四五六七八\n・一二三四五六七八"
    assert client.post(url, data).status_code == HTTPStatus.FOUND
    assert meeting.sections.get().items.count() == 2


def test_a_section_over_its_total_is_refused(client, editing, settings):
    settings.MEETING_LIMITS = {"item_text": 10, "section_text": 15}
    meeting, shown, data, url = editing
    section = shown.sections[0]
    data[f"s-{section.key}-items"].append("second")
    data.update({"i-second-marker": "・", "i-second-text": "かきくけこさしすせそ"})
    data[_item_key(shown)] = "あいうえおかきくけこ"
    html = client.post(url, data).content.decode()
    assert "説明・報告・指示の項目は合計15字までです(現在20字)" in html
    meeting.refresh_from_db()
    assert meeting.version == 1


def test_a_meeting_over_its_total_or_row_caps_is_refused(client, editing, settings):
    settings.MEETING_LIMITS = {"meeting_text": 100, "attendees": 1}
    meeting, shown, data, url = editing
    data["lead"] = "い" * 90
    html = client.post(url, data).content.decode()
    assert "1つの会議の本文は合計100字までです" in html
    assert "出席者は1つの会議で1人までです(現在2人)" in html
    meeting.refresh_from_db()
    assert meeting.version == 1


def test_the_lead_has_a_cap(client, editing):
    meeting, shown, data, url = editing
    data["lead"] = "う" * 1_001
    html = client.post(url, data).content.decode()
    assert "1,000字までにしてください(1001字)" in html


def test_an_incident_summary_over_its_cap_is_refused(client, editor):
    client.force_login(editor)
    summary = "え" * 4_001
    response = client.post(
        reverse("incidents_staff:create"),
        {
            "title": "台風第14号",
            "category": "weather",
            "status": "active",
            "started_at": "2024-09-01T10:00",
            "public_summary": summary,
            "is_public": "on",
        },
    )
    html = response.content.decode()
    assert "4,000字までにしてください(4001字)" in html
    assert summary in html
    assert not Incident.objects.exists()


def test_items_over_the_meeting_cap_are_refused(client, editing, settings):
    settings.MEETING_LIMITS = {"items": 1}
    meeting, shown, data, url = editing
    data[_item_key(shown)] = "・一つ目\n・二つ目"  # pasted: two items
    html = client.post(url, data).content.decode()
    assert "項目は1つの会議で1件までです(現在2件)" in html
    assert "・二つ目" in html
    meeting.refresh_from_db()
    assert meeting.version == 1


def test_the_services_refuse_text_over_the_limits_too(editor):
    """The importer and anything else that creates meetings get the same limits."""
    from django.core.exceptions import ValidationError

    from meetings import services
    from tests.factories import meeting_data

    data = meeting_data()
    data["sections"][0]["items"][0]["text"] = "お" * 2_001
    with pytest.raises(ValidationError) as refused:
        services.meeting_create_from_data(data=data, user=editor)
    assert "1つの項目は2,000字までです" in " ".join(refused.value.messages)
    assert not Meeting.objects.exists()


def test_the_import_page_refuses_an_oversized_item_with_a_message(client, editor):
    client.force_login(editor)
    text = (
        "危機管理連絡会議の開催結果について(令和4年6月20日)\n"
        "1 日時:令和4年6月20日(月)17:30~17:45\n2 場所:万代庁舎3階特別会議室\n"
        "4 協議概要:「テスト」について\n■危機管理政策課から説明\n・" + "か" * 2_500
    )
    response = client.post(
        reverse("importer:paste"), {"text": text, "action": "save", "choice": "0"}
    )
    html = response.content.decode()
    assert "下書きを保存できませんでした" in html
    assert "1つの項目は2,000字までです(現在2,500字)" in html
    assert not Meeting.objects.exists()


def test_rows_beyond_the_old_cut_off_get_the_limit_message(client, editing, settings):
    """450 items in one section: all are read (none cut silently) and refused."""
    settings.MEETING_LIMITS = {"items": 420}
    meeting, shown, data, url = editing
    section = shown.sections[0]
    for n in range(450):
        data[f"s-{section.key}-items"].append(f"r{n}")
        data.update({f"i-r{n}-marker": "・", f"i-r{n}-text": f"項目{n}"})
    html = client.post(url, data).content.decode()
    assert "項目は1つの会議で420件までです(現在451件)" in html
    assert "項目449" in html  # the last row typed is shown again
    meeting.refresh_from_db()
    assert meeting.version == 1
