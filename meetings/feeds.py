"""Atom feed of published 開催結果: current publications of published meetings only."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Min, QuerySet
from django.db.models.fields.json import KeyTransform
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from meetings import wareki
from meetings.models import Meeting

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

FEED_SIZE = 50


class _FeedAnnotations(TypedDict):
    first_published_at: datetime
    agenda: list[str] | None  # the current publication's data["agenda"]


FeedMeeting: TypeAlias = "WithAnnotations[Meeting, _FeedAnnotations]"


class PublishedMeetingsFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return settings.SITE_NAME

    def subtitle(self) -> str:
        return f"{settings.SITE_ORGANISATION}が公開した会議の開催結果"

    def link(self) -> str:
        return reverse("public:archive")

    def feed_url(self) -> str:
        return reverse("public:feed")

    def author_name(self) -> str:
        return settings.SITE_ORGANISATION

    def items(self) -> QuerySet[FeedMeeting]:
        return (
            Meeting.objects.published()
            .select_related("current_publication")
            .only(
                "public_id",
                "current_publication__title",
                "current_publication__held_on",
                "current_publication__published_at",
                "current_publication__correction_note",
            )
            .annotate(
                first_published_at=Min("publications__published_at"),
                agenda=KeyTransform("agenda", "current_publication__data"),
            )
            .order_by("-current_publication__published_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, item: FeedMeeting) -> str:
        return item.live_publication.title

    def item_description(self, item: FeedMeeting) -> str:
        publication = item.live_publication
        lines = [f"開催日: {wareki.format_wareki(publication.held_on, weekday=True)}"]
        lines += [f"協議概要: {text}" for text in item.agenda or []]
        if publication.correction_note:
            lines.append(f"訂正: {publication.correction_note}")
        return "\n".join(lines)

    def item_link(self, item: FeedMeeting) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: FeedMeeting) -> str:
        return f"urn:uuid:{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: FeedMeeting) -> datetime:
        return item.first_published_at

    def item_updateddate(self, item: FeedMeeting) -> datetime:
        return item.live_publication.published_at
