"""load_demo is not a back door: refused in production, never touches existing users."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from meetings import permissions
from meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_load_demo_refuses_to_run_with_debug_off(settings, django_user_model):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        call_command("load_demo", stdout=StringIO())
    assert not django_user_model.objects.exists()
    assert not Meeting.objects.exists()


def test_load_demo_never_changes_an_existing_user(settings, django_user_model):
    settings.DEBUG = False  # with the flag it runs anyway
    admin = django_user_model.objects.create_user(
        username="admin", password="the-real-admins-password"
    )
    reviewers = Group.objects.create(name="広報")
    admin.groups.add(reviewers)
    out = StringIO()
    call_command("load_demo", "--i-know-this-is-not-production", stdout=out)

    admin.refresh_from_db()
    assert admin.check_password("the-real-admins-password")
    assert not admin.check_password("admin-demo-2022")
    assert not admin.is_superuser and not admin.is_staff
    assert list(admin.groups.values_list("name", flat=True)) == ["広報"]
    text = out.getvalue()
    assert "admin-demo-2022" not in text and "既存の利用者" in text

    # Missing demo users are created with the README's passwords and roles.
    editor = django_user_model.objects.get(username="editor")
    assert editor.check_password("editor-demo-2022")
    assert permissions.is_editor(editor) and not permissions.is_approver(editor)
    assert "editor / editor-demo-2022" in text
    assert Meeting.objects.filter(status="published").exists()

    # A second run changes nobody.
    editor.set_password("changed-by-its-owner")
    editor.save()
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    editor.refresh_from_db()
    assert editor.check_password("changed-by-its-owner")
