"""Files of published meetings: served by the view, with safe headers, or 404."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Attachment, Meeting
from meetings.views.public import content_disposition
from tests.factories import make_meeting, tiny_pdf
from tests.meetings.public_builders import _fresh_public_cache

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]

LABEL = "危機管理連絡会議 会議資料(R6.5.10)"


def _url(meeting: Meeting, attachment: Attachment) -> str:
    return reverse(
        "public:attachment",
        kwargs={"public_id": meeting.public_id, "attachment_id": attachment.pk},
    )


def _published_with_material(approver, editor) -> tuple[Meeting, Attachment]:
    meeting = make_meeting(status="review", user=editor)
    attachment = services.attachment_add(
        meeting=meeting, label=LABEL, content=tiny_pdf()
    )
    services.meeting_publish(meeting=meeting, user=approver)
    return meeting, attachment


def test_file_is_served_with_content_type_nosniff_and_japanese_filename(
    client, approver, editor
):
    meeting, attachment = _published_with_material(approver, editor)
    response = client.get(_url(meeting, attachment))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename=")
    assert f"filename*=UTF-8''{quote(LABEL + '.pdf')}" in disposition
    assert b"".join(response.streaming_content) == tiny_pdf()


def test_content_disposition_has_an_ascii_fallback_and_the_utf8_name():
    header = content_disposition('会議資料"(R4.6.20);.pdf')
    assert header == (
        'inline; filename="_____(R4.6.20)_.pdf"; '
        "filename*=UTF-8''%E4%BC%9A%E8%AD%B0%E8%B3%87%E6%96%99%22%28R4.6.20%29%3B.pdf"
    )
    header.encode("ascii")  # HTTP headers must be ASCII


def test_generated_result_pdf_is_served_too(client, approver, editor):
    meeting, _ = _published_with_material(approver, editor)
    generated = meeting.attachments.get(is_generated=True)
    response = client.get(_url(meeting, generated))
    assert response.status_code == HTTPStatus.OK
    assert quote(f"{generated.label}.pdf") in response["Content-Disposition"]


@pytest.mark.parametrize("who", [None, "editor", "approver", "admin_user"])
def test_files_of_draft_and_review_are_404_of_withdrawn_410(request, client, who):
    draft = make_meeting()
    draft_file = services.attachment_add(meeting=draft, label=LABEL, content=tiny_pdf())
    review = make_meeting(status="review")
    review_file = services.attachment_add(
        meeting=review, label=LABEL, content=tiny_pdf()
    )
    approver = request.getfixturevalue("approver")
    withdrawn, withdrawn_file = _published_with_material(
        approver, request.getfixturevalue("other_editor")
    )
    generated = withdrawn.attachments.get(is_generated=True)
    services.meeting_withdraw(meeting=withdrawn, user=approver)
    if who:
        client.force_login(request.getfixturevalue(who))
    for meeting, attachment in ((draft, draft_file), (review, review_file)):
        assert client.get(_url(meeting, attachment)).status_code == 404
    # A withdrawn meeting's 会議資料 and official PDF say it was withdrawn (410, the
    # page's notice), and serve nothing of the file.
    for attachment in (withdrawn_file, generated):
        response = client.get(_url(withdrawn, attachment))
        assert response.status_code == HTTPStatus.GONE
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert "この開催結果は取り下げられました" in html
        assert LABEL not in html and "%PDF" not in html


def test_file_added_for_an_unpublished_correction_is_404(client, approver, editor):
    meeting, _ = _published_with_material(approver, editor)
    added = services.attachment_add(
        meeting=meeting, label="未公開の資料", content=tiny_pdf()
    )
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PUBLISHED
    assert client.get(_url(meeting, added)).status_code == 404


def test_file_replaced_after_publication_serves_the_published_bytes_not_the_new(
    client, approver, editor
):
    from django.core.files.base import ContentFile

    meeting, attachment = _published_with_material(approver, editor)
    published = tiny_pdf()
    replacement = published + b"\n% a later, unapproved version\n"
    attachment.file.save("replacement.pdf", ContentFile(replacement), save=False)
    attachment.size_bytes = len(replacement)
    attachment.save()
    response = client.get(_url(meeting, attachment))
    assert response.status_code == HTTPStatus.OK
    assert b"".join(response.streaming_content) == published


def test_published_file_altered_in_storage_is_404(client, approver, editor):
    from django.core.files.storage import default_storage

    meeting, attachment = _published_with_material(approver, editor)
    with default_storage.open(attachment.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 tampered")
    assert client.get(_url(meeting, attachment)).status_code == 404


def test_file_of_another_meeting_under_this_meetings_url_is_404(
    client, approver, editor
):
    meeting, _ = _published_with_material(approver, editor)
    other, other_file = _published_with_material(approver, editor)
    assert client.get(_url(other, other_file)).status_code == 200
    assert client.get(_url(meeting, other_file)).status_code == 404


def test_files_are_never_linked_under_media(client, approver, editor):
    meeting, attachment = _published_with_material(approver, editor)
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "/media/" not in html
    assert attachment.file.name not in html
    assert _url(meeting, attachment) in html


def test_file_removed_while_correcting_still_serves_what_the_public_page_lists(
    client, approver, editor
):
    meeting, attachment = _published_with_material(approver, editor)
    content = tiny_pdf()
    Attachment.objects.filter(
        pk=attachment.pk
    ).delete()  # staff remove it in the editor
    response = client.get(_url(meeting, attachment))
    assert response.status_code == HTTPStatus.OK
    assert b"".join(response.streaming_content) == content
    assert quote(f"{LABEL}.pdf") in response["Content-Disposition"]
