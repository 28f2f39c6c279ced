"""Staff: the notification list, opening one (marks it read), mark all read, mail
settings. Public (dynamic, under /mail/): subscribe, confirm, unsubscribe."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from crisis_meetings.accounts.security_log import client_ip
from crisis_meetings.notifications import services
from crisis_meetings.notifications.forms import MailSettingsForm, SubscribeForm
from crisis_meetings.notifications.models import Event, MailPreference, Notification

# ---------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "")
    notes = Notification.objects.filter(recipient=request.user).select_related("mail")
    if show == "unread":
        notes = notes.filter(read_at__isnull=True)
    page = Paginator(notes.order_by("-created_at", "-id"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "show": show,
            "unread": services.unread_count(request.user),
        },
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go to what it is about."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(user=request.user, ids=[note.pk])
    if note.url and url_has_allowed_host_and_scheme(
        note.url, allowed_hosts={request.get_host()}
    ):
        return redirect(note.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()]
    count = services.mark_read(user=request.user, ids=ids or None)
    messages.success(
        request,
        f"{count}件を既読にしました。" if count else "未読の通知はありません。",
    )
    return redirect("notifications:list")


@login_required
def mail_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = {p.event: p.by_mail for p in MailPreference.objects.filter(user=user)}
    initial = {"events": [e for e in Event.values if current.get(e, True)]}
    if request.method == "POST":
        form = MailSettingsForm(request.POST)
        if form.is_valid():
            chosen = set(form.cleaned_data["events"])
            for event in Event.values:
                MailPreference.objects.update_or_create(
                    user=user, event=event, defaults={"by_mail": event in chosen}
                )
            messages.success(request, "通知の受け取り方を保存しました。")
            return redirect("notifications:settings")
    else:
        form = MailSettingsForm(initial=initial)
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "has_email": bool(user.email)},
    )


# ---------------------------------------------------------------------------
# Public subscription
# ---------------------------------------------------------------------------

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _parse_rate(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period]


def _hit(bucket: str, ident: str, rate: str) -> bool:
    """Count one request; False when over the rate. A broken cache lets it through."""
    limit, seconds = _parse_rate(rate)
    key = f"subscribe:{bucket}:{ident}"
    try:
        cache.add(key, 0, timeout=seconds)
        return cache.incr(key) <= limit
    except Exception:
        return True


def _address_ident(email: str) -> str:
    """The address as a keyed hash: the cache never holds an address."""
    return hmac.new(
        settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256
    ).hexdigest()[:32]


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "notifications/public/too_many.html", status=429)
    response["Retry-After"] = "3600"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if not _hit(
            "ip", client_ip(request) or "unknown", settings.SUBSCRIBE_RATE_PER_IP
        ):
            return _too_many(request)
        if form.is_valid():
            email = form.cleaned_data["email"]
            if not _hit(
                "address", _address_ident(email), settings.SUBSCRIBE_RATE_PER_ADDRESS
            ):
                return _too_many(request)
            scope = form.chosen_scope()
            services.subscribe(email=email, **scope)
            return redirect("mail:sent")
    else:
        form = SubscribeForm(initial=SubscribeForm.initial_from(request.GET))
    return render(
        request,
        "notifications/public/subscribe.html",
        {"form": form, "hours": settings.SUBSCRIPTION_CONFIRM_HOURS},
    )


def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/public/sent.html",
        {"hours": settings.SUBSCRIPTION_CONFIRM_HOURS},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links); POST confirms."""
    subscription = services.subscription_for_confirm(token)
    if subscription is None:
        return render(request, "notifications/public/invalid.html", status=404)
    if request.method == "POST":
        services.confirm(subscription)
        return render(
            request,
            "notifications/public/confirmed.html",
            {
                "subscription": subscription,
                "unsubscribe_token": services.unsubscribe_token(subscription),
            },
        )
    return render(
        request,
        "notifications/public/confirm.html",
        {"subscription": subscription, "token": token},
    )


@csrf_exempt  # RFC 8058: the mail client posts List-Unsubscribe=One-Click, no form
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscription = services.subscription_for_unsubscribe(token)
    if request.method == "POST":
        if subscription is not None:
            services.unsubscribe(subscription)
        # The same answer when it was already gone: one click may come twice.
        return render(request, "notifications/public/unsubscribed.html")
    if subscription is None:  # a forged link, or one already used
        return render(request, "notifications/public/unsubscribed.html", status=404)
    return render(
        request,
        "notifications/public/unsubscribe.html",
        {"subscription": subscription, "token": token},
    )
