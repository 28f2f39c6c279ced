"""The Pagefind index of the tree: published pages only, withdrawals leave at once.

Markers are planted in drafts, meetings in review, a withdrawn meeting, a published
meeting's unpublished correction and an incident linked only to hidden meetings
(tests/meetings/test_draft_leak.py's world). After build_site and the index build,
no file of the Pagefind bundle (fragments and word indexes decompressed) holds a
marker, while published text is there. Pagefind splits Japanese into words, down to
single characters, and joins them with zero-width spaces: the checks look for each
character of the marker's Japanese part, which no published text has.
"""

from __future__ import annotations

import fcntl
import json

import pytest

from meetings import services, static_search
from meetings.models import Meeting
from tests.deploy import stack
from tests.deploy.tree import build_served_tree, index_bytes
from tests.meetings.test_draft_leak import LEAK, MARKERS, world

__all__ = ["world"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def folder():
    import shutil

    path = stack.shared_tempdir("cm-search-index-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


ZERO_WIDTH_SPACE = "\u200b".encode()
MARKER_CHARACTERS = [character.encode() for character in LEAK]


def _fragments(files: dict[str, bytes]) -> dict[str, dict]:
    fragments = {}
    for name, raw in files.items():
        if name.endswith(".pf_fragment"):
            data = json.loads(raw.removeprefix(b"pagefind_dcd"))
            data["content"] = data["content"].replace("\u200b", "")
            fragments[data["url"]] = data
    return fragments


# Files built from the pages; the others (WebAssembly, JS, CSS) are Pagefind's own.
DATA_SUFFIXES = (".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter", ".json")


def _holding(files: dict[str, bytes], words: list[bytes]) -> list[str]:
    return [
        name
        for name, data in files.items()
        if name.endswith(DATA_SUFFIXES)
        and any(word in data.replace(ZERO_WIDTH_SPACE, b"") for word in words)
    ]


def test_search_index_holds_published_pages_and_no_planted_text(
    world, settings, folder
):
    tree, _ = build_served_tree(settings, folder)
    files = index_bytes(tree)
    fragments = _fragments(files)
    seed_url = f"/meetings/{world['seed'].public_id}/"
    corrected_url = f"/meetings/{world['corrected'].public_id}/"
    assert seed_url in fragments and corrected_url in fragments
    assert "公開済み" in fragments[corrected_url]["content"]
    # Only meeting and incident pages, and only their data-pagefind-body part.
    assert all(url.startswith(("/meetings/", "/incidents/")) for url in fragments)
    assert "開催結果一覧" not in fragments[seed_url]["content"]  # breadcrumb, nav
    for hidden in world["hidden"].values():
        assert f"/meetings/{hidden.public_id}/" not in fragments
    # Published words are in the word index (a check that could find something)…
    assert _holding(files, ["公開".encode()])
    # …and no character of the marker is anywhere in the bundle.
    assert all(character not in LEAK for character in "公開済み")
    assert _holding(files, MARKER_CHARACTERS) == []
    assert _holding(files, [m.encode() for m in MARKERS.values()]) == []


def test_withdrawal_removes_the_meeting_from_the_search_index_before_returning(
    world, settings, folder, approver, django_capture_on_commit_callbacks
):
    tree, _ = build_served_tree(settings, folder)
    settings.PUBLIC_SITE_SEARCH_INDEX = True
    corrected = world["corrected"]
    url = f"/meetings/{corrected.public_id}/"
    assert url in _fragments(index_bytes(tree))

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_withdraw(meeting=corrected, user=approver, comment="誤り")

    assert Meeting.objects.get(pk=corrected.pk).status == Meeting.Status.WITHDRAWN
    files = index_bytes(tree)
    assert url not in _fragments(files)
    assert _holding(files, ["公開済み".encode()]) == []
    assert (tree / static_search.SEARCH_PAGE).exists()


def test_withdrawn_page_text_leaves_the_index_even_while_a_rebuild_waits(
    world, settings, folder, approver, django_capture_on_commit_callbacks
):
    """The fragment (the page's text) goes in the request; the rebuild may lag."""
    tree, _ = build_served_tree(settings, folder)
    settings.PUBLIC_SITE_SEARCH_INDEX = True
    corrected = world["corrected"]
    url = f"/meetings/{corrected.public_id}/"
    entry_before = (tree / "pagefind" / "pagefind-entry.json").read_bytes()

    # Another build holds the lock: this one only marks the index dirty.
    with open(tree / static_search.LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_withdraw(meeting=corrected, user=approver, comment="誤り")
        assert (tree / static_search.DIRTY_FILE).exists()
        assert (tree / "pagefind" / "pagefind-entry.json").read_bytes() == entry_before
        files = index_bytes(tree)
        assert url not in _fragments(files)
        assert not any(
            name.endswith(".pf_fragment") and "公開済み".encode() in data
            for name, data in files.items()
        )
        fcntl.flock(lock, fcntl.LOCK_UN)

    # The next build runs and catches up.
    assert static_search.build_search_index(tree) is True
    assert not (tree / static_search.DIRTY_FILE).exists()
    assert _holding(index_bytes(tree), ["公開済み".encode()]) == []
