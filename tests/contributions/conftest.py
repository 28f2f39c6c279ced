"""Departments, their editors and a draft meeting asking them for sections."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import DepartmentMembership
from meetings import demo_data, permissions, services
from meetings.contributions import services as contributions
from meetings.models import Meeting, Organisation

DEPARTMENTS = ["医療政策課", "警察本部", "病院局総務課", "スマート県庁推進課"]


def seed_without_departments() -> dict:
    """The seed meeting's data without the four departments' sections: what the
    coordinator has before the departments write."""
    data = copy.deepcopy(demo_data.SEED)
    data["sections"] = [
        s for s in data["sections"] if s.get("speaker") not in DEPARTMENTS
    ]
    data.pop("status", None)
    return data


def department_user(django_user_model, username: str, department: Organisation):
    user = django_user_model.objects.create_user(
        username=username, password="pw-" + username
    )
    user.groups.add(Group.objects.get_or_create(name=permissions.EDITOR)[0])
    DepartmentMembership.objects.create(user=user, organisation=department)
    return user


@pytest.fixture
def departments(db) -> dict[str, Organisation]:
    return {
        name: Organisation.objects.get_or_create(
            name=name, valid_from=None, defaults={"kind": "division"}
        )[0]
        for name in [*DEPARTMENTS, "危機管理政策課", "畜産振興課"]
    }


@pytest.fixture
def writers(django_user_model, departments) -> dict[str, object]:
    return {
        name: department_user(django_user_model, f"writer{n}", departments[name])
        for n, name in enumerate(DEPARTMENTS)
    }


@pytest.fixture
def coordinator(editor):
    """An editor without a department: the coordinating division."""
    return editor


@pytest.fixture
def meeting(db, coordinator) -> Meeting:
    return services.meeting_create_from_data(
        data=seed_without_departments(), user=coordinator
    )


@pytest.fixture
def asked(meeting, coordinator, departments):
    return contributions.contribution_request_create(
        meeting=meeting,
        user=coordinator,
        organisations=[departments[name] for name in DEPARTMENTS],
        due_at=timezone.now() + timedelta(hours=3),
        note="明日の会議の説明内容をお願いします。",
    )


def seed_section(name: str) -> dict:
    return copy.deepcopy(
        next(s for s in demo_data.SEED_SECTIONS if s.get("speaker") == name)
    )
