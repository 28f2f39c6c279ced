"""Headings as written: a section keeps its own mark (■ ● ◆ ○ 【】 or none), and a
sub-heading level ((1)…, (概要)) inside a section, with its items nested under it.
One structure for the model, the layout (page, PDF, text), the API and the importer."""

from __future__ import annotations

import copy
from http import HTTPStatus

import pytest
from django.urls import reverse

from meetings import layout, markers, pdf
from meetings.api import records
from meetings.forms import Editor, following_item, split_heading_marker
from meetings.importer import parse_page
from meetings.models import Item, Meeting, Section
from tests.factories import editor_post, make_meeting, meeting_data
from tests.meetings.pdf_helpers import compact, pdf_text

SECTIONS = [
    {
        "kind": "report",
        "speaker": "危機管理部",
        "topic": "年末年始の危機事象対応について",
        "heading": "年末年始の危機事象対応について",
        "marker": "●",
        "group": "main",
        "items": [
            {
                "marker": "(1)",
                "text": "危機管理部からの報告",
                "heading": True,
                "children": [
                    {
                        "marker": "・",
                        "text": "連絡体制を確認すること。",
                        "children": [],
                    },
                    {"marker": "・", "text": "大雪に備えること。", "children": []},
                ],
            },
            {
                "marker": "(2)",
                "text": "鳥インフルエンザへの備え",
                "heading": True,
                "children": [
                    {"marker": "・", "text": "初動体制を確認すること。", "children": []}
                ],
            },
        ],
    },
    {
        "kind": "other",
        "speaker": None,
        "topic": "放射性物質を含む災害廃棄物の広域処理について",
        "marker": "●",
        "group": "main",
        "items": [
            {
                "marker": "",
                "text": "(概要)",
                "heading": True,
                "children": [
                    {"marker": "・", "text": "協力の要請があった。", "children": []},
                    {"marker": "・", "text": "情報交換を行っている。", "children": []},
                ],
            }
        ],
    },
    {
        "kind": "explanation",
        "speaker": "警察本部",
        "marker": "【】",
        "group": "main",
        "items": [{"marker": "・", "text": "注意喚起を行う。", "children": []}],
    },
    {
        "kind": "explanation",
        "speaker": "畜産振興課",
        "marker": "",
        "group": "main",
        "items": [{"marker": "・", "text": "防疫措置を完了した。", "children": []}],
    },
    {
        "kind": "directive",
        "speaker": "政策監",
        "recipients": "各部局",
        "group": "main",
        "items": [{"marker": "・", "text": "即応体制を確保すること。", "children": []}],
    },
]


def headed_data() -> dict:
    return meeting_data(
        meeting_type="危機管理会議",
        held_on="2012-12-26",
        separator="、",
        sections=copy.deepcopy(SECTIONS),
    )


def body_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("4 協議概要"))
    end = lines.index("お問い合わせ")
    return [
        line for line in lines[start + 1 : end] if line.strip() and ".pdf(" not in line
    ]


EXPECTED_BODY = [
    "●年末年始の危機事象対応について",
    "(1)危機管理部からの報告",
    "  ・連絡体制を確認すること。",
    "  ・大雪に備えること。",
    "(2)鳥インフルエンザへの備え",
    "  ・初動体制を確認すること。",
    "●放射性物質を含む災害廃棄物の広域処理について",
    "(概要)",
    "  ・協力の要請があった。",
    "  ・情報交換を行っている。",
    "【警察本部から説明】",
    "・注意喚起を行う。",
    "畜産振興課から説明",
    "・防疫措置を完了した。",
    "■政策監から、次のとおり各部局に指示",
    "・即応体制を確保すること。",
]


def test_plain_text_prints_each_heading_with_its_own_mark_and_sub_headings():
    assert body_lines(layout.render_text(headed_data())) == EXPECTED_BODY


def test_the_plain_text_reads_back_to_the_same_structure():
    data = headed_data()
    [again] = parse_page(layout.render_text(data))
    assert again["sections"] == [
        {
            "recipients": None,
            "topic": None,
            "topic_heading": False,
            "heading": None,
            "agenda_index": None,
            **section,
        }
        for section in data["sections"]
    ]
    # ... and what was read back renders the same text again.
    assert body_lines(layout.render_text(again)) == EXPECTED_BODY


@pytest.mark.django_db
def test_stored_meeting_keeps_marks_and_sub_headings():
    meeting = make_meeting(**headed_data())
    sections = list(meeting.sections.order_by("order"))
    assert [s.marker for s in sections] == ["●", "●", "【】", "", "■"]
    headings = Item.objects.filter(section__meeting=meeting, is_heading=True)
    assert sorted(i.text for i in headings) == [
        "(概要)",
        "危機管理部からの報告",
        "鳥インフルエンザへの備え",
    ]
    under = Item.objects.get(text="危機管理部からの報告").children.order_by("order")
    assert [i.text for i in under] == ["連絡体制を確認すること。", "大雪に備えること。"]
    data = layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    assert body_lines(layout.render_text(data)) == EXPECTED_BODY
    # A ■ heading adds no key: the data of existing meetings is unchanged.
    assert "marker" not in data["sections"][4]


@pytest.mark.django_db
def test_a_section_saved_without_a_mark_is_a_square_heading():
    meeting = make_meeting()  # the factory's section names no marker
    assert meeting.sections.get().marker == markers.DEFAULT_HEADING_MARKER
    assert Section._meta.get_field("marker").default == "■"
    assert Item._meta.get_field("is_heading").default is False


def test_web_page_shows_marks_verbatim_and_sub_headings_as_headings():
    from meetings import services

    html = services.render_public_html(layout.public_data(headed_data()))
    assert "●年末年始の危機事象対応について</h2>" in html
    assert "■●" not in html
    assert "【警察本部から説明】</h2>" in html
    assert '<h2 class="kk-section-heading">畜産振興課から説明</h2>' in html
    assert (
        '<h3 class="kk-subheading"><span class="kk-marker">(1)</span>'
        "危機管理部からの報告</h3>" in html
    )
    assert (
        '<h3 class="kk-subheading"><span class="kk-marker"></span>(概要)</h3>' in html
    )
    # The items under a sub-heading are a list inside it.
    after = html.split("危機管理部からの報告</h3>", 1)[1]
    assert after.startswith('<ul class="kk-items">')


@pytest.mark.real_pdf
def test_official_pdf_prints_the_marks_as_written():
    content = pdf.render_meeting_pdf(layout.public_data(headed_data()))
    text = compact(pdf_text(content))
    for line in EXPECTED_BODY:
        assert compact(line) in text, line
    assert "■●" not in text


def test_withheld_sub_heading_is_one_placeholder_line():
    data = headed_data()
    data["sections"][0]["items"][0]["withheld"] = {
        "reason": "r",
        "name": "公共安全情報",
        "article": "第10条第3号",
        "citation": "",
        "placeholder": "(非公開)",
        "note": "",
    }
    public = layout.public_data(data)
    [placeholder, second] = public["sections"][0]["items"]
    assert placeholder["placeholder"] and "heading" not in placeholder
    assert placeholder["children"] == []
    assert second["heading"] is True


# ---------------------------------------------------------------------------
# API records
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_record_has_the_heading_mark_and_sub_headings_and_rebuilds_the_text(
    approver,
):
    from meetings import services

    meeting = make_meeting(status="review", **headed_data())
    services.meeting_publish(meeting=meeting, user=approver)
    meeting = records.published_meetings().get(pk=meeting.pk)
    record = records.meeting_record(meeting)
    assert [s["heading_marker"] for s in record["sections"]] == [
        "●",
        "●",
        "【】",
        "",
        "■",
    ]
    first = record["sections"][0]["items"][0]
    assert (first["marker"], first["text"], first["is_heading"]) == (
        "(1)",
        "危機管理部からの報告",
        True,
    )
    assert first["children"][0]["is_heading"] is False
    rebuilt = layout.render_text(records.record_layout_data(record))
    assert body_lines(rebuilt) == EXPECTED_BODY


# ---------------------------------------------------------------------------
# The editor
# ---------------------------------------------------------------------------


def test_a_mark_typed_at_the_start_of_a_verbatim_heading_is_its_marker():
    assert split_heading_marker("●放射性物質について", "■") == (
        "●",
        "放射性物質について",
    )
    assert split_heading_marker("【副部長指示事項】", "■") == ("【】", "副部長指示事項")
    assert split_heading_marker("放射性物質について", "◆") == (
        "◆",
        "放射性物質について",
    )
    assert split_heading_marker("", "") == ("", "")


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ("(1)", "(2)"),
        ("(9)", "(10)"),
        ("1.", "2."),
        ("\uff08\uff11\uff09", "\uff08\uff12\uff09"),
        ("\uff13\uff0e", "\uff14\uff0e"),
        ("①", "②"),
        ("⑴", "⑵"),
        ("ア", "イ"),
        ("(ア)", "(イ)"),
        ("・", "・"),
        ("○", "○"),
        ("(概要)", "(概要)"),
    ],
)
def test_the_next_marker_counts_on(marker, expected):
    assert markers.next_marker(marker) == expected


def test_enter_after_a_sub_heading_offers_its_first_item_and_after_1_offers_2():
    assert following_item({"marker": "(1)", "depth": 0}) == {
        "marker": "(2)",
        "depth": 0,
    }
    assert following_item({"marker": "(1)", "depth": 0, "is_heading": True}) == {
        "marker": "・",
        "depth": 1,
    }
    assert following_item({"marker": "", "depth": 2}) == {"marker": "・", "depth": 2}


@pytest.mark.django_db
def test_editor_saves_a_marked_heading_verbatim_and_a_sub_heading(client, editor):
    meeting = make_meeting(user=editor)
    meeting = Meeting.objects.with_parts().get(pk=meeting.pk)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    section_key = data["sections"][0]
    first = data[f"s-{section_key}-items"][0]
    assert data[f"s-{section_key}-marker"] == "■"
    data[f"s-{section_key}-heading"] = "●放射性物質を含む災害廃棄物の広域処理について"
    data[f"i-{first}-marker"] = "(1)"
    data[f"i-{first}-text"] = "危機管理部からの報告"
    data[f"i-{first}-is_heading"] = "on"
    data[f"s-{section_key}-items"].append("n1")
    data.update({"i-n1-text": "連絡体制を確認すること。", "i-n1-marker": "・"})
    data["i-n1-depth"] = "1"

    response = client.post(reverse("staff:edit", args=[meeting.pk]), data)

    assert response.status_code == HTTPStatus.FOUND
    section = Meeting.objects.get(pk=meeting.pk).sections.get()
    assert (section.marker, section.heading) == (
        "●",
        "放射性物質を含む災害廃棄物の広域処理について",
    )
    heading = section.items.get(parent=None)
    assert (heading.marker, heading.is_heading) == ("(1)", True)
    assert [i.text for i in heading.children.all()] == ["連絡体制を確認すること。"]
    preview = client.get(reverse("staff:preview", args=[meeting.pk])).content.decode()
    assert "●放射性物質を含む災害廃棄物の広域処理について" in preview
    assert "■●" not in preview
    # The editor shows the stored mark and the sub-heading again.
    page = client.get(reverse("staff:edit", args=[meeting.pk])).content.decode()
    assert (
        f'name="i-{heading_key(heading)}-is_heading" class="form-check-input" ' in page
    )
    assert '<option value="●" selected>' in page


def heading_key(item: Item) -> str:
    return f"p{item.pk}"


@pytest.mark.django_db
def test_enter_without_javascript_after_1_adds_2(client, editor):
    meeting = make_meeting(user=editor)
    meeting = Meeting.objects.with_parts().get(pk=meeting.pk)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    section_key = data["sections"][0]
    first = data[f"s-{section_key}-items"][0]
    data[f"i-{first}-marker"] = "(1)"
    page = client.post(
        reverse("staff:edit", args=[meeting.pk]), {**data, "op": f"add:i:{first}"}
    )
    added = page.context["editor"].sections[0].items[1]
    assert added.form.initial["marker"] == "(2)"
    data[f"i-{first}-is_heading"] = "on"
    page = client.post(
        reverse("staff:edit", args=[meeting.pk]), {**data, "op": f"add:i:{first}"}
    )
    added = page.context["editor"].sections[0].items[1]
    assert (added.form.initial["marker"], added.form.initial["depth"]) == ("・", 1)


@pytest.mark.django_db
def test_editor_page_reads_its_marks_from_the_one_list(client, editor):
    import html as html_lib
    import json
    import re

    meeting = make_meeting(user=editor)
    client.force_login(editor)
    page = client.get(reverse("staff:edit", args=[meeting.pk])).content.decode()
    found = re.search(r'data-markers="([^"]*)"', page)
    assert found
    data = json.loads(html_lib.unescape(found[1]))
    assert data["heading"] == [m for m in markers.HEADING_MARKERS if m]
    assert data["series"] == list(markers.MARKER_SERIES)
    assert data["counted"] == markers.COUNTED_PATTERN
    for mark in markers.ITEM_MARKER_SUGGESTIONS:
        assert f'<option value="{mark}">' in page
