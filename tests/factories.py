"""Small builders for tests: a meeting from a layout dict with sensible defaults."""

from __future__ import annotations

import copy
from typing import Any

from meetings import services
from meetings.models import Meeting

BASE: dict[str, Any] = {
    "meeting_type": "危機管理連絡会議",
    "held_on": "2024-05-10",
    "start_time": "17:30",
    "end_time": "17:45",
    "location": "万代庁舎3階特別会議室",
    "lead": "以下のとおり,危機管理連絡会議を開催いたしましたので,お知らせいたします。",
    "attendees": ["危機管理部副部長", "危機管理政策課長"],
    "attendee_tail": "各部局主管課副課長など",
    "attendee_total": 20,
    "agenda": ["「テスト事案」について"],
    "sections": [
        {
            "kind": "explanation",
            "speaker": "危機管理政策課",
            "group": "main",
            "items": [{"marker": "・", "text": "テストの説明。", "children": []}],
        }
    ],
    "contact": {"name": "危機管理政策課", "phone": "088-621-2280"},
}


def meeting_data(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(overrides)
    return data


def make_meeting(*, user=None, status: str = "draft", **overrides: Any) -> Meeting:
    return services.meeting_create_from_data(
        data=meeting_data(**overrides), user=user, status=status
    )


def big_meeting_data(
    *, sections: int = 30, items: int = 10, **overrides: Any
) -> dict[str, Any]:
    return meeting_data(
        sections=[
            {
                "kind": "explanation",
                "speaker": f"課{s}",
                "group": "main",
                "items": [
                    {"marker": "・", "text": f"項目{s}-{i}", "children": []}
                    for i in range(items)
                ],
            }
            for s in range(sections)
        ],
        **overrides,
    )


def tiny_pdf(pages: int = 1) -> bytes:
    """A real, small PDF (blank pages) for upload tests."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def editor_post(editor) -> dict[str, Any]:
    """The POST a browser would send for an editor page as shown (no JavaScript).

    ``editor`` is a ``meetings.forms.Editor``; change the returned dict to type.
    """
    from datetime import date, time

    from django import forms

    data: dict[str, Any] = {}

    def put(form) -> None:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[key] = "on"
            elif isinstance(field.widget, forms.FileInput):
                continue
            elif isinstance(value, date):
                data[key] = value.isoformat()
            elif isinstance(value, time):
                data[key] = value.strftime("%H:%M")
            else:
                data[key] = "" if value is None else str(value)

    put(editor.header)
    for name in ("attendees", "agenda", "files", "uploads"):
        data[name] = [row.key for row in getattr(editor, name)]
        for row in getattr(editor, name):
            put(row.form)
    data["sections"] = [section.key for section in editor.sections]
    for section in editor.sections:
        put(section.form)
        data[f"s-{section.key}-items"] = [item.key for item in section.items]
        for item in section.items:
            put(item.form)
    data["version"] = "" if editor.version is None else str(editor.version)
    data["paste_attendees"] = editor.paste_attendees
    return data


def department_editor(django_user_model, username: str, department):
    """A 入力担当 of ``department`` (a department editor, see meetings.access)."""
    from django.contrib.auth.models import Group

    from incidents.models import DepartmentMembership
    from meetings import permissions

    user = django_user_model.objects.create_user(username=username, password="pw")
    user.groups.add(Group.objects.get_or_create(name=permissions.EDITOR)[0])
    DepartmentMembership.objects.create(user=user, organisation=department)
    return user
