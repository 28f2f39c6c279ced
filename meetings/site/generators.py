"""Files of the tree that are not rendered from a URL one by one: generators.

``settings.PUBLIC_SITE_GENERATORS`` lists dotted paths of objects with ``prefix``
(a tree folder such as ``data/``), ``state()`` (bytes describing the database as
the files show it, taken before they are made and kept at ``state_path``, a path
in PUBLIC_SITE_KEEP, once they are written), ``full()`` (every file, as (relative
path, bytes)), ``refresh(read, state)`` (the files to write, or None to remove,
after a change; ``read(relative path)`` gives a file as the tree holds it) and
``expected()`` (the relative paths that must exist). build_site and rebuild_lists
write them and keep their paths; verify_site compares them. (The open-data bulk
files: ``meetings.api.bulk.tree_files``.)
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
