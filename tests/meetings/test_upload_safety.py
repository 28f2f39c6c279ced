"""PDF attachments with active content are refused with a Japanese message.

Each PDF is built here with pypdf: JavaScript on open, a launch action, an embedded
file, additional actions on a page, a JavaScript link; and a PDF that cannot be read.
"""

from __future__ import annotations

import io
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from meetings import services, uploads
from meetings.forms import Editor
from meetings.models import Meeting
from tests.factories import editor_post, make_meeting, tiny_pdf

pytestmark = pytest.mark.django_db


def _js_action(code: str = "app.alert('x');") -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(code),
        }
    )


def _build(change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def open_action_js(writer: PdfWriter) -> None:
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(_js_action())


def document_javascript(writer: PdfWriter) -> None:
    """Document-level JavaScript: /Root /Names /JavaScript, run when opened."""
    names = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [TextStringObject("init"), writer._add_object(_js_action())]
            )
        }
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(names)}
    )


def launch(writer: PdfWriter) -> None:
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(
        DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("cmd.exe"),
            }
        )
    )


def embedded_file(writer: PdfWriter) -> None:
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not really")


def page_additional_actions(writer: PdfWriter) -> None:
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): writer._add_object(_js_action())}
    )


def javascript_link(writer: PdfWriter) -> None:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 99, 99)]),
            NameObject("/A"): _js_action("this.submitForm('http://e.invalid')"),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject(
        [writer._add_object(annotation)]
    )


UNSAFE = {
    "open-action-javascript": (open_action_js, "JavaScript"),
    "document-javascript": (document_javascript, "JavaScript"),
    "launch": (launch, "他のプログラムを起動する処理"),
    "embedded-file": (embedded_file, "埋め込みファイル"),
    "page-additional-actions": (page_additional_actions, "自動で動く処理"),
    "javascript-link": (javascript_link, "JavaScript"),
}


@pytest.mark.parametrize("name", UNSAFE)
def test_active_content_is_found(name):
    change, reason = UNSAFE[name]
    problem = uploads.pdf_problem(_build(change))
    assert problem and reason in problem
    assert "受け付けられません" in problem


def test_plain_pdfs_pass():
    assert uploads.pdf_problem(tiny_pdf(2)) is None

    def open_at_first_page(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = ArrayObject(
            [writer.pages[0].indirect_reference, NameObject("/Fit")]
        )

    assert uploads.pdf_problem(_build(open_at_first_page)) is None


@pytest.mark.usefixtures("shared_demo")  # the demo, loaded once for all such tests
def test_the_official_pdf_weasyprint_makes_passes(seed_meeting):
    publication = seed_meeting.current_publication
    with publication.pdf.open("rb") as stored:
        assert uploads.pdf_problem(stored.read()) is None


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.7\n garbage that is no PDF", tiny_pdf()[:300], b"PK\x03\x04 zip"],
    ids=["garbage", "truncated", "zip"],
)
def test_unreadable_pdfs_are_refused(content):
    assert "読み取れません" in uploads.pdf_problem(content)


def test_encrypted_pdfs_are_refused():
    def encrypt(writer: PdfWriter) -> None:
        writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")

    assert "暗号化" in uploads.pdf_problem(_build(encrypt))


def test_the_editor_refuses_a_javascript_pdf_and_keeps_the_rest(client, editor):
    meeting = make_meeting(user=editor)
    meeting = Meeting.objects.with_parts().get(pk=meeting.pk)
    client.force_login(editor)
    data = editor_post(Editor.for_meeting(meeting))
    data["lead"] = "入力したリード文"
    data["uploads"] = ["up1"]
    data.update({"n-up1-kind": "material", "n-up1-label": "会議資料"})
    data["n-up1-file"] = SimpleUploadedFile(
        "会議資料.pdf", _build(open_action_js), "application/pdf"
    )
    response = client.post(reverse("staff:edit", args=[meeting.pk]), data)
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "JavaScript(スクリプト)が含まれているため" in html
    assert "入力したリード文" in html
    assert not meeting.attachments.exists()
    assert not client.session.get("pending_uploads")  # not kept on the server


def test_the_service_refuses_it_too(editor):
    meeting = make_meeting(user=editor)
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(
            meeting=meeting, label="資料", content=_build(embedded_file)
        )
    assert "埋め込みファイル" in str(refused.value)
    assert not meeting.attachments.exists()


def test_scan_attachments_lists_files_stored_before_the_check(editor):
    from io import StringIO

    from django.core.files.base import ContentFile
    from django.core.management import CommandError, call_command

    from meetings.models import Attachment

    meeting = make_meeting(user=editor)
    services.attachment_add(meeting=meeting, label="安全な資料", content=tiny_pdf())
    old = Attachment(meeting=meeting, order=9, label="古い資料")
    old.file.save("old.pdf", ContentFile(_build(open_action_js)), save=False)
    old.save()  # as stored before uploads were checked
    out = StringIO()
    with pytest.raises(CommandError, match="2件を確認し、1件に問題"):
        call_command("scan_attachments", stdout=out)
    assert "古い資料" in out.getvalue() and "JavaScript" in out.getvalue()
    assert "安全な資料" not in out.getvalue()
    old.delete()
    call_command("scan_attachments", stdout=StringIO())  # clean: exit 0
