"""Files of the tree that are not rendered from a URL one by one: generators.

``settings.PUBLIC_SITE_GENERATORS`` lists dotted paths of objects with ``prefix``
(a tree folder such as ``data/``), ``state()`` (bytes describing the database as
the files show it, taken before they are made and kept at ``state_path``, a path
in PUBLIC_SITE_KEEP, once they are written), ``full()`` (every file, as (relative
path, bytes)), ``refresh(read, state)`` (the files to write, or None to remove,
after a change; ``read(relative path)`` gives a file as the tree holds it) and
``expected()`` (the relative paths that must exist). build_site and rebuild_lists
write them and keep their paths; verify_site compares them. (The open-data bulk
files: ``meetings.api.bulk.tree_files``.) A generator whose files each follow one
page may also have ``follow(written, removed)``: its files for the pages a
service's batch just wrote or removed, written in that batch (``follow`` below),
so that they exist as soon as their page does.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from meetings.site import tree
from meetings.site.writer import Batch, lock_tree


def generators() -> list:
    return [import_string(d) for d in getattr(settings, "PUBLIC_SITE_GENERATORS", [])]


def expected_paths() -> set[str]:
    return {g.prefix + path for g in generators() for path in g.expected()}


def all_files() -> Iterator[tuple[str, bytes]]:
    for generator in generators():
        for path, content in generator.full():
            yield generator.prefix + path, content


def write(batch: Batch, *, full: bool) -> set[str]:
    """Write the generators' files (every file, or only what changed); their paths.

    Each file is written under the tree lock in its own transaction (as
    ``build._write_all`` does); inside a service's transaction (a withdrawal) the
    lock is already held. The state is stored after the commit, so that a batch
    rolled back never leaves a state that claims its files.
    """
    for generator in generators():
        prefix = generator.prefix
        state = generator.state()
        if full:
            changes = generator.full()
        else:
            changes = generator.refresh(
                lambda path, p=prefix: tree.read(p + path), state
            )
        for path, content in changes:
            with transaction.atomic():
                if not batch.dry_run:
                    lock_tree()
                if content is None:
                    batch.remove(prefix + path)
                else:
                    batch.put(prefix + path, content)
        if not batch.dry_run:
            transaction.on_commit(
                functools.partial(tree.write, prefix + generator.state_path, state)
            )
    return expected_paths()


def follow(batch: Batch) -> None:
    """The generators' files derived from the pages ``batch`` wrote or removed (a
    page's reading version with the page: no 404 until the list rebuild), in the
    same batch, so that they roll back with it. A file the batch already wrote or
    removed (a correction refreshes every generator) is left as it is."""
    written, removed = list(batch.written), list(batch.removed)
    if not (written or removed):
        return
    for generator in generators():
        derive = getattr(generator, "follow", None)
        if derive is None:
            continue
        prefix = generator.prefix
        done = set(batch.written) | set(batch.removed)
        for path, content in derive(written, removed):
            if prefix + path in done:
                continue
            if content is None:
                batch.remove(prefix + path)
            else:
                batch.put(prefix + path, content)
