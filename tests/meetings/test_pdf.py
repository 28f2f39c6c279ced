"""The official 開催結果 PDF: content, layout marks, fonts, metadata, environment."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from meetings import checks, layout, pdf
from meetings.models import Attachment, Meeting
from meetings.wareki import expand_short_dates
from tests.factories import big_meeting_data, meeting_data
from tests.meetings.pdf_helpers import (
    compact,
    embedded_fonts,
    page_texts,
    pdf_text,
    reader,
)

# What the PDF holds is under test here: WeasyPrint renders for real. The seed
# tests read the demo (its seed PDF real): loaded once for the module.
pytestmark = [pytest.mark.real_pdf, pytest.mark.usefixtures("shared_demo")]
SEED_TEXT = (
    Path(__file__).parent.parent / "fixtures" / "seed_2022-06-20.txt"
).read_text(encoding="utf-8")
ATTACHMENT_LINE = re.compile(r"\.pdf\(\d+(?:KB|MB)\)$")
MOMENT = datetime(2022, 6, 20, 9, 0, tzinfo=UTC)


def _official_lines(text: str) -> list[str]:
    """The official page's lines without spaces; indented lines continue the last."""
    lines: list[str] = []
    for raw in text.splitlines():
        stripped = compact(raw)
        if not stripped:
            continue
        if raw[:1].isspace() and lines and not stripped.startswith(("・", "■")):
            lines[-1] += stripped
        else:
            lines.append(stripped)
    return lines


def _for_print(text: str) -> str:
    return compact(pdf.normalise_for_print(text))


@pytest.fixture
def seed_pdf(seed_meeting) -> bytes:
    """The seed meeting's official PDF as stored at publication."""
    publication = seed_meeting.current_publication
    with publication.pdf.open("rb") as stored:
        return stored.read()


@pytest.fixture
def seed_doc(seed_meeting) -> layout.Document:
    meeting = Meeting.objects.with_parts().get(pk=seed_meeting.pk)
    return layout.build_document(layout.meeting_data(meeting))


def _render(data: dict, **kwargs) -> bytes:
    return pdf.render_meeting_pdf(data, created=MOMENT, **kwargs)


# --- what the seed PDF says -----------------------------------------------------


def test_seed_pdf_text_holds_the_title_posting_date_lead_and_every_header_field(
    seed_pdf, seed_doc
):
    text = compact(pdf_text(seed_pdf))
    assert compact("危機管理連絡会議の開催結果について(令和4年6月20日)") in text
    assert compact("掲載日:令和4年6月20日(月)") in text
    assert _for_print(seed_doc.lead) in text
    # Numbered as on the official page: 1 日時:… 4 協議概要:…
    assert "1日時:令和4年6月20日(月)17:30～17:45" in text
    assert "2場所:万代庁舎3階特別会議室" in text
    assert (
        "3出席者:危機管理環境部副部長,危機管理環境部次長,危機管理政策課長,医療政策課長,"
        "警察本部生活安全部生活環境課サイバー犯罪対策官,各部局主管課副課長など計22名"
    ) in text
    assert "4協議概要:「県内医療機関でのサイバー攻撃事案の発生」について" in text
    for field in seed_doc.fields:
        assert _for_print(f"{field.number}{field.label}:{field.value}") in text


def test_seed_pdf_text_holds_every_section_heading_and_bullet_in_order(
    seed_pdf, seed_doc
):
    text = compact(pdf_text(seed_pdf))
    position = 0
    bullets = 0
    for block in seed_doc.blocks:
        mark = "" if block.kind == "group" else "■"
        heading = _for_print(f"{mark}{block.heading}")
        found = text.find(heading, position)
        assert found >= 0, f"heading missing or out of order: {block.heading}"
        position = found + len(heading)
        for item in block.items:
            bullet = _for_print(f"{item['marker']}{item['text']}")
            found = text.find(bullet, position)
            assert found >= 0, f"bullet missing or out of order: {item['text']}"
            position = found + len(bullet)
            bullets += 1
    headings = [b.heading for b in seed_doc.blocks]
    assert headings == [
        "医療政策課から説明",
        "警察本部から説明",
        "病院局総務課から説明",
        "スマート県庁推進課から説明",
        "危機管理環境部副部長から,次のとおり各部局に指示",
        "(その他報告事項)",
        "畜産振興課から説明",
    ]
    assert bullets == 6 + 3 + 4 + 9 + 4 + 2


def test_seed_pdf_text_holds_the_contact_and_the_material_but_not_itself(
    seed_pdf, seed_meeting
):
    text = compact(pdf_text(seed_pdf))
    assert text.index("お問い合わせ") < text.index("危機管理政策課電話:088-621-2280")
    material = seed_meeting.attachments.get(kind=Attachment.Kind.MATERIAL)
    assert compact(expand_short_dates(material.label) + "(PDF形式:") in text
    # The PDF cannot state its own size: the 開催結果 file is not listed in it.
    assert compact("開催結果(R4.6.20).pdf") not in text


def test_seed_pdf_holds_every_line_of_the_official_page(seed_pdf):
    """Independent of our layout code: the prefecture's own page, line by line."""
    text = compact(pdf_text(seed_pdf))
    lines = [
        line
        for line in _official_lines(SEED_TEXT)
        # The posting date is printed labelled in 和暦 (issue 19), checked below.
        if not ATTACHMENT_LINE.search(line) and line != "2022年6月20日"
    ]
    assert compact("掲載日:令和4年6月20日(月)") in text
    assert len(lines) > 40
    missing = [line for line in lines if _for_print(line) not in text]
    assert missing == []


def test_seed_pdf_is_two_a4_pages_numbered_with_the_organisation_on_each(
    seed_pdf, settings
):
    pages = reader(seed_pdf).pages
    assert len(pages) == 2
    for page in pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
    texts = [compact(t) for t in page_texts(seed_pdf)]
    assert "-1/2-" in texts[0] and "-2/2-" in texts[1]
    organisation = compact(settings.SITE_ORGANISATION)
    assert all(organisation in t for t in texts)


def test_seed_pdf_keeps_japanese_line_breaking_rules(seed_pdf):
    lines = [
        line.strip()
        for text in page_texts(seed_pdf)
        for line in text.splitlines()
        if line.strip()
    ]
    assert len(lines) > 60
    # 禁則: no line starts with closing punctuation or ends with an opening bracket.
    assert [line for line in lines if line[0] in "、。,」)』ー"] == []
    assert [line for line in lines if line[-1] in "「(『"] == []


def test_seed_pdf_prints_times_with_a_full_width_tilde_and_no_stray_spaces(seed_pdf):
    text = pdf_text(seed_pdf)
    assert "17:30～17:45" in text
    assert "~" not in text
    assert "計22名" in text and "22 名" not in text


# --- marks: 案 and 訓練 -----------------------------------------------------------


@pytest.mark.django_db
def test_draft_pdf_is_marked_an_on_every_page_and_official_pdf_is_not():
    data = big_meeting_data(sections=20, items=8, agenda=["「試験」について"])
    draft = _render(data, draft=True)
    official = _render(data)
    draft_pages = page_texts(draft)
    assert len(draft_pages) >= 3
    # The generated text holds no 案 of its own, so each one is the mark.
    assert [t.count(pdf.DRAFT_MARK) for t in draft_pages] == [1] * len(draft_pages)
    assert all(pdf.DRAFT_MARK not in t for t in page_texts(official))
    assert reader(draft).metadata.title.endswith(f"({pdf.DRAFT_MARK})")


@pytest.mark.django_db
def test_drill_pdf_is_labelled_on_every_page():
    pages = page_texts(_render(big_meeting_data(sections=20, items=8, is_drill=True)))
    assert len(pages) >= 3
    assert all(layout.DRILL_LABEL in t for t in pages)
    assert pdf_text(_render(meeting_data())).count(layout.DRILL_LABEL) == 0


# --- fonts and metadata -----------------------------------------------------------


def test_seed_pdf_embeds_subset_mincho_and_gothic_fonts(seed_pdf):
    fonts = embedded_fonts(seed_pdf)
    names = sorted(fonts)
    assert any(name.endswith("+BIZ-UDMincho") for name in names), names
    assert any(name.endswith("+BIZ-UDGothic") for name in names), names
    for name, facts in fonts.items():
        assert re.match(r"^/[A-Z]{6}\+", name), f"{name} is not a subset"
        assert facts["embedded"] and facts["to_unicode"], name
        # A subset of a Japanese font is tens of KB; the full font is megabytes.
        assert 0 < facts["program_bytes"] < 1_000_000, name


def test_seed_pdf_metadata_names_title_author_language_dates_and_is_tagged(
    seed_pdf, seed_meeting, settings
):
    pdf_reader = reader(seed_pdf)
    info = pdf_reader.metadata
    assert info.title == "危機管理連絡会議の開催結果について(令和4年6月20日)"
    assert info.author == settings.SITE_ORGANISATION
    published_at = seed_meeting.current_publication.published_at
    assert info.creation_date.replace(microsecond=0) == published_at.replace(
        microsecond=0
    )
    assert info.modification_date is not None
    root = pdf_reader.trailer["/Root"]
    assert root["/Lang"] == "ja"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfuaid:part="1"' in xmp


@pytest.mark.django_db
def test_same_data_and_time_give_the_same_bytes():
    data = meeting_data()
    assert _render(data) == _render(data)
    later = pdf.render_meeting_pdf(data, created=datetime(2023, 1, 1, tzinfo=UTC))
    assert later != _render(data)


@pytest.mark.django_db
def test_renders_reuse_one_font_configuration(monkeypatch):
    from weasyprint.text import fonts

    built: list[object] = []

    class CountingFontConfiguration(fonts.FontConfiguration):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(fonts, "FontConfiguration", CountingFontConfiguration)
    monkeypatch.setattr(pdf, "_resources", None)
    for _ in range(3):
        _render(meeting_data())
    assert len(built) == 1
    assert pdf._get_resources().font_config is built[0]


@pytest.mark.django_db
def test_a_rendering_failure_becomes_a_message_for_staff(monkeypatch):
    import weasyprint

    def broken(*args, **kwargs):
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(
        pdf.PdfRenderError, match="開催結果PDFを作成できませんでした"
    ) as error:
        _render(meeting_data())
    # No exception name or library text reaches staff.
    assert "RuntimeError" not in str(error.value)
    assert "cairo" not in str(error.value)


# --- print normalisation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("令和4年6 月20 日(月)17:30 ~ 17:45", "令和4年6月20日(月)17:30～17:45"),
        ("令和5年4月1 3 日", "令和5年4月13日"),
        ("各部局主管課副課長など計22 名", "各部局主管課副課長など計22名"),
        ("昨日の17:40 分頃", "昨日の17:40分頃"),
        ("行政事務用PC については", "行政事務用PCについては"),
        ("登録されていないUSB メモリ", "登録されていないUSBメモリ"),
        ("14:30~", "14:30～"),
        # Kept: a space between two Japanese words (file names) or two Latin words.
        ("危機管理連絡会議 開催結果(R4.6.20)", "危機管理連絡会議 開催結果(R4.6.20)"),
        ("Microsoft Teams による会議", "Microsoft Teamsによる会議"),
        ("https://example.jp/~kiki/", "https://example.jp/~kiki/"),
        ("", ""),
    ],
)
def test_text_is_normalised_for_print(typed, printed):
    assert pdf.normalise_for_print(typed) == printed


@pytest.mark.django_db
def test_print_normalisation_leaves_the_stored_data_and_html_layout_alone():
    data = meeting_data(lead="本日 17:30 ~ 17:45 に開催")
    doc = pdf.print_document(data)
    assert doc.lead == "本日17:30～17:45に開催"
    assert data["lead"] == "本日 17:30 ~ 17:45 に開催"
    assert layout.build_document(data).lead == "本日 17:30 ~ 17:45 に開催"


def test_print_document_omits_the_generated_result_pdf_from_the_attachment_list():
    data = meeting_data(
        attachments=[
            {"label": "開催結果", "size": "9KB", "id": 1, "is_generated": True},
            {"label": "会議資料", "size": "1MB", "id": 2, "is_generated": False},
        ]
    )
    assert [a["label"] for a in pdf.print_document(data).attachments] == ["会議資料"]


# --- environment: fonts and libharfbuzz-subset0 ---------------------------------------


def _fonts(*families: str):
    return lambda: families


def test_environment_without_japanese_fonts_is_refused_with_a_clear_message():
    problems = pdf.environment_problems(
        font_lookup=_fonts("DejaVu Sans", "DejaVu Serif"), library_lookup=lambda: True
    )
    assert len(problems) == 2
    assert "BIZ UDMincho / IPAexMincho" in problems[0]
    assert "BIZ UDGothic / IPAexGothic" in problems[1]
    assert all("fonts-morisawa-bizud-mincho" in p for p in problems)


def test_environment_with_ipaex_only_is_accepted_as_the_fallback():
    assert (
        pdf.environment_problems(
            font_lookup=_fonts("IPAexMincho", "IPAexGothic"),
            library_lookup=lambda: True,
        )
        == []
    )


def test_environment_with_a_mincho_but_no_gothic_is_refused():
    problems = pdf.environment_problems(
        font_lookup=_fonts("BIZ UDMincho"), library_lookup=lambda: True
    )
    assert len(problems) == 1 and "ゴシック" in problems[0]


def test_environment_without_harfbuzz_subset_is_refused_with_a_clear_message():
    problems = pdf.environment_problems(
        font_lookup=_fonts("BIZ UDMincho", "BIZ UDGothic"),
        library_lookup=lambda: False,
    )
    assert len(problems) == 1
    assert "libharfbuzz-subset0" in problems[0]


def test_ensure_environment_raises_naming_what_is_missing(caplog):
    with pytest.raises(pdf.PdfEnvironmentError, match="PDFを作成できません") as error:
        pdf.ensure_environment(
            font_lookup=_fonts("BIZ UDMincho", "BIZ UDGothic"),
            library_lookup=lambda: False,
        )
    # The command to run is for the administrator's log, not the staff message.
    assert "apt-get" not in str(error.value)
    assert "libharfbuzz-subset0" in caplog.text


def test_this_server_has_the_fonts_and_the_library():
    families = pdf.installed_font_families()
    assert {"BIZ UDMincho", "BIZ UDGothic"} <= families
    assert pdf.harfbuzz_subset_available() is True
    assert pdf.environment_problems() == []


def test_system_check_reports_missing_fonts_and_library_as_errors():
    errors = checks.pdf_environment_check(
        None, font_lookup=_fonts("DejaVu Sans"), library_lookup=lambda: False
    )
    assert [e.id for e in errors] == [checks.PDF_ENVIRONMENT_ID] * 3
    assert all(e.is_serious() for e in errors)
    assert "libharfbuzz-subset0" in errors[2].msg


def test_system_check_passes_on_this_server():
    assert checks.pdf_environment_check(None) == []


def test_system_check_is_registered_with_django():
    from django.core.checks import registry

    assert checks.pdf_environment_check in registry.registry.get_checks()


@pytest.mark.django_db
def test_rendering_is_refused_when_the_environment_is_missing_fonts(monkeypatch):
    monkeypatch.setattr(
        pdf, "_environment_problems_cached", lambda: ("日本語フォントがありません",)
    )
    with pytest.raises(pdf.PdfEnvironmentError, match="日本語フォント"):
        _render(meeting_data())


def test_stylesheet_names_the_japanese_families_and_no_generic_fallback():
    css = pdf.STYLESHEET.read_text(encoding="utf-8")
    declarations = re.findall(r"font-family:\s*([^;]+);", css)
    assert declarations
    for declaration in declarations:
        families = [f.strip().strip('"') for f in declaration.split(",")]
        assert families in (
            list(pdf.FONT_FAMILIES["明朝(本文)"]),
            list(pdf.FONT_FAMILIES["ゴシック(見出し)"]),
        ), declaration
