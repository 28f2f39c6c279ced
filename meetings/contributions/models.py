"""Contribution requests: the coordinator asks departments for their sections.

A request asks one department for its ■ section(s) of one meeting by a due time. The
department writes them (a draft it may save), then submits: each submission is an
immutable ``ContributionVersion``. The coordinator returns a version with a reason
or accepts it into the meeting (``services.contribution_accept``, through the
meetings services). What a department wrote stays in its versions whatever
happens to the meeting afterwards. ``ContributionEvent`` is the request's log.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from meetings.models import AppendOnlyModel, Meeting, Organisation, Section


class ContributionRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "未提出"
        SUBMITTED = "submitted", "提出済み"
        RETURNED = "returned", "差戻し中"
        ACCEPTED = "accepted", "反映済み"

    meeting = models.ForeignKey(
        Meeting,
        verbose_name="会議",
        on_delete=models.PROTECT,
        related_name="contribution_requests",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="依頼先の部署",
        on_delete=models.PROTECT,
        related_name="contribution_requests",
    )
    # The order in which the coordinator listed the departments: where an accepted
    # contribution goes by default.
    order = models.PositiveIntegerField("順番", default=0)
    due_at = models.DateTimeField("提出期限")
    # The template: the section the department starts from.
    kind = models.CharField(
        "種別",
        max_length=20,
        choices=Section.Kind.choices,
        default=Section.Kind.EXPLANATION,
    )
    speaker = models.CharField("発言者", max_length=200, blank=True)
    topic = models.CharField("話題", max_length=300, blank=True)
    note = models.TextField("依頼の内容", blank=True)
    status = models.CharField(
        "状態",
        max_length=20,
        choices=Status.choices,
        default=Status.REQUESTED,
        db_index=True,
    )
    # What the department is writing and has not submitted yet (layout sections).
    draft = models.JSONField("書きかけの原稿", default=list, blank=True)
    draft_saved_at = models.DateTimeField("書きかけの保存日時", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="依頼者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contribution_requests_made",
    )
    requested_at = models.DateTimeField("依頼日時", default=timezone.now)
    accepted_version = models.ForeignKey(
        "ContributionVersion",
        verbose_name="反映した原稿",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "原稿依頼"
        verbose_name_plural = "原稿依頼"
        ordering = ["meeting", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "organisation"],
                name="contribution_request_one_per_department",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} - {self.meeting}"

    @property
    def is_open(self) -> bool:
        """The department may still write and submit."""
        return self.status in (self.Status.REQUESTED, self.Status.RETURNED)

    def is_overdue(self, now: Any = None) -> bool:
        return self.is_open and (now or timezone.now()) > self.due_at

    def latest_version(self) -> ContributionVersion | None:
        return self.versions.order_by("-number").first()


class ContributionVersion(AppendOnlyModel):
    """One submission: the sections as the department sent them, never changed."""

    request = models.ForeignKey(
        ContributionRequest,
        verbose_name="原稿依頼",
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField("提出回")
    sections = models.JSONField("説明・報告・指示")
    text = models.TextField("テキスト")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contribution_versions",
    )
    submitted_at = models.DateTimeField("提出日時", default=timezone.now)

    class Meta:
        verbose_name = "提出された原稿"
        verbose_name_plural = "提出された原稿"
        ordering = ["request", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "number"], name="contribution_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request}(第{self.number}回提出)"


class ContributionEvent(AppendOnlyModel):
    """The request's log: asked, submitted, returned (with the reason), accepted."""

    class Action(models.TextChoices):
        REQUEST = "request", "依頼"
        SUBMIT = "submit", "提出"
        RETURN = "return", "差戻し"
        ACCEPT = "accept", "会議に反映"

    request = models.ForeignKey(
        ContributionRequest,
        verbose_name="原稿依頼",
        on_delete=models.PROTECT,
        related_name="events",
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contribution_events",
    )
    version = models.ForeignKey(
        ContributionVersion,
        verbose_name="原稿",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    comment = models.TextField("理由・メモ", blank=True)
    created_at = models.DateTimeField("日時", default=timezone.now)

    class Meta:
        verbose_name = "原稿依頼の履歴"
        verbose_name_plural = "原稿依頼の履歴"
        ordering = ["request", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"
