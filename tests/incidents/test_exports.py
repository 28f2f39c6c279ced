"""Timeline export: CSV for Excel (UTF-8 with BOM) and PDF with Japanese fonts."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from incidents import services
from meetings import pdf as meeting_pdf
from tests.factories import make_meeting
from tests.incidents.conftest import (
    at,
    directive_items,
    level,
    make_directive_meeting,
    make_incident,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def drill_incident(editor, scheme):
    incident = make_incident(title="南海トラフ地震対応訓練", is_drill=True)
    meeting = make_directive_meeting(
        "避難状況を報告すること。", held_on="2024-11-05", is_drill=True
    )
    services.incident_link_meeting(
        incident=incident,
        meeting=meeting,
        user=editor,
        sections=list(meeting.sections.all()),
    )
    [item] = directive_items(meeting)
    services.directive_assign(item=item, all_departments=True, user=editor)
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅡ"),
        effective_at=at(2024, 11, 5, 18, 0),
        meeting=meeting,
        user=editor,
    )
    earlier = make_meeting(held_on="2024-11-01")
    services.incident_link_meeting(incident=incident, meeting=earlier, user=editor)
    return incident


def test_csv_is_utf8_with_bom_and_lists_the_timeline_in_order(
    client, editor, drill_incident
):
    client.force_login(editor)
    response = client.get(
        reverse("incidents_staff:timeline_csv", args=[drill_incident.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="drill-incident-')
    assert "filename*=utf-8''" in disposition and disposition.endswith(".csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["事案", "【訓練】南海トラフ地震対応訓練"]
    assert rows[1][:4] == ["日時(ISO 8601)", "日時", "種別", "訓練"]
    kinds = [r[2] for r in rows[2:]]
    assert kinds == ["会議", "会議", "報告", "指示", "指示事項", "警戒段階の変更"]
    first, second = rows[2], rows[3]
    assert first[0].startswith("2024-11-01T17:30:00+09:00")
    assert first[3] == ""  # the earlier meeting is not a drill
    assert second[3] == "【訓練】"
    directive = rows[6]
    assert directive[6] == "・避難状況を報告すること。"
    assert (directive[7], directive[9]) == ("全部局", "未着手")
    assert rows[7][6] == "ステージⅡ(感染拡大注意報)"


@pytest.mark.real_pdf
def test_pdf_names_its_japanese_fonts_and_labels_the_drill(
    client, editor, drill_incident
):
    client.force_login(editor)
    response = client.get(
        reverse("incidents_staff:timeline_pdf", args=[drill_incident.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert ".pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    assert "【訓練】南海トラフ地震対応訓練経過(年表)" in text
    assert "避難状況を報告すること。" in text
    assert "ステージⅡ(感染拡大注意報)" in text
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("BIZ-UDMincho" in f or "IPAexMincho" in f for f in fonts), fonts
    assert any("BIZ-UDGothic" in f or "IPAexGothic" in f for f in fonts), fonts


@pytest.mark.real_pdf
def test_pdf_failure_is_reported_to_staff_instead_of_a_crash(
    client, editor, drill_incident, monkeypatch
):
    def missing_fonts():
        raise meeting_pdf.PdfEnvironmentError("PDF用の日本語フォントがありません。")

    monkeypatch.setattr(meeting_pdf, "ensure_environment", missing_fonts)
    client.force_login(editor)
    response = client.get(
        reverse("incidents_staff:timeline_pdf", args=[drill_incident.pk]),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == drill_incident.get_staff_url()
    assert "PDF用の日本語フォントがありません。" in response.content.decode()
