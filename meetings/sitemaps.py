"""sitemap.xml sections for the public meeting pages (published meetings only)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from meetings.models import Meeting


class ArchiveSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return ["public:archive"]

    def location(self, item: str) -> str:
        return reverse(item)


class MeetingSitemap(Sitemap):
    changefreq = "monthly"
    # One sitemap.xml holds every meeting (the protocol's maximum is 50,000 URLs):
    # the publication tree has no ?p=2 page.
    limit = 50000

    def items(self) -> QuerySet[Meeting]:
        return (
            Meeting.objects.published()
            .select_related("current_publication")
            .only("public_id", "current_publication__published_at")
            .order_by("-current_publication__held_on", "-id")
        )

    def lastmod(self, item: Meeting) -> datetime:
        publication = item.current_publication
        assert publication is not None  # items() are published meetings only
        return publication.published_at
