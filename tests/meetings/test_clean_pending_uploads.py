"""Abandoned uploads kept while an editor page was shown again are removed after a day."""

from __future__ import annotations

import os
import time
from http import HTTPStatus
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from meetings.forms import Editor
from meetings.models import Meeting
from tests.factories import editor_post, make_meeting, tiny_pdf

pytestmark = pytest.mark.django_db


def _pending(name: str, *, hours_old: float) -> str:
    path = default_storage.save(f"pending/{name}.pdf", ContentFile(tiny_pdf()))
    then = time.time() - hours_old * 3600
    os.utime(default_storage.path(path), (then, then))
    return path


def test_removes_pending_uploads_older_than_a_day_only():
    old = _pending("old", hours_old=25)
    recent = _pending("recent", hours_old=23)
    other = default_storage.save("attachments/x/keep.pdf", ContentFile(tiny_pdf()))
    os.utime(default_storage.path(other), (0, 0))
    out = StringIO()
    call_command("clean_pending_uploads", stdout=out)
    assert not default_storage.exists(old)
    assert default_storage.exists(recent)
    assert default_storage.exists(other)  # only pending/ is cleaned
    assert "1件削除しました" in out.getvalue()

    call_command("clean_pending_uploads", "--older-than", "1", stdout=StringIO())
    assert not default_storage.exists(recent)


def test_runs_with_no_pending_folder():
    out = StringIO()
    call_command("clean_pending_uploads", stdout=out)
    assert "0件削除しました" in out.getvalue()


def test_an_editor_coming_back_after_the_cleanup_is_asked_for_the_file_again(
    client, editor
):
    meeting = make_meeting(user=editor)
    meeting = Meeting.objects.with_parts().get(pk=meeting.pk)
    client.force_login(editor)
    url = reverse("staff:edit", args=[meeting.pk])
    data = editor_post(Editor.for_meeting(meeting))
    data["uploads"] = ["up1"]
    data.update({"n-up1-kind": "material", "n-up1-label": "会議資料"})
    data["n-up1-file"] = SimpleUploadedFile("資料.pdf", tiny_pdf(), "application/pdf")
    data["held_on"] = ""  # an error elsewhere: the upload is kept meanwhile
    assert client.post(url, data).status_code == HTTPStatus.OK
    token = next(iter(client.session["pending_uploads"]))

    call_command("clean_pending_uploads", "--older-than", "0", stdout=StringIO())
    assert not default_storage.exists(f"pending/{token}.pdf")

    del data["n-up1-file"]
    data.update({"held_on": "2024-05-10", "n-up1-token": token})
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert "保存期限が過ぎたため削除されました" in response.content.decode()
    assert not meeting.attachments.exists()
