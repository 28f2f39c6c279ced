"""Every shape of a real page (FORMAT.md) is held by the model and rendered back."""

from __future__ import annotations

from datetime import date
from http import HTTPStatus

import pytest
from django.urls import reverse

from meetings import layout
from meetings.models import Meeting
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def _text(meeting: Meeting) -> str:
    return layout.render_text(
        layout.meeting_data(Meeting.objects.with_parts().get(pk=meeting.pk))
    )


def _lines(meeting: Meeting) -> list[str]:
    return [line.strip() for line in _text(meeting).splitlines() if line.strip()]


SHAPES = [
    # (name, overrides, lines expected in the rendering)
    (
        "title with a topic and no posting date",
        {
            "title": "危機管理連絡会議の開催結果について(熊本県における高病原性鳥インフルエンザ疑い事例の発生について)"
        },
        [
            "危機管理連絡会議の開催結果について(熊本県における高病原性鳥インフルエンザ疑い事例の発生について)"
        ],
    ),
    (
        "posting date the day after a late meeting",
        {
            "held_on": "2023-01-10",
            "published_on": "2023-01-11",
            "start_time": "22:30",
            "end_time": "23:15",
        },
        ["2023年1月11日", "1 日時:令和5年1月10日(火)22:30～23:15"],
    ),
    (
        "era boundary 元年",
        {"held_on": "2019-05-01"},
        ["1 日時:令和元年5月1日(水)17:30～17:45"],
    ),
    (
        "Heisei date",
        {
            "held_on": "2014-04-13",
            "start_time": "14:00",
            "end_time": "14:15",
            "separator": "、",
        },
        ["1 日時:平成26年4月13日(日)14:00～14:15"],
    ),
    (
        "open-ended start in the afternoon",
        {"start_time": "13:30", "end_time": None},
        ["1 日時:令和6年5月10日(金)13:30～"],
    ),
    (
        "meeting starting after midnight",
        {"start_time": "00:40", "end_time": "01:10"},
        ["1 日時:令和6年5月10日(金)0:40～1:10"],
    ),
    (
        "written meeting without a place",
        {"mode": "written", "location": "", "start_time": None, "end_time": None},
        ["2 場所:※書面開催"],
    ),
    (
        "online meeting",
        {"mode": "online", "location": "Zoom会議"},
        ["2 場所:Zoom会議"],
    ),
    (
        "tail with ほか and 人",
        {
            "attendee_tail": "各部局主管課副課長ほか",
            "attendee_total": 21,
            "attendee_unit": "人",
            "separator": "、",
        },
        ["3 出席者:危機管理部副部長、危機管理政策課長、各部局主管課副課長ほか計21人"],
    ),
    (
        "no stated total",
        {"attendee_tail": "各部局主管課長", "attendee_total": None},
        ["3 出席者:危機管理部副部長,危機管理政策課長,各部局主管課長"],
    ),
    (
        "dual posts, role notes and outside bodies with parentheses",
        {
            "attendees": [
                "知事(本部長)",
                "政策監補兼危機管理環境部長",
                "福井副知事",
                "四国電力(株)",
            ],
            "attendee_tail": "",
            "attendee_total": 25,
            "separator": "、",
        },
        [
            "3 出席者:知事(本部長)、政策監補兼危機管理環境部長、福井副知事、四国電力(株) 計25名"
        ],
    ),
    (
        "several agenda topics with markers",
        {
            "agenda": ["気象の状況", "県内の状況", "その他"],
            "agenda_markers": ["(1)", "(2)", "(4)"],
        },
        ["4 協議概要:", "(1)気象の状況", "(2)県内の状況", "(4)その他"],
    ),
    (
        "session numbers",
        {
            "meeting_type": "災害対策本部会議",
            "session_number": 11,
            "cumulative_number": 30,
        },
        ["災害対策本部会議(第11回(通算第30回))の開催結果について(令和6年5月10日)"],
    ),
    (
        "section with topic in the header and a report without items",
        {
            "sections": [
                {
                    "kind": "explanation",
                    "speaker": "徳島地方気象台",
                    "topic": "「今後の気温の見通し」について",
                    "group": "main",
                    "items": [],
                },
                {
                    "kind": "report",
                    "speaker": "各部局",
                    "heading": "各部局から、本事案に対する取組について報告を受けた。",
                    "group": "main",
                    "items": [],
                },
            ]
        },
        [
            "■徳島地方気象台から,「今後の気温の見通し」について説明",
            "■各部局から、本事案に対する取組について報告を受けた。",
        ],
    ),
    (
        "directive first, a second directive and a directive sub-header",
        {
            "sections": [
                {
                    "kind": "directive",
                    "speaker": "知事",
                    "recipients": "各部局",
                    "group": "main",
                    "items": [
                        {"marker": "・", "text": "万全を期すこと。", "children": []}
                    ],
                },
                {
                    "kind": "explanation",
                    "speaker": "農林水産部",
                    "group": "main",
                    "items": [],
                },
                {
                    "kind": "directive",
                    "speaker": "危機管理部",
                    "heading": "最後に、危機管理部から、次のとおり各部局に指示した。",
                    "group": "main",
                    "items": [
                        {
                            "marker": "",
                            "text": "【副部長指示事項】",
                            "children": [
                                {
                                    "marker": "・",
                                    "text": "全力を尽くすこと。",
                                    "children": [],
                                }
                            ],
                        },
                    ],
                },
            ]
        },
        [
            "■知事から,次のとおり各部局に指示",
            "・万全を期すこと。",
            "■最後に、危機管理部から、次のとおり各部局に指示した。",
            "【副部長指示事項】",
            "・全力を尽くすこと。",
        ],
    ),
    (
        "paragraph directive of a headquarters meeting",
        {
            "sections": [
                {
                    "kind": "directive",
                    "speaker": "本部長",
                    "heading": "本部長指示(要旨)",
                    "group": "main",
                    "items": [
                        {
                            "marker": "○",
                            "text": "まず1点目、県民の皆様に注意をお願いしたい。",
                            "children": [],
                        },
                        {
                            "marker": "",
                            "text": "特に夜間早朝の外出に注意していただきたい。",
                            "children": [],
                        },
                    ],
                },
            ]
        },
        [
            "■本部長指示(要旨)",
            "○まず1点目、県民の皆様に注意をお願いしたい。",
            "特に夜間早朝の外出に注意していただきたい。",
        ],
    ),
    (
        "item markers of every kind",
        {
            "sections": [
                {
                    "kind": "explanation",
                    "speaker": "危機管理政策課",
                    "group": "main",
                    "items": [
                        {"marker": m, "text": f"{n}番目", "children": []}
                        for n, m in enumerate(
                            ["・", "○", "●", "•", "①", "(1)", "⑴", "1.", "-", ""]
                        )
                    ],
                },
            ]
        },
        [
            "・0番目",
            "○1番目",
            "●2番目",
            "•3番目",
            "①4番目",
            "(1)5番目",
            "⑴6番目",
            "1.7番目",
            "-8番目",
            "9番目",
        ],
    ),
    (
        "contact with fax, e-mail and persons in charge",
        {
            "contact": {
                "name": "危機管理政策課",
                "phone": "088-621-2280",
                "fax": "088-621-2849",
                "email": "kikikanri@example.lg.jp",
                "note": "担当 徳島、鳴門",
            }
        },
        [
            "お問い合わせ",
            "危機管理政策課",
            "電話:088-621-2280",
            "FAX:088-621-2849",
            "メール:kikikanri@example.lg.jp",
            "担当 徳島、鳴門",
        ],
    ),
    (
        "prose that could not be structured is kept",
        {
            "unparsed": [
                "○司会 ただいまから会議を始めます。",
                "○知事 よろしくお願いします。",
            ]
        },
        ["○司会 ただいまから会議を始めます。", "○知事 よろしくお願いします。"],
    ),
    (
        "a drill",
        {"is_drill": True},
        ["【訓練】"],
    ),
]


@pytest.mark.parametrize(
    ("name", "overrides", "expected"), SHAPES, ids=[s[0] for s in SHAPES]
)
def test_each_real_page_shape_is_stored_and_rendered_back(name, overrides, expected):
    meeting = make_meeting(**overrides)
    lines = _lines(meeting)
    position = -1
    for line in expected:
        assert line in lines, f"{line!r} missing from {lines!r}"
        assert lines.index(line) > position or expected.count(line) > 1
        position = lines.index(line)


def test_renamed_department_resolves_by_meeting_date():
    from meetings.demo import load_master_data
    from meetings.services import organisation_resolve

    load_master_data()
    old = organisation_resolve(name="危機管理部", on=date(2014, 4, 13))
    new = organisation_resolve(name="危機管理部", on=date(2025, 4, 23))
    middle = organisation_resolve(name="危機管理環境部", on=date(2022, 6, 20))
    assert old.valid_until.year == 2020 and new.valid_from.year == 2024
    assert old != new and middle.valid_from.year == 2020


@pytest.mark.usefixtures("shared_demo")  # the demo, loaded once for all such tests
def test_admin_pages_for_the_seed_meeting_open(client, admin_user, seed_meeting):
    client.force_login(admin_user)
    section = seed_meeting.sections.first()
    for url in [
        reverse("admin:meetings_meeting_changelist"),
        reverse("admin:meetings_meeting_change", args=[seed_meeting.pk]),
        reverse("admin:meetings_section_change", args=[section.pk]),
        reverse("admin:meetings_organisation_changelist"),
        reverse("admin:meetings_meetingtype_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
    change = client.get(
        reverse("admin:meetings_meeting_change", args=[seed_meeting.pk])
    )
    assert "警察本部生活安全部生活環境課サイバー犯罪対策官" in change.content.decode()


def test_admin_cannot_enter_meetings_the_staff_editor_does(client, admin_user):
    """Meetings are entered in the staff editor (meetings.services records each save);
    the admin shows them only (see tests/meetings/test_audit_trail.py)."""
    client.force_login(admin_user)
    response = client.get(reverse("admin:meetings_meeting_add"))
    assert response.status_code == HTTPStatus.FORBIDDEN
