"""Admin: the outbox (to see what waits and why) and the subscriptions, counted
but never showing an address (masked; no field, no search on it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from crisis_meetings.notifications.models import (
    Notification,
    OutboxMail,
    Subscription,
    mask_email,
)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["masked_email", "scope_label", "created_at", "confirmed_at"]
    list_filter = ["confirmed_at"]
    fields = ["masked_email", "scope_label", "created_at", "confirmed_at"]
    readonly_fields = fields
    search_fields: list[str] = []
    show_full_result_count = True

    @admin.display(description="メールアドレス(一部を伏せて表示)")
    def masked_email(self, obj: Subscription) -> str:
        return mask_email(obj.email)

    @admin.display(description="配信の範囲")
    def scope_label(self, obj: Subscription) -> str:
        return obj.scope_label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    fields = [
        "kind",
        "status",
        "subject",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "recipient", "created_at", "read_at"]
    list_filter = ["event"]
    fields = ["recipient", "event", "title", "body", "url", "created_at", "read_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
