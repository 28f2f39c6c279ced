"""Login (password, then 確認コード), enrolment of an authenticator app with backup
codes, the account's second-factor page, and logout."""

from __future__ import annotations

from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_otp import (
    DEVICE_ID_SESSION_KEY,
    devices_for_user,
    user_has_device,
    verify_token,
)
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from crisis_meetings.accounts.forms import SetupForm, TokenForm
from crisis_meetings.accounts.mfa import (
    SESSION_OWES_CODE,
    mfa_required,
    needs_verification,
)
from crisis_meetings.accounts.security_log import record

SETUP_KEY = "mfa_setup_key"
BACKUP_DEVICE_NAME = "バックアップコード"
TOTP_DEVICE_NAME = "認証アプリ"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _to_login(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(_with_next("login", request.get_full_path()))


class LoginView(auth_views.LoginView):
    """Step 1: the password (django-axes counts failures and locks). Users who need
    a second factor go on to the 確認コード step, or to enrolment if they have none.
    """

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)
        next_url = self.get_success_url()
        has_device = user_has_device(user)
        if has_device:
            self.request.session[SESSION_OWES_CODE] = True
        if has_device or mfa_required(user):
            return HttpResponseRedirect(
                _with_next("otp_verify" if has_device else "otp_setup", next_url)
            )
        return HttpResponseRedirect(next_url)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's). `Clear-Site-Data: "storage"` makes the browser drop this
    site's localStorage, where the editor keeps its copy of unsaved text."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response


def _complete_verification(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # A new session key once the second factor is proven (no fixation across steps).
    request.session.cycle_key()


def _issue_backup_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.MFA_BACKUP_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    record("backup_codes", user=user, count=len(codes))
    return codes


def _backup_codes_page(request, codes: list[str], next_url: str) -> HttpResponse:
    return render(
        request, "registration/backup_codes.html", {"codes": codes, "next": next_url}
    )


def otp_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: a code from the authenticator app, or one of the backup codes."""
    user = request.user
    if not user.is_authenticated:
        return _to_login(request)
    next_url = _next_url(request)
    if user.is_verified():
        return HttpResponseRedirect(next_url)
    devices = sorted(
        devices_for_user(user), key=lambda d: not isinstance(d, TOTPDevice)
    )
    if not devices:
        return HttpResponseRedirect(_with_next("otp_setup", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        verified = None
        # django-otp delays the next try after each miss (1 s, 2 s, 4 s, ...).
        throttled = all(not d.verify_is_allowed()[0] for d in devices)
        for device in [] if throttled else devices:
            verified = verify_token(user, device.persistent_id, token)
            if verified is not None:
                break
        if verified is not None:
            _complete_verification(request, verified)
            method = "totp" if isinstance(verified, TOTPDevice) else "backup_code"
            extra = {}
            if method == "backup_code":
                extra["backup_codes_left"] = verified.token_set.count()
                left = extra["backup_codes_left"]
                messages.warning(
                    request,
                    f"バックアップコードを使いました(残り{left}個)。"
                    "使い切る前に「2段階認証の設定」で作り直してください。",
                )
            record("mfa_verified", request=request, user=user, method=method, **extra)
            return HttpResponseRedirect(next_url)
        record("mfa_failed", request=request, user=user, throttled=throttled)
        form.add_error(
            "token",
            "確認コードの入力に続けて失敗したため、しばらく受け付けません。"
            "少し待ってから、新しいコードを入力してください。"
            if throttled
            else "確認コードが正しくないか、有効期限が切れています。"
            "認証アプリに表示されている最新のコードを入力してください。",
        )
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": next_url, "mfa_required": mfa_required(user)},
    )


def _setup_allowed(request: HttpRequest) -> bool:
    """Enrol only without an authenticator app, and never from a session that owes a
    code for a device the user already has (a stolen password must not add one)."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return False
    return user.is_verified() or not user_has_device(user)


def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: scan the QR code (or type the key), confirm with a code, then the
    backup codes are shown once."""
    user = request.user
    if not user.is_authenticated:
        return _to_login(request)
    next_url = _next_url(request)
    if not _setup_allowed(request):
        if needs_verification(user, request.session):
            return HttpResponseRedirect(_with_next("otp_verify", next_url))
        return redirect("mfa_settings")
    key = request.session.get(SETUP_KEY)
    if not key:
        key = request.session[SETUP_KEY] = random_hex(20)
    device = TOTPDevice(user=user, key=key, name=TOTP_DEVICE_NAME, confirmed=True)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
        if totp.verify(int(form.cleaned_data["token"]), tolerance=device.tolerance):
            with transaction.atomic():
                device.last_t = totp.t()
                device.save()
                codes = _issue_backup_codes(user)
            del request.session[SETUP_KEY]
            _complete_verification(request, device)
            return _backup_codes_page(request, codes, next_url)
        record("mfa_failed", request=request, user=user, step="enrolment")
        form.add_error(
            "token",
            "確認コードが一致しません。認証アプリの時刻設定と、読み取ったQRコードが"
            "このページのものかを確かめて、表示されている最新のコードを入力してください。",
        )
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "next": next_url,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "mfa_required": mfa_required(user),
        },
    )


@require_GET
def otp_setup_qr(request: HttpRequest) -> HttpResponse:
    """The enrolment QR code as SVG, drawn on the server (no external service)."""
    key = request.session.get(SETUP_KEY)
    if not request.user.is_authenticated or not key or not _setup_allowed(request):
        return HttpResponse(status=404)
    device = TOTPDevice(user=request.user, key=key)
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        box_size=10,
        border=2,
    )
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


def _verified_or_redirect(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return _to_login(request)
    if needs_verification(request.user, request.session):
        return HttpResponseRedirect(_with_next("otp_verify", request.get_full_path()))
    return None


def mfa_settings(request: HttpRequest) -> HttpResponse:
    """The account's second factor: status, new backup codes, re-enrolment."""
    if (refused := _verified_or_redirect(request)) is not None:
        return refused
    user = request.user
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return render(
        request,
        "registration/mfa_settings.html",
        {
            "totp": totp,
            "backup_left": backup.token_set.count() if backup else 0,
            "mfa_required": mfa_required(user),
        },
    )


@require_POST
def backup_codes_renew(request: HttpRequest) -> HttpResponse:
    if (refused := _verified_or_redirect(request)) is not None:
        return refused
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("mfa_settings")
    codes = _issue_backup_codes(request.user)
    return _backup_codes_page(request, codes, reverse("mfa_settings"))


@require_POST
def mfa_reset(request: HttpRequest) -> HttpResponse:
    """Remove the authenticator app: to register a new one, or (where the role does
    not require it) to stop using a second factor."""
    if (refused := _verified_or_redirect(request)) is not None:
        return refused
    user = request.user
    stop = request.POST.get("action") == "remove" and not mfa_required(user)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        if stop:
            StaticDevice.objects.filter(user=user).delete()
    if stop:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session.pop(SESSION_OWES_CODE, None)
        messages.success(request, "2段階認証をやめました。")
        return redirect("mfa_settings")
    # The session was verified a moment ago: it stays so while the new app is set up.
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if backup is not None:
        otp_login(request, backup)
    return redirect("otp_setup")


def lockout(request: HttpRequest, original_response=None, credentials=None):
    """django-axes' lockout answer: 429 and a page that says nothing about whether
    the user name exists (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
