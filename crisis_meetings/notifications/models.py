"""Notifications to staff, the mail outbox, and the public mail subscription.

Nothing here stores more of a person than it needs: staff mails are addressed at
sending time from the user's own address, subscriber mails from the subscription
(deleted, with its queued mails, on unsubscribe).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


class Event(models.TextChoices):
    """What a staff member can be told about (the settings page lists them)."""

    CONTRIBUTION_REQUESTED = "contribution_requested", "原稿依頼"
    CONTRIBUTION_DUE = "contribution_due", "原稿の提出期限(2時間前)"
    CONTRIBUTION_SUBMITTED = "contribution_submitted", "原稿の提出"
    CONTRIBUTION_RETURNED = "contribution_returned", "原稿の差戻し"
    MEETING_SUBMITTED = "meeting_submitted", "承認依頼"
    MEETING_RETURNED = "meeting_returned", "差戻し"
    MEETING_PUBLISHED = "meeting_published", "公開・訂正"
    DIRECTIVE_ASSIGNED = "directive_assigned", "指示事項の割当"
    DIRECTIVE_DUE_SOON = "directive_due_soon", "指示事項の期限が近いこと"
    DIRECTIVE_OVERDUE = "directive_overdue", "指示事項の期限超過"


def _new_key() -> str:
    return secrets.token_urlsafe(24)


class MailPreference(models.Model):
    """A user's choice for one event: by mail or only in the app (default: by mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mail_preferences",
        verbose_name="利用者",
    )
    event = models.CharField("通知の種類", max_length=40, choices=Event.choices)
    by_mail = models.BooleanField("メールで受け取る", default=True)

    class Meta:
        verbose_name = "通知の受け取り方"
        verbose_name_plural = "通知の受け取り方"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event"], name="mail_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_event_display()}"


class OutboxMail(models.Model):
    """A mail waiting to be sent, or sent. Retried until ``NOTIFY_MAIL_MAX_ATTEMPTS``.

    No address is copied here: it is read from the user or the subscription when
    the mail is sent, so a deleted subscription takes its queued mails with it.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", "通知"
        DIGEST = "digest", "通知のまとめ"
        CONFIRM = "confirm", "登録の確認"
        PUBLIC = "public", "開催結果の配信"

    class Status(models.TextChoices):
        PENDING = "pending", "送信待ち"
        SENT = "sent", "送信済み"
        FAILED = "failed", "送信できず(再送をやめた)"
        CANCELLED = "cancelled", "取りやめ"

    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    status = models.CharField(
        "状態",
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_mails",
        verbose_name="宛先の職員",
    )
    subscription = models.ForeignKey(
        "Subscription",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_mails",
        verbose_name="宛先の登録",
    )
    # Public mails: which publication, so that a withdrawal cancels what is queued
    # and a subscriber gets one mail per publication.
    publication = models.ForeignKey(
        "meetings.Publication",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    subject = models.CharField("件名", max_length=300)
    body = models.TextField("本文")
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField("送信を試みた回数", default=0)
    last_error = models.CharField("最後の失敗", max_length=300, blank=True)
    next_attempt_at = models.DateTimeField("次に送る日時", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)

    class Meta:
        verbose_name = "送信メール"
        verbose_name_plural = "送信メール"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, subscription__isnull=True)
                | Q(user__isnull=True, subscription__isnull=False),
                name="outbox_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["subscription", "publication"],
                condition=Q(publication__isnull=False),
                name="outbox_one_mail_per_publication",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class Notification(models.Model):
    """One event told to one staff member; in the app always, by mail if they want."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="宛先",
    )
    event = models.CharField("通知の種類", max_length=40, choices=Event.choices)
    # What happened, so that the same event (a reminder run twice, a job retried)
    # is never told twice: unique per recipient.
    key = models.CharField(max_length=200)
    title = models.CharField("件名", max_length=300)
    body = models.TextField("内容", blank=True)
    url = models.CharField("リンク先", max_length=500, blank=True)
    created_at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("既読にした日時", null=True, blank=True)
    wants_mail = models.BooleanField("メールで送る", default=False)
    mail = models.ForeignKey(
        OutboxMail,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        verbose_name="送信メール",
    )

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="notification_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class Subscription(models.Model):
    """A citizen's mail subscription (防災メール style), confirmed by a mail.

    Holds the address and what it wants, nothing else; deleted on unsubscribe.
    Unconfirmed ones are deleted after ``SUBSCRIPTION_CONFIRM_HOURS``.
    """

    email = models.EmailField("メールアドレス", max_length=254)
    # "all", "type:<id>" or "incident:<id>": one subscription per address and scope.
    scope = models.CharField("配信の範囲", max_length=40, default="all")
    meeting_type = models.ForeignKey(
        "meetings.MeetingType",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="会議の種類",
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="事案",
    )
    key = models.CharField(max_length=64, unique=True, default=_new_key)
    created_at = models.DateTimeField("申込日時", auto_now_add=True)
    confirmed_at = models.DateTimeField("登録日時", null=True, blank=True)

    class Meta:
        verbose_name = "メール配信の登録"
        verbose_name_plural = "メール配信の登録"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "scope"], name="subscription_one_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{mask_email(self.email)} ({self.scope_label})"

    @property
    def scope_label(self) -> str:
        if self.meeting_type_id:
            return f"{self.meeting_type}の開催結果"
        if self.incident_id:
            drill = "【訓練】" if self.incident.is_drill else ""
            return f"{drill}事案「{self.incident.title}」に関する開催結果"
        return "すべての開催結果"


def mask_email(address: str) -> str:
    """t***@e***.jp: enough to tell rows apart, not enough to read the address."""
    local, _, domain = (address or "").partition("@")
    head, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{head[:1]}***.{tld}" if tld else "***"
