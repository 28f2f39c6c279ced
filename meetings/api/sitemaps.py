"""sitemap.xml section for the open data: the data page and every bulk file."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap

from meetings.api import bulk


class DataSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.3

    def items(self) -> list[str]:
        return bulk.file_urls()

    def location(self, item: str) -> str:
        return item
