"""The one place where apps built on ``meetings`` add to its pages.

``meetings`` never names the apps that depend on it (the incidents app, 事案, links
its records to meetings). An app that groups published meetings under records of
its own subclasses ``Related`` and registers one instance in its
``AppConfig.ready()``. The public pages, the open-data API, the publication tree and
the staff pages ask ``related()``; with nothing registered every hook answers
"nothing", and meetings works alone.

Names that are part of a public contract stay as they were published: the API's
``incidents`` field and ``?incident=`` filter, the ``/archive/incident/<id>/`` lists.
They are the registered app's ``param`` and ``api_field`` (see ``Related``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from meetings.models import Meeting


@dataclass(frozen=True)
class RelatedRef:
    """A public record that a published meeting belongs to, as the public sees it."""

    public_id: uuid.UUID
    title: str
    is_drill: bool
    url: str  # its public page
    api_url: str = ""  # its open-data API record
    started_at: datetime | None = None

    def __str__(self) -> str:
        return f"【訓練】{self.title}" if self.is_drill else self.title


@dataclass(frozen=True)
class StaffLink:
    """A link on the staff pages: ``url_name`` takes the meeting's pk when
    ``per_meeting`` (shown on the editor of a stored meeting), else nothing
    (shown in the staff menu). ``for_departments``: shown to a department's editors
    too (``meetings.access``); the others are the coordinating staff's."""

    label: str
    url_name: str
    per_meeting: bool = False
    for_departments: bool = False


class Related:
    """Records another app links published meetings to. The base class: none."""

    # The archive's and the API's filter parameter (?<param>=<public id>) and the
    # path of the per-record archive list (/archive/<param>/<public id>/).
    param: str = ""
    label: str = ""  # the filter's label (事案)
    staff_links: tuple[StaffLink, ...] = ()
    # Directories of the publication tree holding its record pages, which the
    # static search indexes besides the meetings' own.
    indexed_dirs: tuple[str, ...] = ()

    def choices(self) -> list[tuple[str, str]]:
        """(public id, label) of the public records with published meetings."""
        return []

    def is_listed(self, public_id: uuid.UUID) -> bool:
        """Whether ``public_id`` is a public record with published meetings."""
        return False

    def meeting_ids(self, public_id: uuid.UUID) -> QuerySet | None:
        """A ``values("meeting")`` queryset of the meetings of a public record, or
        None when nothing is registered (the filter then matches nothing)."""
        return None

    def refs_by_meeting(self, meeting_ids: list[int]) -> dict[int, list[RelatedRef]]:
        """The public records of each published meeting (one query), oldest first."""
        return {pk: [] for pk in meeting_ids}

    def refs_of_published(self) -> dict[int, list[RelatedRef]]:
        """The public records of every published meeting that has some, oldest
        first (one query; as ``refs_by_meeting`` over the published meetings)."""
        from meetings.models import Meeting

        ids = list(Meeting.objects.published().values_list("pk", flat=True))
        return {pk: refs for pk, refs in self.refs_by_meeting(ids).items() if refs}

    def state_tables(self) -> list[str]:
        """Tables whose every change changes what the public sees of these records:
        database triggers change ``public_state()`` with them, in the same
        transaction (``meetings.public_state``; no query over them per request)."""
        return []

    def state_sql(self) -> list[str]:
        """SQL scalar subqueries (no parameters) whose values change whenever what
        the public sees of these records changes; joined into ``public_state()``'s
        query (for what ``state_tables`` cannot say)."""
        return []

    def api_state_sql(self) -> list[str]:
        """Like ``state_sql``, for what the API shows besides; the first two are
        change times (the API's Last-Modified)."""
        return []

    def meeting_panel(self, request: HttpRequest, meeting: Meeting) -> SafeString:
        """HTML shown under a published meeting's page (its records, notices)."""
        return SafeString("")

    def tree_urls(self) -> list[str]:
        """The app's pages in the publication tree (lists, record pages)."""
        return []

    def public_view_names(self) -> set[str]:
        """URL names of the app's public pages in the tree (they get a reading
        version, see meetings.reading)."""
        return set()

    def tree_urls_of(self, public_ids: set[str]) -> list[str]:
        """The pages of these records (rewritten when they change)."""
        return []

    def announced_by(self, meeting: Meeting) -> set[str]:
        """Public ids of records whose pages show what ``meeting`` announced."""
        return set()


_registered: list[Related] = [Related()]


def register(related: Related) -> None:
    """Called once, from the registering app's ``AppConfig.ready()``."""
    _registered[0] = related


def related() -> Related:
    return _registered[0]
