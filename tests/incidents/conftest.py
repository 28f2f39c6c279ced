"""Builders for incident tests: incidents, meetings with directives, alert schemes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.models import AlertLevel, AlertScheme, Incident
from meetings.models import Meeting
from tests.factories import make_meeting

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The named users of tests/conftest.py get real passwords; PBKDF2 costs ~0.5 s
    # per user, which dominates these tests. Nothing here tests password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def make_incident(**overrides) -> Incident:
    values = {
        "title": "テスト事案",
        "category": Incident.Category.OTHER,
        "started_at": at(2024, 5, 1, 9, 0),
    }
    values.update(overrides)
    return Incident.objects.create(**values)


def directive_section(*texts: str, speaker: str = "危機管理部副部長") -> dict:
    return {
        "kind": "directive",
        "speaker": speaker,
        "recipients": "各部局",
        "group": "main",
        "items": [{"marker": "・", "text": t, "children": []} for t in texts],
    }


def report_section(speaker: str, *texts: str) -> dict:
    return {
        "kind": "report",
        "speaker": speaker,
        "group": "main",
        "items": [{"marker": "・", "text": t, "children": []} for t in texts],
    }


def make_directive_meeting(*texts: str, status: str = "draft", **overrides) -> Meeting:
    """A meeting whose last section is a directive with ``texts`` as its items."""
    texts = texts or ("指示その1を行うこと。", "指示その2を行うこと。")
    sections = overrides.pop(
        "sections", [report_section("危機管理政策課", "状況の説明。")]
    )
    return make_meeting(
        status=status, sections=[*sections, directive_section(*texts)], **overrides
    )


def directive_items(meeting: Meeting) -> list:
    section = meeting.sections.get(kind="directive")
    return list(section.items.filter(parent=None).order_by("order"))


@pytest.fixture
def scheme(db) -> AlertScheme:
    scheme = AlertScheme.objects.create(name="鳥インフルエンザ・とくしまアラート")
    for rank, (name, note) in enumerate(
        [
            ("平常時", "感染観察"),
            ("ステージⅠ", ""),
            ("ステージⅡ", "感染拡大注意報"),
            ("ステージⅢ", "感染拡大警報"),
        ]
    ):
        AlertLevel.objects.create(scheme=scheme, rank=rank, name=name, note=note)
    return scheme


def level(scheme: AlertScheme, name: str) -> AlertLevel:
    return scheme.levels.get(name=name)
