"""The reading version (ふりがな) of every public page: a file of the publication
tree, made at publication, following corrections, withdrawals and the table."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.core.management import call_command

from meetings import services, site
from meetings.models import Meeting
from meetings.reading.models import ReadingOverride
from meetings.reading.ruby import strip_ruby
from meetings.site import tree
from tests.factories import make_meeting

# The seed tests read the demo: loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]

SWITCH = re.compile(r"<!--reading-switch-->.*?<!--/reading-switch-->", re.S)


def body_text(page: bytes) -> str:
    """What a reader sees of <body>, without the ふりがな switch (whose label differs)."""
    text = page.decode()
    text = SWITCH.sub("", text)
    text = text[text.index("<body") :]
    text = re.sub(r"<script.*?</script>", "", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _kana(public_id) -> bytes | None:
    return tree.read(f"kana/meetings/{public_id}/index.html")


@pytest.fixture
def built(seed_meeting):
    call_command("build_site", stdout=io.StringIO())
    return seed_meeting


def test_seed_page_has_a_reading_version_with_the_same_text(built, client):
    public_id = built.public_id
    page = tree.read(f"meetings/{public_id}/index.html")
    kana = _kana(public_id)
    assert page is not None and kana is not None
    assert f'href="/kana/meetings/{public_id}/">ふりがな</a>'.encode() in page
    # The switch back keeps a plain name (no ruby inside: data-no-ruby).
    switch = f'href="/meetings/{public_id}/" data-no-ruby>ふりがななしで表示</a>'
    assert switch in kana.decode()
    text = kana.decode()
    # Readings from the table, the rules and the dictionary.
    assert (
        "<ruby>万代庁舎<rp>(</rp><rt>ばんだいちょうしゃ</rt><rp>)</rp></ruby>" in text
    )
    assert "<ruby>20日<rp>(</rp><rt>はつか</rt>" in text
    assert "<rt>いりょうせいさくか</rt>" in text
    assert text.count("<ruby>") > 200
    # <title> and attributes never get ruby; the page is not indexed twice.
    title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
    assert "<ruby>" not in title
    assert '<meta name="robots" content="noindex">' in text
    # Readings removed, the reader sees the same text as on the plain page.
    assert body_text(strip_ruby(text).encode()) == body_text(page)
    # The dynamic site answers the same bytes (make run without the tree).
    assert client.get(f"/kana/meetings/{public_id}/").content == kana


def test_every_public_page_has_one_and_verify_site_agrees(built):
    for path in ("index.html", "incidents/index.html", "data/index.html"):
        assert tree.read("kana/" + path) is not None, path
        assert b'href="/kana/' in tree.read(path)
    assert site.verify_site().ok
    # A second build writes nothing (the reading versions are stable bytes).
    assert not site.build_site().written


def test_no_switch_on_staff_or_dynamic_pages(built, client, editor):
    assert b"reading-switch" not in client.get("/search/?q=" + "会議").content
    assert client.get("/kana/search/").status_code == 404
    assert client.get("/kana/staff/").status_code == 404
    client.force_login(editor)
    assert b"reading-switch" not in client.get("/staff/").content


def test_correction_and_withdrawal_are_followed_before_the_response(
    approver, editor, django_capture_on_commit_callbacks
):
    meeting = make_meeting(user=editor, status="review", agenda=["「旧議題」について"])
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_publish(meeting=meeting, user=approver)
    public_id = meeting.public_id
    kana = _kana(public_id)
    assert kana is not None and "<ruby>旧<rp>" in kana.decode()

    # A correction: the reading version is rewritten in the action itself.
    meeting = Meeting.objects.get(pk=meeting.pk)
    meeting.agenda_items.update(text="「新議題」について")
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    services.meeting_publish(
        meeting=Meeting.objects.get(pk=meeting.pk),
        user=approver,
        correction_note="議題を訂正しました。",
        check_permission=False,
    )
    text = strip_ruby(_kana(public_id).decode())
    assert "新議題" in text and "旧議題" not in text
    assert "議題を訂正しました。" in text

    # A withdrawal: gone, and no other reading version links to it.
    services.meeting_withdraw(meeting=Meeting.objects.get(pk=meeting.pk), user=approver)
    assert _kana(public_id) is None
    for path in tree.walk("kana/"):
        if path.rsplit("/", 1)[-1].startswith("."):
            continue  # the generator's state, written once the action commits
        assert str(public_id) not in (tree.read(path) or b"").decode(), path


def test_a_new_publication_has_its_reading_version_before_any_job_runs(
    approver, editor, client, settings, django_capture_on_commit_callbacks
):
    """With a broker the list rebuild (which refreshes every reading version) runs
    later: the meeting's own reading version is written in the publication itself,
    so /kana/ never answers 404 for a page the public can already open."""
    settings.SERVE_PUBLIC_SITE = True
    meeting = make_meeting(user=editor, status="review", agenda=["「新議題」について"])
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        services.meeting_publish(meeting=meeting, user=approver)
    assert jobs  # the list rebuild (and more) waits for the commit: not run here
    public_id = meeting.public_id
    kana = _kana(public_id)
    assert kana is not None and "<ruby>新<rp>" in kana.decode()
    response = client.get(f"/kana/meetings/{public_id}/")
    assert response.status_code == 200 and response["X-Public-Site"] == "file"
    assert b"".join(response.streaming_content) == kana
    # The same bytes as the list rebuild writes later (no second, different copy).
    from meetings.site.build import rebuild_lists

    rebuild_lists()
    assert _kana(public_id) == kana

    # A failed publication leaves no reading version behind.
    other = make_meeting(user=editor, status="review")
    from meetings.site import writer

    real_write = writer.tree.write

    def failing(path, content):
        if path.startswith("kana/"):
            raise OSError("disk full")
        return real_write(path, content)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer.tree, "write", failing)
        with pytest.raises(writer.PublicSiteWriteError):
            services.meeting_publish(
                meeting=Meeting.objects.get(pk=other.pk), user=approver
            )
    assert Meeting.objects.get(pk=other.pk).status == Meeting.Status.REVIEW
    assert tree.read(f"meetings/{other.public_id}/index.html") is None
    assert _kana(other.public_id) is None


def test_an_edited_reading_rewrites_the_reading_versions(built):
    row = ReadingOverride.objects.get(surface="万代庁舎")
    row.reading = "ばんだいちょうしゃあ"
    row.save()
    from meetings.site.build import rebuild_lists

    rebuild_lists()
    assert "<rt>ばんだいちょうしゃあ</rt>" in _kana(built.public_id).decode()
