"""Admin: the security log (read only) and login locks (read, unlock)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages

from crisis_meetings.accounts.models import LoginLock, SecurityEvent
from crisis_meetings.accounts.security_log import record


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "username", "ip_address", "actor", "details"]
    list_filter = ["kind", "created_at"]
    search_fields = ["username", "ip_address", "actor"]
    date_hierarchy = "created_at"
    list_per_page = 100

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="詳細")
    def details(self, obj) -> str:
        return " ".join(f"{k}={v}" for k, v in (obj.detail or {}).items())


@admin.register(LoginLock)
class LoginLockAdmin(ReadOnlyAdmin):
    """Failed logins counted by django-axes. Deleting a row lifts its lock."""

    list_display = [
        "attempt_time_ja",
        "username_ja",
        "ip_address_ja",
        "failures_ja",
        "locked_ja",
    ]
    search_fields = ["username", "ip_address"]
    actions = ["unlock"]
    fields = ["username", "ip_address", "user_agent", "failures_since_start"]

    @admin.display(description="最後の失敗", ordering="attempt_time")
    def attempt_time_ja(self, obj):
        return obj.attempt_time

    @admin.display(description="ユーザー名(入力されたもの)", ordering="username")
    def username_ja(self, obj):
        return obj.username

    @admin.display(description="接続元", ordering="ip_address")
    def ip_address_ja(self, obj):
        return obj.ip_address

    @admin.display(description="失敗回数", ordering="failures_since_start")
    def failures_ja(self, obj):
        return obj.failures_since_start

    @admin.display(description="ロック中", boolean=True)
    def locked_ja(self, obj):
        return obj.failures_since_start >= settings.AXES_FAILURE_LIMIT

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="選択した記録を消してロックを解除する")
    def unlock(self, request, queryset):
        for attempt in queryset:
            record(
                "unlock",
                request=request,
                username=attempt.username or "",
                unlocked_ip=attempt.ip_address,
                failures=attempt.failures_since_start,
            )
        count = queryset.count()
        queryset.delete()
        messages.success(request, f"{count}件のロックを解除しました。")

    def delete_model(self, request, obj):
        record(
            "unlock",
            request=request,
            username=obj.username or "",
            unlocked_ip=obj.ip_address,
            failures=obj.failures_since_start,
        )
        super().delete_model(request, obj)
