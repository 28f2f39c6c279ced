"""sitemap.xml section for public incident pages (listed in settings.PUBLIC_SITEMAPS)."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet

from incidents.models import Incident


class IncidentSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[Incident]:
        return Incident.objects.public().only("public_id").order_by("-started_at", "id")
