"""Write the search documents of every published meeting again (text and PDFs)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from meetings.models import Meeting, Publication
from meetings.search import index_publication


class Command(BaseCommand):
    help = (
        "公開中の会議の検索用文書(本文と添付PDFの各ページ)を作り直す。"
        "検索の正規化を変えたとき、復元の後などに。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        current = Meeting.objects.filter(current_publication__isnull=False).values(
            "current_publication_id"
        )
        publications = Publication.objects.filter(pk__in=current).order_by("pk")
        count = 0
        for publication in publications.iterator(chunk_size=200):
            index_publication(publication)
            count += 1
        self.stdout.write(f"{count}件の公開版の検索用文書を作り直しました。")
