"""Demo incidents of the seed: the hospital ransomware attack and the avian-influenza alert."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from incidents.models import Incident, IncidentLink
from meetings import demo_data
from meetings.models import Meeting

TOKYO = ZoneInfo("Asia/Tokyo")
RANSOMWARE_ID = uuid.UUID("1c1d0000-2022-4619-8000-000000000001")
AVIAN_ID = uuid.UUID("1c1d0000-2021-4b10-8000-000000000002")


def load() -> None:
    seed = Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)
    ransomware, _ = Incident.objects.get_or_create(
        public_id=RANSOMWARE_ID,
        defaults={
            "title": "県内医療機関(鳴門山上病院)でのサイバー攻撃事案",
            "category": Incident.Category.CYBER,
            "status": Incident.Status.MONITORING,
            "started_at": datetime(2022, 6, 19, 17, 40, tzinfo=TOKYO),
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
            "started_at": datetime(2021, 11, 10, 9, 0, tzinfo=TOKYO),
            "public_summary": "鳥インフルエンザ・とくしまアラートの発動と、県内外の発生への対応。",
        },
    )
    main_sections = seed.sections.filter(group="main")
    other_sections = seed.sections.filter(group="other_reports")
    IncidentLink.objects.get_or_create(
        incident=ransomware, meeting=seed, agenda_item=None, section=None
    )
    for section in main_sections:
        IncidentLink.objects.get_or_create(
            incident=ransomware, meeting=seed, section=section
        )
    IncidentLink.objects.get_or_create(
        incident=avian, meeting=seed, agenda_item=None, section=None
    )
    for section in other_sections:
        IncidentLink.objects.get_or_create(
            incident=avian, meeting=seed, section=section
        )
    for public_id in (
        "5eed0000-2021-4c28-8000-000000000002",
        "5eed0000-2023-4111-8000-000000000003",
    ):
        meeting = Meeting.objects.filter(public_id=public_id).first()
        if meeting is not None:
            IncidentLink.objects.get_or_create(
                incident=avian, meeting=meeting, agenda_item=None, section=None
            )
