"""The reading versions as files of the publication tree (a generator of
``meetings.site.generators``): ``kana/<path>`` for each public HTML page ``<path>``.

State: the SHA-256 of each source page as the manifest (``SiteFile``) records it,
and a digest of the readings table. After a change only the pages whose bytes
changed get a new reading version; a page gone (a withdrawal) takes its reading
version with it; an edited readings table redoes them all (in the list rebuild).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator

from meetings.reading.pages import has_reading_version, kana_page
from meetings.reading.yomi import Reader

logger = logging.getLogger(__name__)

PREFIX = "kana/"
STATE = ".state.json"


def _sources() -> dict[str, str]:
    """Tree path → SHA-256 of every public HTML page that has a reading version."""
    from meetings.site import tree
    from meetings.site.models import SiteFile

    rows = (
        SiteFile.objects.filter(path__endswith=".html")
        .exclude(path__startswith=PREFIX)
        .values_list("path", "sha256")
    )
    return {
        path: sha
        for path, sha in rows.iterator(chunk_size=2000)
        if has_reading_version(tree.path_to_url(path))
    }


def _table_digest(reader: Reader) -> str:
    table = json.dumps(sorted(reader.overrides.items()), ensure_ascii=False)
    return hashlib.sha256(table.encode()).hexdigest()


def _make(path: str, reader: Reader, sha256: str | None = None) -> bytes | None:
    """The reading version of the page at ``path``: from the tree's file when it
    holds what the manifest says (``sha256``), else rendered (a file lost or
    changed behind the manifest's back, as verify_site finds)."""
    from meetings.site import render, tree

    url = tree.path_to_url(path)
    source = tree.read(path)
    if source is None or (
        sha256 is not None and hashlib.sha256(source).hexdigest() != sha256
    ):
        source = render.render_url(url)
    if source is None:
        return None
    return kana_page(source, url, reader)


class KanaFiles:
    prefix = PREFIX
    state_path = STATE

    def state(self) -> bytes:
        reader = Reader.load()
        return json.dumps(
            {"table": _table_digest(reader), "pages": _sources()}, sort_keys=True
        ).encode()

    def full(self) -> Iterator[tuple[str, bytes]]:
        reader = Reader.load()
        for path, sha in sorted(_sources().items()):
            content = _make(path, reader, sha)
            if content is not None:
                yield path, content

    def refresh(
        self, read: Callable[[str], bytes | None], state: bytes
    ) -> Iterator[tuple[str, bytes | None]]:
        from meetings.site.models import SiteFile

        now = json.loads(state)
        try:
            before = json.loads(read(STATE) or b"{}")
        except ValueError:
            before = {}
        old_pages = before.get("pages", {})
        present = {
            path[len(PREFIX) :]
            for path in SiteFile.objects.filter(path__startswith=PREFIX).values_list(
                "path", flat=True
            )
        }
        redo_all = before.get("table") != now["table"]
        reader = Reader.load()
        for path, sha in sorted(now["pages"].items()):
            if redo_all or old_pages.get(path) != sha or path not in present:
                content = _make(path, reader, sha)
                if content is not None:
                    yield path, content
        for path in sorted((present | set(old_pages)) - set(now["pages"])):
            yield path, None

    def expected(self) -> set[str]:
        return set(_sources())

    def follow(
        self, written: list[str], removed: list[str]
    ) -> Iterator[tuple[str, bytes | None]]:
        """The reading versions of the pages a publication, correction or
        withdrawal just wrote (or removed), in its own batch: a just-published
        meeting's /kana/ page never answers 404 while the list rebuild waits."""
        from meetings.site import tree

        def readable(path: str) -> bool:
            return (
                path.endswith(".html")
                and not path.startswith(PREFIX)
                and has_reading_version(tree.path_to_url(path))
            )

        pages = [path for path in written if readable(path)]
        if pages:
            reader = Reader.load()
            for path in pages:
                content = _make(path, reader)
                if content is not None:
                    yield path, content
        for path in removed:
            if readable(path):
                yield path, None


kana_files = KanaFiles()
