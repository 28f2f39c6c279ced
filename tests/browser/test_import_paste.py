"""「テキストから作成」 in a real browser: paste the seed page, check, save, edit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group

from meetings import permissions
from meetings.models import Meeting
from tests.browser.seed_entry import login

SEED = (
    Path(__file__).resolve().parent.parent / "fixtures" / "seed_2022-06-20.txt"
).read_text(encoding="utf-8")
AGENDA_LINE = "4 協議概要:「県内医療機関でのサイバー攻撃事案の発生」について\n"
PROSE = "会議に先立ち、黙とうを行った。"
SEED_TITLE = "危機管理連絡会議の開催結果について(令和4年6月20日)"
WCAG2_A_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}


@pytest.fixture
def staff_login(django_user_model, live_server, page):
    """An editor created here, logged in through the login form."""
    user = django_user_model.objects.create_user(
        username="paste_editor", password="paste-editor-pw", first_name="貼付"
    )
    user.groups.add(Group.objects.get_or_create(name=permissions.EDITOR)[0])
    login(page, live_server.url, "paste_editor", "paste-editor-pw")
    return user


@pytest.mark.django_db(transaction=True)
def test_an_editor_pastes_the_seed_checks_the_preview_and_saves_a_draft(
    live_server, page, staff_login
):
    page.goto(f"{live_server.url}/staff/")
    with page.expect_navigation():
        page.click("#import-link")
    page.get_by_label("公開ページの本文(テキストまたはHTML)").fill(SEED)
    with page.expect_navigation():
        page.click("#parse-button")

    assert not Meeting.objects.exists()
    assert page.locator(".kk-draft-mark").inner_text() == "案"
    assert page.locator("article.kaisai-kekka h1").inner_text() == SEED_TITLE
    assert page.locator("#warnings-heading").inner_text().startswith("警告")
    assert page.locator("#no-warnings").inner_text() == "警告はありません。"
    summary = page.locator("table.import-summary").inner_text()
    assert "令和4年6月20日(月)" in summary and "計22名" in summary
    # The text stays in the box, as pasted.
    assert page.locator("#id_text").input_value() == SEED

    with page.expect_navigation():
        page.click("#save-button")

    meeting = Meeting.objects.get()
    assert meeting.created_by == staff_login
    assert meeting.sections.count() == 6
    assert page.url == f"{live_server.url}/staff/meetings/{meeting.pk}/edit/"
    messages = page.locator(".messages").inner_text()
    assert (
        "テキストから下書きを作成しました。内容を確認して修正してください。" in messages
    )
    assert "(警告はありません)" in messages
    assert page.title().startswith(f"編集:{SEED_TITLE}")
    assert page.locator("#id_held_on").input_value() == "2022-06-20"
    assert page.locator("#id_location").input_value() == "万代庁舎3階特別会議室"


@pytest.mark.django_db(transaction=True)
def test_a_warning_selects_its_line_and_a_changed_text_marks_the_result_stale(
    live_server, page, staff_login
):
    text = SEED.replace(AGENDA_LINE, f"{AGENDA_LINE}\n{PROSE}\n", 1)
    page.goto(f"{live_server.url}/staff/import/")
    page.fill("#id_text", text)
    with page.expect_navigation():
        page.click("#parse-button")

    results = Axe().run(page, options=WCAG2_A_AA)
    assert results.response["passes"]
    assert results.violations_count == 0, results.generate_report()

    warning = page.locator("li.import-warning")
    assert warning.count() == 1
    assert re.match(
        r"^15行目: .*「会議に先立ち、黙とうを行った。」$", warning.inner_text()
    )
    assert page.locator(".import-unparsed").inner_text() == PROSE

    warning.locator("a[data-line]").click()
    selected = page.evaluate(
        "() => { const t = document.getElementById('id_text');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert selected == PROSE
    assert page.evaluate("() => document.activeElement.id") == "id_text"

    stale = page.locator("#import-result [data-stale-note]").first
    assert stale.is_hidden()
    page.locator("#id_text").press("End")
    page.keyboard.type("X")
    assert stale.is_visible()
    assert "import-stale" in page.locator("#import-result").get_attribute("class")

    # Saving the changed text without parsing it again shows it first.
    with page.expect_navigation():
        page.click("#save-button")
    assert not Meeting.objects.exists()
    assert "保存していません" in page.locator("#import-notice").inner_text()
    with page.expect_navigation():
        page.click("#save-button")
    meeting = Meeting.objects.get()
    assert PROSE in meeting.unstructured_text
    assert "貼り付けた本文の15行目" in page.locator(".messages").inner_text()
