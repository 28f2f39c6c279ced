"""Build the public tree in-process into a folder nginx can read (test helpers)."""

from __future__ import annotations

import gzip
from pathlib import Path

from django.core.management import call_command


def use_tree(settings, root: Path) -> None:
    """Point PUBLIC_SITE_ROOT and the ``public_site`` storage at ``root``."""
    settings.PUBLIC_SITE_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "public_site": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/"},
        },
    }


def build_served_tree(settings, folder: Path) -> tuple[Path, Path]:
    """The tree, its search index and service pages, and collected static files."""
    from meetings import static_search
    from meetings.site import build_site

    tree, static_root = folder / "tree", folder / "static"
    use_tree(settings, tree)
    settings.STATIC_ROOT = static_root
    call_command("collectstatic", interactive=False, verbosity=0)
    build_site()
    static_search.write_service_pages(tree)
    static_search.build_search_index(tree)
    return tree, static_root


def index_bytes(tree: Path) -> dict[str, bytes]:
    """Every file of the Pagefind bundle, decompressed where Pagefind gzips it."""
    files = {}
    for path in (tree / "pagefind").rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        files[path.relative_to(tree).as_posix()] = data
    return files
