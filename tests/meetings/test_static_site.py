"""The publication tree (meetings.site): public pages written as files.

The tree and the dynamic site hold the same pages byte for byte; unpublished text
never reaches it; a withdrawal or correction is in it before the approver's response;
a failed write refuses the action; a publication writes only what changed;
build_site is idempotent and verify_site finds and repairs differences.
"""

from __future__ import annotations

import io
import re
from collections import deque
from datetime import date
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, Storage
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from incidents import services as incident_services
from incidents.models import Incident, IncidentLink
from meetings import services, site
from meetings.models import Meeting, MeetingEvent
from meetings.site import tree
from meetings.site.build import DYNAMIC_PREFIXES
from meetings.site.models import SiteFile
from meetings.site.signals import tree_changed
from meetings.site.writer import PublicSiteWriteError
from tests.factories import make_meeting
from tests.meetings.public_builders import (
    _fresh_public_cache,
    meeting_type,
    publish_many,
)
from tests.meetings.test_draft_leak import LEAK, world

__all__ = ["_fresh_public_cache", "world"]
pytestmark = pytest.mark.django_db

HREF = re.compile(r'(?:href|src)="([^"]*)"|<loc>([^<]*)</loc>')


@pytest.fixture
def origin(settings):
    """Absolute URLs in the tree (feed, sitemap) use the test client's origin."""
    settings.PUBLIC_SITE_URL = "http://testserver"
    return settings.PUBLIC_SITE_URL


def _root(settings) -> Path:
    return Path(settings.PUBLIC_SITE_ROOT)


def _tree(settings) -> dict[str, bytes]:
    root = _root(settings)
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and not tree.kept(str(path.relative_to(root)))
    }


def _links(content: bytes, origin: str) -> list[str]:
    found = []
    for match in HREF.finditer(content.decode("utf-8", errors="replace")):
        link = (match[1] or match[2]).replace("&amp;", "&")
        if link.startswith(origin):
            link = link[len(origin) :] or "/"
        if link.startswith("/") and not link.startswith("//"):
            found.append(link.split("#")[0])
    return found


def _crawl_dynamic(origin: str) -> dict[str, bytes]:
    """Every public page reachable from /, sitemap.xml and the feed, without query
    strings or dynamic prefixes, as the dynamic site answers it."""
    client = Client()
    queue = deque(["/", "/sitemap.xml", "/feed/", "/robots.txt", "/incidents/"])
    pages: dict[str, bytes] = {}
    seen: set[str] = set()
    while queue:
        url = queue.popleft()
        if url in seen or "?" in url or url.startswith(DYNAMIC_PREFIXES):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        if tree.kept(tree.url_to_path(url)):
            continue  # written by meetings.static_search, not by the tree build
        pages[tree.url_to_path(url)] = body
        if not body.startswith(b"%PDF"):
            queue.extend(_links(body, origin))
    return pages


def _withdrawable(approver, editor, **kwargs) -> Meeting:
    meeting = make_meeting(user=editor, status="review", **kwargs)
    services.meeting_publish(meeting=meeting, user=approver)
    return Meeting.objects.get(pk=meeting.pk)


# ---------------------------------------------------------------------------
# The tree is the dynamic site
# ---------------------------------------------------------------------------


def test_tree_and_dynamic_site_hold_the_same_pages_byte_for_byte(
    settings, origin, world
):
    publish_many(45, first_day=date(2023, 3, 20))  # two 年度, three archive pages
    honbu = meeting_type("災害対策本部会議", "honbu")
    publish_many(3, first_day=date(2024, 8, 1), kind=honbu)
    call_command("build_site", stdout=io.StringIO())

    files = _tree(settings)
    crawled = _crawl_dynamic(origin)
    # The withdrawn meeting's notice: not a page of its own but the 410 body its
    # URL answers with (nginx serves it there).
    notices = {p: files.pop(p) for p in list(files) if p.startswith("withdrawn/")}
    gone_id = world["hidden"]["withdrawn"].public_id
    assert set(notices) == {f"withdrawn/{gone_id}.html"}
    gone = Client().get(f"/meetings/{gone_id}/")
    assert gone.status_code == HTTPStatus.GONE
    assert gone.content == notices[f"withdrawn/{gone_id}.html"]
    assert set(crawled) == set(files)
    for path, body in crawled.items():
        assert files[path] == body, path
    # The shapes the tree must have: path URLs for every list, PDFs, feed, robots.
    assert {
        "index.html",
        "archive/page/2/index.html",
        "archive/page/3/index.html",
    } <= set(files)
    assert {"archive/2022/index.html", "archive/2023/index.html"} <= set(files)
    slugs = set(
        Meeting.objects.published().values_list("meeting_type__slug", flat=True)
    )
    assert len(slugs) >= 2
    assert {f"archive/type/{slug}/index.html" for slug in slugs} <= set(files)
    assert (
        "feed/index.xml" in files and "sitemap.xml" in files and "robots.txt" in files
    )
    assert any(re.fullmatch(r"meetings/[^/]+/files/\d+/index\.pdf", p) for p in files)
    incident = world["public_incident"]
    assert f"incidents/{incident.public_id}/index.html" in files
    assert f"archive/incident/{incident.public_id}/index.html" in files
    # No session- or user-specific bits in the files.
    for path, body in files.items():
        assert b"csrfmiddlewaretoken" not in body, path
        assert b"sessionid" not in body, path


def test_path_urls_page_the_lists_and_query_urls_keep_working(client):
    publish_many(45, first_day=date(2024, 4, 1))
    first = client.get("/").content.decode()
    assert 'href="/archive/page/2/" rel="next"' in first
    third = client.get("/archive/page/3/").content.decode()
    assert "(3/3ページ)" in third and 'href="/archive/page/2/" rel="prev"' in third
    assert 'href="/"' in third  # page 1 is the list's own URL
    assert client.get("/archive/page/1/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/archive/page/4/").status_code == HTTPStatus.NOT_FOUND
    year = client.get("/archive/2024/page/2/").content.decode()
    assert 'href="/archive/2024/" rel="prev"' in year
    assert '<option value="2024" selected>' in year
    assert client.get("/archive/2019/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/archive/type/nothing/").status_code == HTTPStatus.NOT_FOUND
    # The old query URLs (the filter form) still answer, with query page links.
    old = client.get("/", {"year": 2024, "page": 2}).content.decode()
    assert 'href="?year=2024&amp;page=3" rel="next"' in old


# ---------------------------------------------------------------------------
# Nothing unpublished in the tree
# ---------------------------------------------------------------------------


def test_planted_text_never_reaches_the_tree(settings, origin, world, approver):
    # The world's withdrawal and publications went through the services: the tree
    # was written incrementally. Then a full build, then a correction in progress.
    incremental = _tree(settings)
    call_command("build_site", stdout=io.StringIO())
    built = _tree(settings)
    assert built and incremental
    for files in (incremental, built):
        for path, body in files.items():
            for text in (body, path.encode()):
                assert LEAK.encode() not in text, path
                assert re.search(rb"QZ%E6%BC%8F", text) is None, path
    hidden_ids = {str(m.public_id) for m in world["hidden"].values()}
    secret = str(world["secret_incident"].public_id)
    everything = b"\n".join(built.values()).decode("utf-8", errors="replace")
    for public_id in hidden_ids | {secret}:
        assert public_id not in everything
        # Only the withdrawn meeting's 410 notice is named by its id (no content).
        assert not any(
            public_id in path for path in built if not path.startswith("withdrawn/")
        )
    # The correction's new attachment (uploaded, not published) is not in the tree.
    corrected = world["corrected"]
    listed = {a["id"] for a in corrected.current_publication.data["attachments"]}
    for attachment in corrected.attachments.all():
        path = f"meetings/{corrected.public_id}/files/{attachment.pk}/index.pdf"
        assert (path in built) == (attachment.pk in listed), path


# ---------------------------------------------------------------------------
# Withdrawal and correction: in the tree before the response
# ---------------------------------------------------------------------------


def test_withdrawal_is_in_the_tree_before_the_response(
    settings, origin, client, approver, editor
):
    publish_many(25, first_day=date(2024, 4, 1))
    target = _withdrawable(
        approver, editor, held_on="2024-04-10", agenda=["「取下対象」について"]
    )
    incident = Incident.objects.create(
        title="停電事案", category="other", started_at="2024-04-10T09:00:00+09:00"
    )
    IncidentLink.objects.create(incident=incident, meeting=target)
    call_command("build_site", stdout=io.StringIO())
    public_id = str(target.public_id)
    before = _tree(settings)
    assert any(public_id in body.decode(errors="replace") for body in before.values())

    client.force_login(approver)
    # The background list rebuild never runs here (its on_commit callback is not
    # executed): only what the action itself wrote counts.
    response = client.post(
        reverse("staff:withdraw", args=[target.pk]),
        {"comment": "誤りのため", "confirm": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND

    after = _tree(settings)
    assert not any(path.startswith(f"meetings/{public_id}/") for path in after)
    for path, body in after.items():
        assert public_id not in body.decode("utf-8", errors="replace"), path
    # The incident had only this published meeting: its pages went too, and the
    # incident list no longer links to it.
    assert f"incidents/{incident.public_id}/index.html" not in after
    assert str(incident.public_id) not in after["incidents/index.html"].decode()
    assert "取下対象" not in b"".join(after.values()).decode(errors="replace")


def test_correction_is_in_the_tree_before_the_response(
    settings, origin, client, approver, editor
):
    publish_many(3, first_day=date(2024, 4, 1))
    meeting = _withdrawable(
        approver, editor, held_on="2024-05-10", agenda=["「旧議題」について"]
    )
    call_command("build_site", stdout=io.StringIO())
    page = f"meetings/{meeting.public_id}/index.html"
    assert "旧議題" in _tree(settings)["index.html"].decode()

    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    meeting.agenda_items.update(text="「新議題」について")
    client.force_login(approver)
    response = client.post(
        reverse("staff:publish", args=[meeting.pk]),
        {"version": meeting.version + 1, "correction_note": "議題を訂正しました。"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Meeting.objects.get(pk=meeting.pk).current_publication.number == 2

    files = _tree(settings)
    assert "議題を訂正しました。" in files[page].decode()
    assert "新議題" in files[page].decode()
    # Lists showing its agenda, the feed: rewritten before the response too.
    for path in ("index.html", "archive/2024/index.html", "feed/index.xml"):
        assert "新議題" in files[path].decode(), path
        assert "旧議題" not in files[path].decode(), path


# ---------------------------------------------------------------------------
# Fail closed
# ---------------------------------------------------------------------------


class RaisingStorage(Storage):
    """An object storage that reads but whose every write fails (S3 read-only,
    quota exceeded…). Not a FileSystemStorage: the generic write path is used."""

    def __init__(self, location: str) -> None:
        self._files = FileSystemStorage(location=location)

    def _open(self, name, mode="rb"):
        return self._files._open(name, mode)

    def exists(self, name) -> bool:
        return self._files.exists(name)

    def listdir(self, path):
        return self._files.listdir(path)

    def _save(self, name, content):
        raise OSError("object storage unavailable")

    def delete(self, name) -> None:
        raise OSError("object storage unavailable")


def _unwritable(settings, tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the tree's folders should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "public_site": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "tree")},
        },
    }


@pytest.mark.parametrize("how", ["unwritable root", "storage raises"])
def test_a_failed_tree_write_refuses_the_withdrawal_and_changes_nothing(
    settings, tmp_path, client, approver, editor, how
):
    meeting = _withdrawable(approver, editor)
    call_command("build_site", stdout=io.StringIO())
    files = _tree(settings)
    events = MeetingEvent.objects.count()
    saved = settings.STORAGES
    if how == "unwritable root":
        _unwritable(settings, tmp_path)
    else:
        settings.STORAGES = {
            **settings.STORAGES,
            "public_site": {
                "BACKEND": f"{__name__}.RaisingStorage",
                "OPTIONS": {"location": str(_root(settings))},
            },
        }

    client.force_login(approver)
    response = client.post(
        reverse("staff:withdraw", args=[meeting.pk]),
        {"comment": "誤りのため", "confirm": "on"},
        follow=True,
    )
    assert (
        "公開用ファイル(公開ツリー)を書き込めなかったため" in response.content.decode()
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED
    assert MeetingEvent.objects.count() == events
    settings.STORAGES = saved
    assert _tree(settings) == files  # the tree as it was, byte for byte


def test_a_failed_tree_write_refuses_the_publication(
    settings, tmp_path, client, approver, editor
):
    meeting = make_meeting(user=editor, status="review")
    _unwritable(settings, tmp_path)
    client.force_login(approver)
    response = client.post(
        reverse("staff:publish", args=[meeting.pk]),
        {"version": meeting.version},
        follow=True,
    )
    assert (
        "公開用ファイル(公開ツリー)を書き込めなかったため" in response.content.decode()
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW
    assert meeting.current_publication is None
    assert not SiteFile.objects.exists()


def test_a_failure_midway_puts_back_the_files_already_written(
    settings, origin, approver, editor, monkeypatch
):
    publish_many(3, first_day=date(2024, 4, 1))
    meeting = _withdrawable(approver, editor, held_on="2024-05-10")
    call_command("build_site", stdout=io.StringIO())
    files = _tree(settings)
    real_write = tree.write
    calls = []

    def second_write_fails(path, content):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real_write(path, content)

    monkeypatch.setattr(tree, "write", second_write_fails)
    with pytest.raises(PublicSiteWriteError):
        services.meeting_withdraw(meeting=meeting, user=approver)
    assert len(calls) > 2  # the second write failed; the first was put back
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED
    assert _tree(settings) == files


# ---------------------------------------------------------------------------
# Incremental publication, incidents
# ---------------------------------------------------------------------------


def test_a_publication_writes_its_own_files_then_the_lists_and_nothing_else(
    settings, origin, approver, editor, django_capture_on_commit_callbacks
):
    publish_many(30, first_day=date(2023, 4, 1))
    call_command("build_site", stdout=io.StringIO())
    before = _tree(settings)
    batches: list[tuple[list[str], list[str]]] = []

    def record(sender, written, removed, **kwargs):
        batches.append((sorted(written), sorted(removed)))

    tree_changed.connect(record)
    try:
        meeting = make_meeting(user=editor, status="review", held_on="2024-06-01")
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_publish(meeting=meeting, user=approver)
    finally:
        tree_changed.disconnect(record)
    public_id = str(meeting.public_id)
    (own, _), (lists, removed) = batches
    # 1. Synchronously: the meeting page, its plain text and official PDF, and the
    # page's reading version (ふりがな, so that /kana/ never answers 404), nothing else.
    kana = f"kana/meetings/{public_id}/index.html"
    assert kana in own
    own_files = [path for path in own if path != kana]
    assert sorted(path.rsplit("/", 1)[-1] for path in own_files) == [
        "index.html",
        "index.pdf",
        "text.txt",
    ]
    assert all(path.startswith(f"meetings/{public_id}/") for path in own_files)
    # 2. The list job: the lists that changed (new 年度, new row, counts), no meeting page.
    after = _tree(settings)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed == set(own) | set(lists)
    assert not any(path.startswith("meetings/") for path in lists)
    assert {
        "index.html",
        "archive/page/2/index.html",
        "archive/2024/index.html",
    } <= set(lists)
    assert {"feed/index.xml", "sitemap.xml"} <= set(lists)
    assert removed == []
    # Other meetings' pages were not rewritten.
    assert all(after[p] == before[p] for p in before if p.startswith("meetings/"))


def test_incident_changes_rewrite_its_pages_and_its_meetings_pages(
    settings, origin, approver, editor
):
    meeting = _withdrawable(approver, editor)
    incident = incident_services.incident_create(
        user=editor,
        data={
            "title": "大雨事案",
            "category": "other",
            "started_at": "2024-05-09T09:00:00+09:00",
            "is_public": True,
        },
    )
    incident_services.incident_link_meeting(
        incident=incident, meeting=meeting, user=editor
    )
    files = _tree(settings)
    page = f"meetings/{meeting.public_id}/index.html"
    assert "大雨事案" in files[page].decode()
    assert f"incidents/{incident.public_id}/index.html" in files
    assert str(incident.public_id) in files["incidents/index.html"].decode()

    incident_services.incident_update(
        incident=incident, user=editor, data={"title": "大雨・洪水事案"}
    )
    files = _tree(settings)
    assert "大雨・洪水事案" in files[page].decode()
    assert (
        "大雨・洪水事案" in files[f"incidents/{incident.public_id}/index.html"].decode()
    )

    incident_services.incident_update(
        incident=incident, user=editor, data={"is_public": False}
    )
    files = _tree(settings)
    assert "大雨" not in files[page].decode()
    assert f"incidents/{incident.public_id}/index.html" not in files
    assert str(incident.public_id) not in files["incidents/index.html"].decode()


# ---------------------------------------------------------------------------
# build_site, verify_site
# ---------------------------------------------------------------------------


def test_build_site_is_idempotent_and_check_reports_changes(settings, approver, editor):
    publish_many(25, first_day=date(2024, 4, 1))
    out = io.StringIO()
    call_command("build_site", stdout=out)
    assert "書き込み 0" not in out.getvalue()
    first = _tree(settings)
    out = io.StringIO()
    call_command("build_site", stdout=out)
    assert "書き込み 0、削除 0" in out.getvalue()
    assert _tree(settings) == first
    call_command("build_site", "--check", stdout=io.StringIO())  # nothing to do: exit 0

    # A change the tree has not seen (written behind the services' back).
    (extra,) = publish_many(1, first_day=date(2024, 6, 1))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("build_site", "--check", stdout=out)
    assert f"変更: meetings/{extra.public_id}/index.html" in out.getvalue()
    assert "変更: index.html" in out.getvalue()
    assert _tree(settings) == first  # --check wrote nothing


def test_verify_site_finds_missing_stale_extra_files_and_fixes_them(
    settings, approver, editor
):
    meeting = _withdrawable(approver, editor)
    publish_many(2, first_day=date(2024, 4, 1))
    call_command("build_site", stdout=io.StringIO())
    root = _root(settings)
    call_command("verify_site", stdout=io.StringIO())  # in agreement: exit 0

    (root / f"meetings/{meeting.public_id}/index.html").unlink()
    (root / "feed/index.xml").write_bytes(b"<feed>old</feed>")
    (root / "meetings/00000000-0000-4000-8000-000000000000").mkdir(parents=True)
    (root / "meetings/00000000-0000-4000-8000-000000000000/index.html").write_text("x")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_site", stdout=out)
    report = out.getvalue()
    assert f"不足: meetings/{meeting.public_id}/index.html" in report
    assert "古い: feed/index.xml" in report
    assert "余分: meetings/00000000-0000-4000-8000-000000000000/index.html" in report
    # The deleted page was linked from the lists: a broken link.
    assert f"リンク切れ: index.html → /meetings/{meeting.public_id}/" in report

    out = io.StringIO()
    call_command("verify_site", "--fix", stdout=out)
    assert "修復しました" in out.getvalue()
    assert site.verify_site().ok
    assert (root / f"meetings/{meeting.public_id}/index.html").exists()
    assert not (root / "meetings/00000000-0000-4000-8000-000000000000").exists()


# ---------------------------------------------------------------------------
# make run: the tree served through Django
# ---------------------------------------------------------------------------


def test_serve_public_site_answers_public_urls_from_the_tree(settings, client):
    publish_many(2, first_day=date(2024, 4, 1))
    call_command("build_site", stdout=io.StringIO())
    settings.SERVE_PUBLIC_SITE = True
    root = _root(settings)
    (root / "index.html").write_bytes(b"<!DOCTYPE html><p>from the tree</p>")
    response = client.get("/")
    assert response["X-Public-Site"] == "file"
    assert b"".join(response.streaming_content) == (root / "index.html").read_bytes()
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert client.get("/feed/")["Content-Type"] == "application/atom+xml; charset=utf-8"
    # List parameters, staff pages and files not in the tree go to the views;
    # other query strings get the file (as from nginx).
    assert "X-Public-Site" not in client.get("/", {"year": 2024})
    assert client.get("/", {"utm_source": "x"})["X-Public-Site"] == "file"
    assert "X-Public-Site" not in client.get("/search/", {"q": "事案"})
    settings.SERVE_PUBLIC_SITE = False
    assert "X-Public-Site" not in client.get("/")


def test_the_trees_sitemap_lists_every_published_meeting(settings, origin):
    from meetings.sitemaps import MeetingSitemap

    # One file for up to 50,000 meetings (the protocol's maximum): the tree has no
    # ?p=2 page, so a smaller limit would leave meetings out of sitemap.xml.
    assert MeetingSitemap.limit >= 50000
    meetings = publish_many(30, first_day=date(2024, 4, 1))
    call_command("build_site", stdout=io.StringIO())
    sitemap = _tree(settings)["sitemap.xml"].decode()
    for meeting in meetings:
        assert f"<loc>{origin}/meetings/{meeting.public_id}/</loc>" in sitemap


def test_serve_public_site_gives_the_static_search_files_their_types_and_policy(
    settings, client
):
    from meetings import static_search

    settings.SERVE_PUBLIC_SITE = True
    root = _root(settings)
    (root / "pagefind").mkdir(parents=True)
    (root / "pagefind/pagefind.js").write_text("export const x = 1;")
    (root / static_search.SEARCH_PAGE).parent.mkdir(parents=True, exist_ok=True)
    (root / static_search.SEARCH_PAGE).write_text("<!DOCTYPE html><p>検索</p>")
    script = client.get("/pagefind/pagefind.js")
    assert script["X-Public-Site"] == "file"
    assert script["Content-Type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    assert "sandbox" not in script.get("Content-Security-Policy", "")
    # Pagefind's cache-busting query (?ts=…) still gets the file, as from nginx.
    (root / "pagefind/pagefind-entry.json").write_text("{}")
    entry = client.get("/pagefind/pagefind-entry.json", {"ts": "1"})
    assert entry["X-Public-Site"] == "file"
    assert entry["Content-Type"].startswith("application/json")
    page = client.get("/search-static/")
    assert page["X-Public-Site"] == "file"
    assert "'wasm-unsafe-eval'" in page["Content-Security-Policy"]
    assert "'wasm-unsafe-eval'" not in client.get("/")["Content-Security-Policy"]
