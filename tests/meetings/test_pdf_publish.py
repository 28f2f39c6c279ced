"""Publishing stores the official PDF; downloads serve it unchanged; failures publish nothing."""

from __future__ import annotations

import hashlib
import re
from http import HTTPStatus
from urllib.parse import unquote

import pytest
from django.contrib.messages import get_messages
from django.db.models import F
from django.urls import reverse

from meetings import pdf, services
from meetings.models import Attachment, Meeting, MeetingEvent, Publication
from tests.factories import make_meeting
from tests.meetings.pdf_helpers import compact, pdf_text

# What the PDF holds is under test here: WeasyPrint renders for real. The seed
# tests read the demo (its seed PDF real): loaded once for the module.
pytestmark = [pytest.mark.real_pdf, pytest.mark.usefixtures("shared_demo")]
SEED_PDF_NAME = "危機管理連絡会議 開催結果(R4.6.20).pdf"


def _download(client, meeting: Meeting, attachment: Attachment):
    response = client.get(
        reverse("public:attachment", args=[meeting.public_id, attachment.pk])
    )
    assert response.status_code == HTTPStatus.OK
    return response, b"".join(response.streaming_content)


def _result_attachment(meeting: Meeting) -> Attachment:
    return meeting.attachments.get(kind=Attachment.Kind.RESULT, is_generated=True)


def _snapshot(meeting: Meeting) -> dict:
    meeting.refresh_from_db()
    return {
        "status": meeting.status,
        "version": meeting.version,
        "published_on": meeting.published_on,
        "current_publication": meeting.current_publication_id,
        "attachments": list(
            meeting.attachments.order_by("pk").values_list("pk", "sha256", "file")
        ),
        "publications": list(
            meeting.publications.order_by("pk").values_list("pk", "pdf_sha256")
        ),
        "events": meeting.events.count(),
    }


def _break_weasyprint(monkeypatch) -> None:
    import weasyprint

    def broken(*args, **kwargs):
        raise RuntimeError("forced failure")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)


def _media_files(settings) -> set[str]:
    root = settings.MEDIA_ROOT
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


# --- stored at publication ---------------------------------------------------------


def test_publishing_stores_the_official_pdf_with_its_hash_and_size(seed_meeting):
    attachment = _result_attachment(seed_meeting)
    with attachment.file.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-")
    assert attachment.label == "危機管理連絡会議 開催結果(R4.6.20)"
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.size_bytes == len(content)
    publication = seed_meeting.current_publication
    assert publication.pdf_sha256 == attachment.sha256
    assert publication.pdf_size == attachment.size_bytes
    with publication.pdf.open("rb") as snapshot:
        assert snapshot.read() == content


def test_public_download_serves_the_stored_pdf_and_its_hash_is_unchanged_later(
    client, seed_meeting, monkeypatch, settings
):
    attachment = _result_attachment(seed_meeting)
    _, first = _download(client, seed_meeting, attachment)
    assert hashlib.sha256(first).hexdigest() == attachment.sha256

    # Anything that would change a re-render: the organisation, the renderer.
    settings.SITE_ORGANISATION = "別の組織名"

    def no_rendering(*args, **kwargs):
        raise AssertionError("a public download must never render")

    monkeypatch.setattr(pdf, "render_meeting_pdf", no_rendering)
    _, later = _download(client, seed_meeting, attachment)
    assert later == first
    assert hashlib.sha256(later).hexdigest() == attachment.sha256


def test_public_download_names_the_file_as_the_prefecture_does(client, seed_meeting):
    response, _ = _download(client, seed_meeting, _result_attachment(seed_meeting))
    disposition = response["Content-Disposition"]
    # RFC 6266: the RFC 5987 extended parameter carries the Japanese name (an ASCII
    # filename="…" fallback for old clients may come before it).
    match = re.fullmatch(
        r"(inline|attachment)(; filename=\"[\x20-\x7e]*\")?"
        r"; filename\*=(?i:utf-8)''(?P<name>[^;\s]+)",
        disposition,
    )
    assert match, disposition
    assert unquote(match["name"]) == SEED_PDF_NAME
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_a_correction_stores_a_new_pdf_and_keeps_the_old_one(editor, approver):
    meeting = make_meeting(user=editor, status="review", lead="最初のリード文。")
    first = services.meeting_publish(meeting=meeting, user=approver)
    first_attachment = _result_attachment(meeting)

    Meeting.objects.filter(pk=meeting.pk).update(
        lead="訂正したリード文。", version=F("version") + 1
    )
    meeting.refresh_from_db()
    second = services.meeting_publish(
        meeting=meeting, user=approver, correction_note="リード文を訂正"
    )

    assert second.number == first.number + 1
    assert second.pdf_sha256 != first.pdf_sha256
    first.refresh_from_db()
    with first.pdf.open("rb") as old, second.pdf.open("rb") as new:
        old_bytes, new_bytes = old.read(), new.read()
    assert hashlib.sha256(old_bytes).hexdigest() == first.pdf_sha256
    assert "最初のリード文。" in compact(pdf_text(old_bytes))
    assert "訂正したリード文。" in compact(pdf_text(new_bytes))
    # The public 開催結果 file is now the corrected one, and only that one.
    current = _result_attachment(meeting)
    assert current.pk != first_attachment.pk
    assert current.sha256 == second.pdf_sha256
    assert meeting.attachments.filter(is_generated=True).count() == 1


# --- nothing half-published ------------------------------------------------------------


@pytest.mark.django_db
def test_forced_render_failure_leaves_the_meeting_unpublished_and_unchanged(
    editor, approver, monkeypatch, settings
):
    meeting = make_meeting(user=editor, status="review")
    before = _snapshot(meeting)
    files_before = _media_files(settings)
    _break_weasyprint(monkeypatch)

    with pytest.raises(services.PdfPublishError, match="公開できませんでした"):
        services.meeting_publish(meeting=meeting, user=approver)

    assert _snapshot(meeting) == before
    assert before["status"] == Meeting.Status.REVIEW
    assert before["publications"] == [] and before["current_publication"] is None
    assert not meeting.events.filter(action=MeetingEvent.Action.PUBLISH).exists()
    assert _media_files(settings) == files_before


@pytest.mark.django_db
def test_forced_render_failure_of_a_correction_keeps_the_published_pdf(
    client, editor, approver, monkeypatch
):
    meeting = make_meeting(user=editor, status="review")
    services.meeting_publish(meeting=meeting, user=approver)
    attachment = _result_attachment(meeting)
    _, published_bytes = _download(client, meeting, attachment)
    Meeting.objects.filter(pk=meeting.pk).update(
        lead="訂正案", version=F("version") + 1
    )
    before = _snapshot(meeting)
    _break_weasyprint(monkeypatch)

    with pytest.raises(services.PdfPublishError):
        services.meeting_publish(meeting=meeting, user=approver, correction_note="訂正")

    assert _snapshot(meeting) == before
    assert Publication.objects.filter(meeting=meeting).count() == 1
    _, still = _download(client, meeting, attachment)
    assert still == published_bytes


@pytest.mark.django_db
def test_publishing_is_refused_when_the_server_lacks_japanese_fonts(
    editor, approver, monkeypatch
):
    meeting = make_meeting(user=editor, status="review")
    before = _snapshot(meeting)
    monkeypatch.setattr(
        pdf,
        "_environment_problems_cached",
        lambda: ("PDF用の日本語フォント(明朝(本文))がインストールされていません。",),
    )
    with pytest.raises(services.PdfPublishError, match="日本語フォント"):
        services.meeting_publish(meeting=meeting, user=approver)
    assert _snapshot(meeting) == before


@pytest.mark.django_db
def test_approver_sees_why_a_publication_failed(client, editor, approver, monkeypatch):
    meeting = make_meeting(user=editor, status="review")
    _break_weasyprint(monkeypatch)
    client.force_login(approver)
    response = client.post(
        reverse("staff:publish", args=[meeting.pk]), {"version": meeting.version}
    )
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "公開できませんでした" in shown
    assert "開催結果PDFを作成できませんでした" in shown
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW
    assert meeting.current_publication_id is None
