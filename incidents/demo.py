"""Demo incidents of the seed, their alert levels and directive follow-up (idempotent).

- The hospital ransomware attack (seed meeting 2022-06-20, main sections) with the
  seed's four directives assigned to departments, their progress, and a published
  follow-up meeting (2022-07-20) whose sections report back on two of them.
- The avian-influenza alert (鳥インフルエンザ・とくしまアラート): raised to ステージⅡ
  at the 2021-12-28 危機管理会議, lowered to 平常時 at the seed meeting, as its
  (その他報告事項) section reports.
- A drill (訓練) incident with a published drill meeting, so that drill labels show.
"""

# ruff: noqa: E501

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from incidents import services
from incidents.models import (
    AlertChange,
    AlertLevel,
    AlertScheme,
    DirectiveAssignment,
    Incident,
    IncidentLink,
)
from meetings import demo_data
from meetings.models import Item, Meeting, Organisation, Section

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKYO = ZoneInfo("Asia/Tokyo")
RANSOMWARE_ID = uuid.UUID("1c1d0000-2022-4619-8000-000000000001")
AVIAN_ID = uuid.UUID("1c1d0000-2021-4b10-8000-000000000002")
DRILL_ID = uuid.UUID("1c1d0000-2022-4b05-8000-000000000003")
KIKI_KANRI_2021_ID = "5eed0000-2021-4c28-8000-000000000002"
AVIAN_2023_ID = "5eed0000-2023-4111-8000-000000000003"
FOLLOW_UP_ID = "5eed0000-2022-4720-8000-000000000006"
DRILL_MEETING_ID = "5eed0000-2022-4b05-8000-000000000007"

AVIAN_SCHEME = "鳥インフルエンザ・とくしまアラート"
# Stages lowest first: (name, what the prefecture calls it). The name of ステージⅠ is
# not in the pages we hold, so it carries none.
AVIAN_LEVELS = [
    ("平常時", "感染観察"),
    ("ステージⅠ", ""),
    ("ステージⅡ", "感染拡大注意報"),
    ("ステージⅢ", "感染拡大警報"),
    ("ステージⅣ", "特別警報"),
]

FOLLOW_UP_MEETING = {
    "public_id": FOLLOW_UP_ID,
    "meeting_type": "危機管理連絡会議",
    "held_on": "2022-07-20",
    "published_on": "2022-07-20",
    "start_time": "17:30",
    "end_time": "17:50",
    "mode": "in_person",
    "location": "万代庁舎3階特別会議室",
    "lead": "以下のとおり,危機管理連絡会議を開催いたしましたので,お知らせいたします。",
    "separator": ",",
    "attendees": [
        "危機管理環境部副部長",
        "危機管理環境部次長",
        "危機管理政策課長",
        "医療政策課長",
        "スマート県庁推進課長",
    ],
    "attendee_tail": "各部局主管課副課長など",
    "attendee_total": 21,
    "attendee_unit": "名",
    "agenda": ["「県内医療機関でのサイバー攻撃事案」に係る取組状況について"],
    "agenda_markers": [""],
    "sections": [
        {
            "kind": "report",
            "speaker": "医療政策課",
            "group": "main",
            "agenda_index": 0,
            "items": [
                {
                    "marker": "・",
                    "text": "6月20日の副部長指示を踏まえ、鳴門山上病院と連携し、システム復旧と診療体制の確保を支援してきた。",
                    "children": [],
                },
                {
                    "marker": "・",
                    "text": "電子カルテシステムはバックアップデータからの復旧を終え、外来診療は通常の体制に戻っている。",
                    "children": [],
                },
            ],
        },
        {
            "kind": "report",
            "speaker": "スマート県庁推進課",
            "group": "main",
            "agenda_index": 0,
            "items": [
                {
                    "marker": "・",
                    "text": "6月20日の副部長指示事項を踏まえ、各部局が所管する情報システムのセキュリティ対策の再確認を行った。",
                    "children": [],
                },
                {
                    "marker": "・",
                    "text": "再確認の結果、対策が不十分なシステムについては、所管部局と連携して改善を進めている。",
                    "children": [],
                },
            ],
        },
        {
            "kind": "directive",
            "speaker": "危機管理環境部副部長",
            "recipients": "各部局",
            "group": "main",
            "items": [
                {
                    "marker": "・",
                    "text": "引き続き、所管システムのセキュリティ対策の徹底と、職員への注意喚起を図ること。",
                    "children": [],
                },
            ],
        },
    ],
    "contact": {"name": "危機管理政策課", "phone": "088-621-2280"},
    "status": "published",
}

DRILL_MEETING = {
    "public_id": DRILL_MEETING_ID,
    "meeting_type": "災害対策本部会議",
    "is_drill": True,
    "title": "災害対策本部会議(南海トラフ巨大地震対応訓練)の開催結果について",
    "held_on": "2022-11-05",
    "published_on": "2022-11-05",
    "start_time": "9:30",
    "end_time": "10:00",
    "location": "県庁3階 防災危機管理センター",
    "lead": "南海トラフ巨大地震の発生を想定し、以下のとおり災害対策本部会議の訓練を実施しました。",
    "separator": "、",
    "attendees": ["知事(本部長)", "副知事", "政策監", "徳島地方気象台"],
    "attendee_tail": "各部局長など",
    "attendee_total": 30,
    "agenda": ["南海トラフ巨大地震(想定)への対応について"],
    "sections": [
        {
            "kind": "report",
            "speaker": "徳島地方気象台",
            "group": "main",
            "items": [
                {
                    "marker": "・",
                    "text": "(想定)紀伊水道沖を震源とするマグニチュード9.0の地震が発生し、県内全域に大津波警報を発表。",
                    "children": [],
                }
            ],
        },
        {
            "kind": "directive",
            "speaker": "本部長",
            "recipients": "各部局",
            "group": "main",
            "items": [
                {
                    "marker": "・",
                    "text": "(訓練)沿岸部の住民の避難状況を速やかに把握し、本部に報告すること。",
                    "children": [],
                }
            ],
        },
    ],
    "contact": {"name": "危機管理政策課", "phone": "088-621-2280"},
    "status": "published",
}


def _at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def _org(name: str) -> Organisation | None:
    return Organisation.objects.filter(name=name).order_by("-valid_from").first()


def _directive_item(
    meeting: Meeting, order: int, section_order: int | None = None
) -> Item:
    sections = meeting.sections.filter(kind=Section.Kind.DIRECTIVE).order_by("order")
    section = sections.get(order=section_order) if section_order else sections.first()
    return Item.objects.select_related("section").get(
        section=section, parent=None, order=order
    )


def _section(meeting: Meeting, speaker: str, kind: str | None = None) -> Section:
    sections = meeting.sections.filter(speaker=speaker)
    if kind:
        sections = sections.filter(kind=kind)
    section = sections.order_by("order").first()
    if section is None:  # the demo meetings are loaded first and hold it
        raise LookupError(f"{meeting}: no section by {speaker}")
    return section


def load_incidents(seed: Meeting) -> tuple[Incident, Incident]:
    ransomware, _ = Incident.objects.get_or_create(
        public_id=RANSOMWARE_ID,
        defaults={
            "title": "県内医療機関(鳴門山上病院)でのサイバー攻撃事案",
            "category": Incident.Category.CYBER,
            "status": Incident.Status.MONITORING,
            "started_at": _at(2022, 6, 19, 17, 40),
            "affected_organisation": "鳴門山上病院",
            "public_summary": "病院内のネットワークがランサムウェアに感染し、電子カルテシステムが使用不能となった事案。",
        },
    )
    avian, _ = Incident.objects.get_or_create(
        public_id=AVIAN_ID,
        defaults={
            "title": "高病原性鳥インフルエンザ(とくしまアラート)",
            "category": Incident.Category.ANIMAL_DISEASE,
            "status": Incident.Status.MONITORING,
            "started_at": _at(2021, 11, 10, 9, 0),
            "public_summary": "鳥インフルエンザ・とくしまアラートの発動と、県内外の発生への対応。",
        },
    )
    IncidentLink.objects.get_or_create(
        incident=ransomware, meeting=seed, agenda_item=None, section=None
    )
    for section in seed.sections.filter(group="main"):
        IncidentLink.objects.get_or_create(
            incident=ransomware, meeting=seed, section=section
        )
    IncidentLink.objects.get_or_create(
        incident=avian, meeting=seed, agenda_item=None, section=None
    )
    for section in seed.sections.filter(group="other_reports"):
        IncidentLink.objects.get_or_create(
            incident=avian, meeting=seed, section=section
        )
    for public_id in (KIKI_KANRI_2021_ID, AVIAN_2023_ID):
        meeting = Meeting.objects.filter(public_id=public_id).first()
        if meeting is not None:
            IncidentLink.objects.get_or_create(
                incident=avian, meeting=meeting, agenda_item=None, section=None
            )
            for section in meeting.sections.filter(speaker="畜産振興課"):
                IncidentLink.objects.get_or_create(
                    incident=avian, meeting=meeting, section=section
                )
    return ransomware, avian


def load_alert_levels(*, avian: Incident, seed: Meeting, editor: User) -> None:
    scheme, _ = AlertScheme.objects.get_or_create(
        name=AVIAN_SCHEME,
        defaults={
            "description": "県内外の高病原性鳥インフルエンザの発生状況に応じて県が発動する警戒段階。"
        },
    )
    for rank, (name, note) in enumerate(AVIAN_LEVELS):
        AlertLevel.objects.get_or_create(
            scheme=scheme, rank=rank, defaults={"name": name, "note": note}
        )
    if AlertChange.objects.filter(incident=avian, scheme=scheme).exists():
        return
    stage_2 = scheme.levels.get(name="ステージⅡ")
    normal = scheme.levels.get(name="平常時")
    kiki_kanri = Meeting.objects.filter(public_id=KIKI_KANRI_2021_ID).first()
    if kiki_kanri is not None:
        services.alert_change_record(
            incident=avian,
            level=stage_2,
            effective_at=_at(2021, 12, 28, 13, 30),
            meeting=kiki_kanri,
            section=_section(kiki_kanri, "畜産振興課"),
            note="香川県での発生を受けて引上げ",
            user=editor,
        )
    services.alert_change_record(
        incident=avian,
        level=normal,
        effective_at=_at(2022, 6, 20, 17, 45),
        meeting=seed,
        section=_section(seed, "畜産振興課"),
        note="環境省の野鳥監視重点区域の解除を受けて引下げ",
        user=editor,
    )


def load_directives(
    *,
    ransomware: Incident,
    avian: Incident,
    seed: Meeting,
    editor: User,
    approver: User,
) -> None:
    if DirectiveAssignment.objects.filter(meeting=seed).exists():
        return
    follow_up_meeting = Meeting.objects.get(public_id=FOLLOW_UP_ID)
    IncidentLink.objects.get_or_create(
        incident=ransomware, meeting=follow_up_meeting, agenda_item=None, section=None
    )
    for section in follow_up_meeting.sections.all():
        IncidentLink.objects.get_or_create(
            incident=ransomware, meeting=follow_up_meeting, section=section
        )

    support = services.directive_assign(
        item=_directive_item(seed, 1),
        organisation=_org("医療政策課"),
        due_on=date(2022, 6, 30),
        incident=ransomware,
        user=editor,
    )
    services.directive_progress_record(
        assignment=support,
        user=editor,
        new_status=DirectiveAssignment.Status.IN_PROGRESS,
        note="病院と毎日連絡を取り、復旧作業の状況を確認している。",
        recorded_at=_at(2022, 6, 21, 10, 0),
    )
    services.directive_progress_record(
        assignment=support,
        user=editor,
        new_status=DirectiveAssignment.Status.DONE,
        note="電子カルテシステムが復旧し、外来診療が通常の体制に戻った。",
        recorded_at=_at(2022, 7, 20, 17, 50),
    )
    services.directive_follow_up_link(
        assignment=support,
        section=_section(follow_up_meeting, "医療政策課"),
        user=editor,
    )

    security = services.directive_assign(
        item=_directive_item(seed, 2),
        all_departments=True,
        due_on=date(2022, 7, 15),
        incident=ransomware,
        user=editor,
    )
    services.directive_progress_record(
        assignment=security,
        user=editor,
        new_status=DirectiveAssignment.Status.IN_PROGRESS,
        note="各部局に所管システムの点検票を配布した。",
        recorded_at=_at(2022, 6, 22, 9, 0),
    )
    services.directive_progress_record(
        assignment=security,
        user=editor,
        new_status=DirectiveAssignment.Status.DONE,
        note="全部局から点検結果の提出を受けた。",
        recorded_at=_at(2022, 7, 15, 16, 0),
    )
    services.directive_follow_up_link(
        assignment=security,
        section=_section(follow_up_meeting, "スマート県庁推進課"),
        note="各部局の点検結果の取りまとめを報告",
        user=editor,
    )

    bcp = services.directive_assign(
        item=_directive_item(seed, 3),
        organisation=_org("スマート県庁推進課"),
        due_on=date(2022, 8, 31),
        incident=ransomware,
        user=editor,
    )
    services.directive_progress_record(
        assignment=bcp,
        user=editor,
        new_status=DirectiveAssignment.Status.IN_PROGRESS,
        note="情報システム停止を想定したBCPの見直しに着手。",
        recorded_at=_at(2022, 7, 1, 15, 0),
    )
    services.directive_assign(
        item=_directive_item(seed, 4),
        all_departments=True,
        due_on=date(2022, 7, 29),
        incident=ransomware,
        user=editor,
    )
    services.directive_assign(
        item=_directive_item(follow_up_meeting, 1),
        all_departments=True,
        incident=ransomware,
        user=editor,
    )

    avian_2023 = Meeting.objects.filter(public_id=AVIAN_2023_ID).first()
    if avian_2023 is not None:
        mobilise = services.directive_assign(
            item=_directive_item(avian_2023, 1),
            organisation=_org("畜産振興課"),
            due_on=date(2023, 1, 11),
            incident=avian,
            user=editor,
        )
        services.directive_progress_record(
            assignment=mobilise,
            user=approver,
            new_status=DirectiveAssignment.Status.CANCELLED,
            note="遺伝子検査が陰性となったため、動員体制の準備を解除。",
            recorded_at=_at(2023, 1, 11, 10, 0),
        )


def load_drill(*, author: User, approver: User) -> None:
    from meetings.demo import load_meeting

    meeting = load_meeting(DRILL_MEETING, author=author, approver=approver)
    drill, _ = Incident.objects.get_or_create(
        public_id=DRILL_ID,
        defaults={
            "title": "南海トラフ巨大地震対応訓練",
            "category": Incident.Category.EARTHQUAKE,
            "status": Incident.Status.CLOSED,
            "is_drill": True,
            "started_at": _at(2022, 11, 5, 9, 0),
            "ended_at": _at(2022, 11, 5, 12, 0),
            "public_summary": "南海トラフ巨大地震の発生を想定した、災害対策本部の運営訓練。",
        },
    )
    IncidentLink.objects.get_or_create(
        incident=drill, meeting=meeting, agenda_item=None, section=None
    )
    if not DirectiveAssignment.objects.filter(meeting=meeting).exists():
        services.directive_assign(
            item=_directive_item(meeting, 1),
            all_departments=True,
            due_on=date(2022, 11, 5),
            incident=drill,
            user=author,
        )


def load_memberships() -> None:
    """Each demo department editor's department (never changes an existing one)."""
    from incidents.models import DepartmentMembership
    from meetings.demo import DEMO_DEPARTMENTS

    User = get_user_model()
    for username, name in DEMO_DEPARTMENTS.items():
        user = User.objects.filter(username=username).first()
        organisation = Organisation.objects.filter(name=name).order_by("pk").first()
        if user is None or organisation is None:
            continue
        DepartmentMembership.objects.get_or_create(
            user=user, defaults={"organisation": organisation}
        )


def load() -> None:
    from meetings.demo import load_meeting

    User = get_user_model()
    editor = User.objects.get(username="editor")
    approver = User.objects.get(username="approver")
    seed = Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)
    load_meeting(FOLLOW_UP_MEETING, author=editor, approver=approver)
    ransomware, avian = load_incidents(seed)
    load_alert_levels(avian=avian, seed=seed, editor=editor)
    load_directives(
        ransomware=ransomware, avian=avian, seed=seed, editor=editor, approver=approver
    )
    load_drill(author=editor, approver=approver)
    load_memberships()
