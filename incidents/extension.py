"""事案 on the meeting pages: the incidents app's ``meetings.extensions.Related``.

Registered in ``IncidentsConfig.ready()``. Meetings never name this app; every place
where a meeting page, the archive, the API or the publication tree shows incidents
asks this class.
"""

from __future__ import annotations

import uuid
from collections import Counter

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from incidents.models import AlertChange, Incident, IncidentLink
from meetings.extensions import Related, RelatedRef, StaffLink
from meetings.models import Meeting


def public_incidents() -> QuerySet[Incident]:
    """Incidents the public may see: public, with at least one published meeting.

    The same rule as ``Incident.objects.public()``, written as EXISTS so that the
    archive does not join every link of every meeting.
    """
    published_links = IncidentLink.objects.filter(
        incident=OuterRef("pk"), meeting__in=Meeting.objects.published()
    )
    return Incident.objects.filter(is_public=True).filter(Exists(published_links))


class IncidentsRelated(Related):
    param = "incident"
    label = "事案"
    indexed_dirs = ("incidents",)
    staff_links = (
        StaffLink("事案", "incidents_staff:list"),
        StaffLink("指示事項", "incidents_staff:directives", for_departments=True),
        StaffLink("事案との関連付け", "incidents_staff:meeting_incidents", True),
        StaffLink("指示事項の割当", "incidents_staff:meeting_directives", True),
    )

    def choices(self) -> list[tuple[str, str]]:
        return [
            (str(public_id), f"【訓練】{title}" if is_drill else title)
            for public_id, title, is_drill in public_incidents()
            .order_by("-started_at", "-id")
            .values_list("public_id", "title", "is_drill")
        ]

    def is_listed(self, public_id: uuid.UUID) -> bool:
        return public_incidents().filter(public_id=public_id).exists()

    def meeting_ids(self, public_id: uuid.UUID) -> QuerySet:
        return IncidentLink.objects.filter(
            incident__public_id=public_id, incident__is_public=True
        ).values("meeting")

    def refs_by_meeting(self, meeting_ids: list[int]) -> dict[int, list[RelatedRef]]:
        found: dict[int, list[RelatedRef]] = {pk: [] for pk in meeting_ids}
        if not found:
            return found
        return self._refs(
            found,
            IncidentLink.objects.filter(
                meeting_id__in=list(found), incident__is_public=True
            ),
        )

    def refs_of_published(self) -> dict[int, list[RelatedRef]]:
        # A join, not thousands of meeting ids as parameters (the search's facts).
        from meetings.models import Meeting

        return self._refs(
            {},
            IncidentLink.objects.filter(
                meeting__status=Meeting.Status.PUBLISHED,
                meeting__current_publication__isnull=False,
                incident__is_public=True,
            ),
        )

    def _refs(
        self, found: dict[int, list[RelatedRef]], links: QuerySet
    ) -> dict[int, list[RelatedRef]]:
        rows = links.order_by("incident__started_at", "incident_id").values_list(
            "meeting_id",
            "incident__public_id",
            "incident__title",
            "incident__is_drill",
            "incident__started_at",
        )
        # Each incident's URLs once: the search's facts ask for every published
        # meeting, thousands of links to a few dozen incidents.
        urls: dict[uuid.UUID, tuple[str, str]] = {}
        for meeting_id, public_id, title, is_drill, started_at in rows:
            listed = found.setdefault(meeting_id, [])
            if all(ref.public_id != public_id for ref in listed):
                if public_id not in urls:
                    urls[public_id] = (
                        reverse("incidents_public:incident", args=[public_id]),
                        reverse("api:incident", args=[public_id]),
                    )
                url, api_url = urls[public_id]
                listed.append(
                    RelatedRef(
                        public_id=public_id,
                        title=title,
                        is_drill=is_drill,
                        url=url,
                        api_url=api_url,
                        started_at=started_at,
                    )
                )
        return found

    def state_tables(self) -> list[str]:
        # Any change of an incident or a link (the public state's triggers).
        return [Incident._meta.db_table, IncidentLink._meta.db_table]

    def api_state_sql(self) -> list[str]:
        changes = AlertChange._meta.db_table
        return [
            f"(SELECT MAX(updated_at) FROM {Incident._meta.db_table})",
            f"(SELECT MAX(created_at) FROM {changes})",
            f"(SELECT COUNT(*) FROM {changes})",
            f"(SELECT MAX(id) FROM {changes})",
        ]

    def meeting_panel(self, request: HttpRequest, meeting: Meeting) -> SafeString:
        """The alert levels the meeting announced and its public incidents.

        The meeting is published, so each public incident linked to it is too.
        One indexed query for the incidents, whatever the size of the archive.
        """
        incidents = list(
            Incident.objects.filter(is_public=True, links__meeting=meeting.pk)
            .distinct()
            .only("public_id", "title", "is_drill")
            .order_by("started_at", "id")
        )
        if not incidents:
            return mark_safe("")
        return mark_safe(  # noqa: S308  (an escaped template)
            render_to_string(
                "incidents/includes/_meeting_related.html",
                {"meeting": meeting, "incidents": incidents},
                request=request,
            )
        )

    def public_view_names(self) -> set[str]:
        return {
            "incidents_public:list",
            "incidents_public:list_page",
            "incidents_public:incident",
        }

    def tree_urls(self) -> list[str]:
        from incidents.views import PAGE_SIZE
        from meetings.site.pages import paged_urls

        public = list(Incident.objects.public().values_list("pk", "public_id"))
        first = reverse("incidents_public:list")
        urls = paged_urls(len(public), first, PAGE_SIZE)
        pairs = set(
            IncidentLink.objects.filter(
                incident__in=[pk for pk, _ in public],
                meeting__in=Meeting.objects.published(),
            ).values_list("incident", "meeting")
        )
        counts = Counter(incident for incident, _ in pairs)
        for pk, public_id in public:
            urls.append(reverse("incidents_public:incident", args=[public_id]))
            archive = reverse("public:archive_related", args=[public_id])
            urls += paged_urls(counts[pk], archive)
        return urls

    def tree_urls_of(self, public_ids: set[str]) -> list[str]:
        urls = []
        for public_id in sorted(public_ids):
            urls.append(reverse("incidents_public:incident", args=[public_id]))
            urls.append(reverse("public:archive_related", args=[public_id]))
        return urls

    def announced_by(self, meeting: Meeting) -> set[str]:
        """Incidents whose alert levels this meeting announced: their pages and
        their other meetings' pages show the level in force, which it may change."""
        changes = AlertChange.objects.filter(meeting=meeting)
        return {str(i) for i in changes.values_list("incident__public_id", flat=True)}
