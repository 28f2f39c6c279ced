"""Security events from Django, django-axes and django-otp signals."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from crisis_meetings.accounts.security_log import record

User = get_user_model()
ROLE_FLAGS = ("is_superuser", "is_staff", "is_active")


def _refused_while_locked(request) -> bool:
    # django-axes refused the attempt before checking the password: its database
    # handler returned early, without counting failures.
    return bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username") or ""
    if request is not None and _refused_while_locked(request):
        # A line, not a row: a flood of refused attempts costs no database write.
        record("login_refused_locked", request=request, username=username, store=False)
        return
    failures = getattr(request, "axes_failures_since_start", None)
    record("login_failed", request=request, username=username, failures=failures)


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    if _refused_while_locked(request):
        return
    record("lockout", request=request, username=username or "")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    from crisis_meetings.accounts.mfa import mfa_required

    record("login", request=request, user=user, mfa_required=mfa_required(user))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record("logout", request=request, user=user)


def _device_kind(device) -> str:
    return "totp" if isinstance(device, TOTPDevice) else "backup_codes"


@receiver(post_save, sender=TOTPDevice)
@receiver(post_save, sender=StaticDevice)
def _device_saved(sender, instance, created, **kwargs):
    if created and instance.confirmed:
        record("mfa_enrolled", user=instance.user, device=_device_kind(instance))


@receiver(post_delete, sender=TOTPDevice)
@receiver(post_delete, sender=StaticDevice)
def _device_deleted(sender, instance, **kwargs):
    user = User.objects.filter(pk=instance.user_id).first()
    record(
        "mfa_removed",
        user=user,
        username=user.get_username() if user else "",
        device=_device_kind(instance),
    )


@receiver(pre_save, sender=User)
def _remember_flags(sender, instance, **kwargs):
    if instance.pk is None:
        instance._security_old_flags = None
        return
    old = sender.objects.filter(pk=instance.pk).values(*ROLE_FLAGS).first()
    instance._security_old_flags = old


@receiver(post_save, sender=User)
def _flags_changed(sender, instance, created, **kwargs):
    old = getattr(instance, "_security_old_flags", None)
    if created:
        changes = {
            f: getattr(instance, f) for f in ROLE_FLAGS[:2] if getattr(instance, f)
        }
    elif old is None:
        return
    else:
        changes = {
            f: getattr(instance, f)
            for f in ROLE_FLAGS
            if old[f] != getattr(instance, f)
        }
    if changes:
        record("role_changed", user=instance, **changes)


@receiver(m2m_changed, sender=User.groups.through)
def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    from django.contrib.auth.models import Group

    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if reverse:  # users added to or removed from a group, from the group's side
        group_names = [instance.name]
        users = list(User.objects.filter(pk__in=pk_set or []))
        if action == "pre_clear":
            users = list(instance.user_set.all())
    else:
        users = [instance]
        if action == "pre_clear":
            group_names = list(instance.groups.values_list("name", flat=True))
        else:
            group_names = list(
                Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True)
            )
    if not group_names:
        return
    key = "groups_added" if action == "post_add" else "groups_removed"
    for user in users:
        record("role_changed", user=user, **{key: sorted(group_names)})
