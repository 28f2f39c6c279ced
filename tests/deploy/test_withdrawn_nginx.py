"""A withdrawn meeting's URL answers 410 with a Japanese notice, also from nginx.

The tree is built in-process (as tests/deploy/test_static_search_index.py does) and
served by a real nginx with deploy/nginx.conf; nothing answers at its upstream, so
every answer below comes from the tree alone. Django answers the same URL with the
same page and status.
"""

from __future__ import annotations

import io
import shutil
from http import HTTPStatus

import pytest
from django.core.management import call_command

from meetings import services
from meetings.models import Meeting
from meetings.site import withdrawn
from tests.deploy import stack
from tests.deploy.tree import build_served_tree
from tests.factories import make_meeting

MISSING = stack.nginx_missing()
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]


@pytest.fixture
def folder():
    path = stack.shared_tempdir("cm-withdrawn-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _published(editor, approver, **kwargs) -> Meeting:
    meeting = make_meeting(user=editor, status="review", **kwargs)
    services.meeting_publish(meeting=meeting, user=approver)
    return Meeting.objects.get(pk=meeting.pk)


def test_withdrawn_meeting_answers_410_from_nginx_and_django(
    settings, monkeypatch, folder, client, editor, approver
):
    settings.PUBLIC_SITE_URL = "http://testserver"
    gone = _published(editor, approver, held_on="2024-05-10")
    kept = _published(editor, approver, held_on="2024-05-11")
    early = _published(editor, approver, held_on="2024-05-12")
    services.meeting_withdraw(meeting=early, user=approver, comment="誤記のため")
    tree, static_root = build_served_tree(settings, folder)
    # build_site wrote the notice of the meeting withdrawn before it …
    assert (tree / "withdrawn" / f"{early.public_id}.html").is_file()
    # Their files: the official PDF (and any 会議資料) listed by the publication.
    gone_files = [a["id"] for a in gone.current_publication.data["attachments"]]
    kept_files = [a["id"] for a in kept.current_publication.data["attachments"]]
    early_files = [a["id"] for a in early.current_publication.data["attachments"]]
    assert gone_files and kept_files and early_files
    # … and a withdrawal afterwards writes its own before it returns.
    services.meeting_withdraw(meeting=gone, user=approver, comment="重複掲載のため")
    notice = tree / "withdrawn" / f"{gone.public_id}.html"
    assert notice.is_file()
    assert not (tree / "meetings" / str(gone.public_id)).exists()

    nginx = stack.nginx(
        folder,
        site_root=tree,
        static_root=static_root,
        upstream_port=stack.free_port(),  # nothing listens: the tree alone
    ).start()
    try:
        base = f"http://127.0.0.1:{nginx.port}"
        page = stack.get(base, f"/meetings/{gone.public_id}/")
        other = stack.get(base, f"/meetings/{early.public_id}/")
        direct = stack.get(base, f"/withdrawn/{gone.public_id}.html")
        alive = stack.get(base, f"/meetings/{kept.public_id}/")
        # The page's plain-text form is a file of the tree (served with the app down).
        text_form = stack.get(base, f"/meetings/{kept.public_id}/text.txt")
        gone_text = stack.get(base, f"/meetings/{gone.public_id}/text.txt")
        unknown = stack.get(base, "/meetings/00000000-0000-0000-0000-000000000000/")
        gone_pdf = stack.get(base, f"/meetings/{gone.public_id}/files/{gone_files[0]}/")
        early_pdf = stack.get(
            base, f"/meetings/{early.public_id}/files/{early_files[0]}/"
        )
        kept_pdf = stack.get(base, f"/meetings/{kept.public_id}/files/{kept_files[0]}/")
        kept_missing = stack.get(base, f"/meetings/{kept.public_id}/files/999999/")
        gone_kana = stack.get(base, f"/kana/meetings/{gone.public_id}/")
        kept_kana = stack.get(base, f"/kana/meetings/{kept.public_id}/")
    finally:
        nginx.stop()

    assert page.status == HTTPStatus.GONE
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.body == notice.read_bytes()
    text = page.text
    assert '<html lang="ja"' in text
    assert "この開催結果は取り下げられました" in text
    # When: the 和暦 date of the withdrawal (today), with its weekday.
    from django.utils import timezone

    from meetings import wareki

    today = wareki.format_wareki(timezone.localdate(), weekday=True)
    assert f"{today}に掲載を取り下げました" in text
    assert other.status == HTTPStatus.GONE
    assert "取り下げられました" in other.text
    # Nothing of the withdrawn content, and the notice is not a page of its own.
    assert "誤記" not in text and "重複" not in text
    assert direct.status == HTTPStatus.NOT_FOUND
    assert alive.status == HTTPStatus.OK
    assert text_form.status == HTTPStatus.OK
    assert text_form.headers["content-type"] == "text/plain; charset=utf-8"
    kept.refresh_from_db()
    assert text_form.body == kept.current_publication.text.encode()
    assert f'href="/meetings/{kept.public_id}/text.txt"' in alive.text
    # A withdrawn meeting's files say so too (410 with the notice), not "not found".
    for gone_file in (gone_text, gone_pdf, gone_kana):
        assert gone_file.status == HTTPStatus.GONE
        assert gone_file.headers["content-type"].startswith("text/html")
        assert gone_file.headers["cache-control"] == "no-store"
        assert gone_file.body == notice.read_bytes()
    assert early_pdf.status == HTTPStatus.GONE
    assert "取り下げられました" in early_pdf.text
    assert kept_pdf.status == HTTPStatus.OK
    assert kept_pdf.headers["content-type"] == "application/pdf"
    assert kept_pdf.body.startswith(b"%PDF")
    assert kept_missing.status == HTTPStatus.NOT_FOUND
    assert kept_kana.status == HTTPStatus.OK
    assert "<ruby>" in kept_kana.text
    assert "ページが見つかりません" in kept_missing.text
    assert unknown.status == HTTPStatus.NOT_FOUND
    assert "ページが見つかりません" in unknown.text

    # Django (make run serves the tree through its middleware) answers alike.
    settings.SERVE_PUBLIC_SITE = True
    dynamic = client.get(f"/meetings/{gone.public_id}/")
    assert dynamic.status_code == HTTPStatus.GONE
    assert dynamic.content == page.body
    assert client.get(f"/withdrawn/{gone.public_id}.html").status_code == 404
    for url in (
        f"/meetings/{gone.public_id}/files/{gone_files[0]}/",
        f"/meetings/{gone.public_id}/text.txt",
        f"/kana/meetings/{gone.public_id}/",
    ):
        answer = client.get(url)
        assert answer.status_code == HTTPStatus.GONE, url
        assert answer.content == page.body, url
    assert client.get(f"/meetings/{kept.public_id}/files/999999/").status_code == 404

    # The generator knows both notices, and verify_site finds the tree in order.
    assert withdrawn.tree_files.expected() == {
        f"{gone.public_id}.html",
        f"{early.public_id}.html",
    }
    call_command("verify_site", stdout=io.StringIO())
