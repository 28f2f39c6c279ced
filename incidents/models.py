"""Incidents: what a series of meetings is about, and their links to meetings."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from meetings.models import AgendaItem, Meeting, Organisation, Section


class Incident(models.Model):
    class Category(models.TextChoices):
        CYBER = "cyber", "サイバー攻撃"
        ANIMAL_DISEASE = "animal_disease", "家畜伝染病"
        INFECTION = "infection", "感染症"
        WEATHER = "weather", "気象災害"
        EARTHQUAKE = "earthquake", "地震・津波"
        MISSILE = "missile", "国民保護(ミサイル等)"
        OTHER = "other", "その他"

    class Status(models.TextChoices):
        ACTIVE = "active", "対応中"
        MONITORING = "monitoring", "警戒・監視"
        CLOSED = "closed", "終結"

    public_id = models.UUIDField(
        "公開ID", default=uuid.uuid4, unique=True, editable=False
    )
    title = models.CharField("事案名", max_length=200)
    category = models.CharField("分類", max_length=30, choices=Category.choices)
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    is_drill = models.BooleanField("訓練", default=False)
    started_at = models.DateTimeField("発生日時")
    ended_at = models.DateTimeField("終結日時", null=True, blank=True)
    affected_organisation = models.CharField(
        "被害・影響を受けた組織", max_length=200, blank=True
    )
    affected_org = models.ForeignKey(
        Organisation,
        verbose_name="所管組織",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    public_summary = models.TextField("公開用概要", blank=True)
    is_public = models.BooleanField(
        "公開する",
        default=True,
        help_text="公開ページには、公開済みの会議に関係する事案だけが表示されます。",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "事案"
        verbose_name_plural = "事案"
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="incident_ended_after_started",
            )
        ]

    def __str__(self) -> str:
        return f"【訓練】{self.title}" if self.is_drill else self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "incidents_public:incident", kwargs={"public_id": self.public_id}
        )


class IncidentLink(models.Model):
    """A meeting (optionally one agenda item or section of it) that concerns an incident."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="links"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="incident_links"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="incident_links",
    )
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="incident_links",
    )
    note = models.CharField("メモ", max_length=200, blank=True)

    class Meta:
        verbose_name = "事案と会議の関連"
        verbose_name_plural = "事案と会議の関連"
        ordering = ["incident", "meeting__held_on", "meeting__start_time", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "meeting"],
                condition=Q(agenda_item__isnull=True, section__isnull=True),
                name="incident_meeting_link_unique",
            ),
            models.UniqueConstraint(
                fields=["incident", "section"],
                condition=Q(section__isnull=False),
                name="incident_section_link_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident} - {self.meeting}"
