"""The tree's storage, URL ↔ file mapping, and atomic writes.

URL → file (every page URL ends in "/"):
``/`` → ``index.html``; ``/meetings/<uuid>/`` → ``meetings/<uuid>/index.html``;
``/meetings/<uuid>/files/<id>/`` → ``…/index.pdf``; ``/feed/`` → ``feed/index.xml``;
``/sitemap.xml``, ``/robots.txt`` → themselves.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

INDEX_BY_PREFIX = (("feed/", "index.xml"),)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".jsonl": "application/jsonl; charset=utf-8",
    ".json": "application/json",
    ".ico": "image/x-icon",
}
FEED_CONTENT_TYPE = "application/atom+xml; charset=utf-8"


def storage() -> Storage:
    return storages["public_site"]


def url_to_path(url: str) -> str:
    """The tree path of a site-relative URL (``/archive/page/2/`` → ``…/index.html``)."""
    relative = url.lstrip("/")
    if relative and not relative.endswith("/"):
        return relative
    if relative == "feed/":
        return "feed/index.xml"
    if relative.startswith("meetings/") and "/files/" in relative:
        return relative + "index.pdf"
    return relative + "index.html"


def path_to_url(path: str) -> str:
    for index in ("index.html", "index.xml", "index.pdf"):
        if path == index:
            return "/"
        if path.endswith("/" + index):
            return "/" + path[: -len(index)]
    return "/" + path


def content_type(path: str) -> str:
    if path == "feed/index.xml":
        return FEED_CONTENT_TYPE
    return CONTENT_TYPES.get(os.path.splitext(path)[1], "application/octet-stream")


def kept(path: str) -> bool:
    """Files build_site and verify_site never touch (the Pagefind index…)."""
    return path.startswith(".") or any(
        path.startswith(prefix) for prefix in settings.PUBLIC_SITE_KEEP
    )


def read(path: str) -> bytes | None:
    store = storage()
    try:
        with store.open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def write(path: str, content: bytes) -> None:
    """Replace ``path`` atomically: readers see the old file or the new, never half.

    On a local file system: a temporary file in the same folder, fsync, rename.
    Other storages (S3…): one PUT of the whole object, which is atomic there.
    """
    store = storage()
    if isinstance(store, FileSystemStorage):
        target = store.path(path)
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        fd, temporary = tempfile.mkstemp(
            dir=folder, prefix="." + os.path.basename(target) + ".tmp-"
        )
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
            raise
        return
    if store.exists(path):
        store.delete(path)
    saved = store.save(path, ContentFile(content))
    if saved != path:  # the storage renamed it: never leave a stray copy
        store.delete(saved)
        raise OSError(f"storage saved {path} as {saved}")


def remove(path: str) -> None:
    store = storage()
    store.delete(path)
    if isinstance(store, FileSystemStorage):
        # Drop folders left empty (meetings/<uuid>/files/<id>/), never the root.
        folder = os.path.dirname(store.path(path))
        root = os.path.abspath(store.location)
        while os.path.abspath(folder) != root:
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)


def walk(folder: str = "") -> Iterator[str]:
    """Every file in the tree (tree-relative paths), temporary files included."""
    store = storage()
    try:
        folders, files = store.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}{name}"
    for name in folders:
        yield from walk(f"{folder}{name}/")
