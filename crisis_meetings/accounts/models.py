"""The security log kept for admins (each event is also one log line)."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db import models


class SecurityEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN_FAILED = "login_failed", "ログイン失敗"
        LOGIN = "login", "ログイン(パスワード確認)"
        LOCKOUT = "lockout", "ログイン制限(ロック)"
        UNLOCK = "unlock", "ロック解除(管理者)"
        LOGOUT = "logout", "ログアウト"
        MFA_VERIFIED = "mfa_verified", "確認コード成功"
        MFA_FAILED = "mfa_failed", "確認コード失敗"
        MFA_ENROLLED = "mfa_enrolled", "2段階認証の登録"
        MFA_REMOVED = "mfa_removed", "2段階認証の削除"
        BACKUP_CODES = "backup_codes", "バックアップコードの発行"
        ROLE_CHANGED = "role_changed", "権限の変更"

    created_at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
    kind = models.CharField("種類", max_length=32, choices=Kind.choices)
    # The user name as typed or as it was then (users are renamed or never existed).
    username = models.CharField("ユーザー名", max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="利用者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField("接続元", null=True, blank=True)
    actor = models.CharField("操作した人", max_length=150, blank=True)
    detail = models.JSONField("詳細", default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "セキュリティログ"
        verbose_name_plural = "セキュリティログ"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"


class LoginLock(AccessAttempt):
    """django-axes' failed-login counter, named in Japanese for the admin."""

    class Meta:
        proxy = True
        verbose_name = "ログイン失敗とロック"
        verbose_name_plural = "ログイン失敗とロック"
