"""Who is told what, the mail outbox, and its delivery.

- ``notify`` records one notification per recipient and event (a ``key`` makes a
  repeat a no-op) and, for those who want mail, leaves it to ``flush_user``.
- ``flush_user`` turns a user's notifications waiting for mail into one mail, or
  one digest when several are waiting; after a mail, further ones wait for
  ``NOTIFY_DIGEST_SECONDS`` and then go as one digest.
- ``deliver`` sends one outbox mail over SMTP (``EMAIL_BACKEND``). A failure is
  recorded on the row (attempts, error, next attempt) and the mail stays queued:
  the Celery task retries it with a growing delay, and ``send_pending_mail`` (cron)
  sends whatever is due. A row is sent at most once (row lock, status).

Everything is started after the commit of the action that caused it
(``transaction.on_commit``), so a save never waits for, or fails with, a mail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crisis_meetings.notifications.models import (
    MailPreference,
    Notification,
    OutboxMail,
    Subscription,
)

logger = logging.getLogger(__name__)

User = get_user_model()


def site_url(path: str) -> str:
    """An absolute URL for a mail (the staff and the public site share the origin)."""
    base = getattr(settings, "NOTIFY_SITE_URL", "") or settings.PUBLIC_SITE_URL
    return f"{base.rstrip('/')}{path}"


def render_mail(template: str, context: dict[str, Any]) -> str:
    """A mail body (plain text, not escaped), lines without trailing spaces."""
    text = render_to_string(
        f"notifications/mail/{template}",
        {
            "SITE_NAME": settings.SITE_NAME,
            "SITE_ORGANISATION": settings.SITE_ORGANISATION,
            **context,
        },
    )
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


# ---------------------------------------------------------------------------
# Staff notifications
# ---------------------------------------------------------------------------


def mail_wanted(users: Iterable[Any], event: str) -> set[int]:
    """Ids of the users who take ``event`` by mail (the default) and have an address."""
    ids = [u.pk for u in users if u.email]
    if not ids:
        return set()
    refused = set(
        MailPreference.objects.filter(
            user_id__in=ids, event=event, by_mail=False
        ).values_list("user_id", flat=True)
    )
    return set(ids) - refused


def notify(
    *,
    recipients: Iterable[Any],
    event: str,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    exclude: Any = None,
) -> list[Notification]:
    """Tell each recipient once (per ``key``); returns the notifications made now.

    ``exclude`` (the user who acted) is never told about their own action.
    """
    people = {
        u.pk: u
        for u in recipients
        if u is not None
        and u.is_active
        and (exclude is None or u.pk != getattr(exclude, "pk", exclude))
    }
    if not people:
        return []
    already = set(
        Notification.objects.filter(recipient_id__in=people, key=key).values_list(
            "recipient_id", flat=True
        )
    )
    by_mail = mail_wanted(people.values(), event)
    made: list[Notification] = []
    for pk, user in people.items():
        if pk in already:
            continue
        try:
            with transaction.atomic():
                made.append(
                    Notification.objects.create(
                        recipient=user,
                        event=event,
                        key=key,
                        title=title[:300],
                        body=body,
                        url=url[:500],
                        wants_mail=pk in by_mail,
                    )
                )
        except IntegrityError:  # made by a concurrent run of the same job
            continue
    return made


def after_commit_flush(notifications: list[Notification]) -> None:
    """Queue the mail of each user who was just told something and wants mail."""
    from crisis_meetings.notifications import tasks

    for user_id in sorted({n.recipient_id for n in notifications if n.wants_mail}):
        transaction.on_commit(
            lambda user_id=user_id: tasks.enqueue(tasks.flush_user, user_id),
            robust=True,
        )


def _digest_window() -> timedelta:
    return timedelta(seconds=settings.NOTIFY_DIGEST_SECONDS)


def flush_user(user_id: int, *, now: datetime | None = None) -> OutboxMail | None:
    """Put the user's notifications waiting for mail into one mail (or a digest).

    Within ``NOTIFY_DIGEST_SECONDS`` of the user's last mail nothing is sent: the
    notifications wait and go together as one digest once the window has passed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            return None
        waiting = list(
            Notification.objects.filter(
                recipient=user, wants_mail=True, mail__isnull=True
            ).order_by("created_at", "id")
        )
        if not waiting:
            return None
        if not user.email or not user.is_active:
            Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(
                wants_mail=False
            )
            return None
        last = (
            OutboxMail.objects.filter(
                user=user, kind__in=[OutboxMail.Kind.SINGLE, OutboxMail.Kind.DIGEST]
            )
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is not None and now < last + _digest_window():
            return None  # wait: they go together when the window has passed
        context = {
            "user": user,
            "notifications": waiting,
            "list_url": site_url(reverse("notifications:list")),
            "settings_url": site_url(reverse("notifications:settings")),
        }
        if len(waiting) == 1:
            note = waiting[0]
            subject = f"【{settings.SITE_NAME}】{note.title}"
            kind = OutboxMail.Kind.SINGLE
            context["notification"] = note
            context["url"] = site_url(note.url) if note.url else ""
            body = render_mail("single.txt", context)
        else:
            subject = f"【{settings.SITE_NAME}】お知らせ{len(waiting)}件"
            kind = OutboxMail.Kind.DIGEST
            context["items"] = [
                {"note": n, "url": site_url(n.url) if n.url else ""} for n in waiting
            ]
            body = render_mail("digest.txt", context)
        mail = OutboxMail.objects.create(
            kind=kind, user=user, subject=subject, body=body
        )
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(mail=mail)
        queue_delivery(mail)
    return mail


def users_waiting_for_mail() -> list[int]:
    return list(
        Notification.objects.filter(wants_mail=True, mail__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# ---------------------------------------------------------------------------
# Delivery
# ---------------------------------------------------------------------------


def queue_delivery(mail: OutboxMail) -> None:
    from crisis_meetings.notifications import tasks

    transaction.on_commit(
        lambda: tasks.enqueue(tasks.deliver_mail, mail.pk), robust=True
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


class DeliveryFailed(Exception):
    """The SMTP server refused or could not be reached; the mail stays queued."""


def _address(mail: OutboxMail) -> str:
    if mail.subscription_id:
        return mail.subscription.email
    return mail.user.email if mail.user_id else ""


def build_message(mail: OutboxMail, address: str) -> EmailMessage:
    headers = {"Message-ID": mail.message_id, "Auto-Submitted": "auto-generated"}
    if mail.subscription_id:
        unsubscribe = site_url(
            reverse("mail:unsubscribe", args=[unsubscribe_token(mail.subscription)])
        )
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        if mail.kind == OutboxMail.Kind.PUBLIC:
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            headers["Precedence"] = "bulk"
    return EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers=headers,
    )


def deliver(mail_id: int, *, timeout: float | None = None) -> str:
    """Send one queued mail; returns its status. Raises ``DeliveryFailed`` after
    recording the failure (committed), so that the caller may retry later.
    ``timeout``: the SMTP connection's, instead of ``EMAIL_TIMEOUT``."""
    failure = ""
    with transaction.atomic():
        mail = (
            OutboxMail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "subscription")
            .filter(pk=mail_id)
            .first()
        )
        if mail is None:
            return "gone"  # unsubscribed (deleted with its mails), or being sent
        if mail.status != OutboxMail.Status.PENDING:
            return mail.status
        if mail.subscription_id and (
            mail.kind != OutboxMail.Kind.CONFIRM
            and mail.subscription.confirmed_at is None
        ):
            mail.status = OutboxMail.Status.CANCELLED
            mail.save(update_fields=["status"])
            return mail.status
        address = _address(mail)
        if not address:
            mail.status = OutboxMail.Status.CANCELLED
            mail.last_error = "宛先のメールアドレスがありません。"
            mail.save(update_fields=["status", "last_error"])
            return mail.status
        if not mail.message_id:
            domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ")
            mail.message_id = make_msgid(
                idstring=f"outbox-{mail.pk}", domain=domain or None
            )
        mail.attempts += 1
        try:
            message = build_message(mail, address)
            if timeout is not None:
                message.connection = get_connection(timeout=timeout)
            if not message.send(fail_silently=False):
                raise DeliveryFailed("送信されませんでした。")
        except Exception as exc:  # SMTP refusal, connection refused, timeout
            mail.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if mail.attempts >= settings.NOTIFY_MAIL_MAX_ATTEMPTS:
                mail.status = OutboxMail.Status.FAILED
                mail.next_attempt_at = None
            else:
                mail.next_attempt_at = timezone.now() + _backoff(mail.attempts)
                failure = mail.last_error
            logger.warning(
                "mail %s not sent (attempt %s): %s",
                mail.pk,
                mail.attempts,
                mail.last_error,
            )
        else:
            mail.status = OutboxMail.Status.SENT
            mail.sent_at = timezone.now()
            mail.last_error = ""
            mail.next_attempt_at = None
        mail.save(
            update_fields=[
                "attempts",
                "status",
                "sent_at",
                "last_error",
                "next_attempt_at",
                "message_id",
            ]
        )
    if failure:
        raise DeliveryFailed(failure)
    return mail.status


def due_mail_ids(
    *, now: datetime | None = None, include_not_due: bool = False
) -> list[int]:
    now = now or timezone.now()
    pending = OutboxMail.objects.filter(status=OutboxMail.Status.PENDING)
    if not include_not_due:
        pending = pending.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
    return list(pending.order_by("created_at", "id").values_list("pk", flat=True))


def send_pending(
    *, now: datetime | None = None, retry_all: bool = False
) -> dict[str, int]:
    """What the cron job does: make the waiting mails and digests, send what is due.

    Returns counts (sent, failed, waiting)."""
    now = now or timezone.now()
    purge_unconfirmed(now=now)
    for user_id in users_waiting_for_mail():
        flush_user(user_id, now=now)
    counts = {"sent": 0, "failed": 0, "gave_up": 0}
    for mail_id in due_mail_ids(now=now, include_not_due=retry_all):
        try:
            status = deliver(mail_id)
        except DeliveryFailed:
            counts["failed"] += 1
            continue
        if status == OutboxMail.Status.SENT:
            counts["sent"] += 1
        elif status == OutboxMail.Status.FAILED:
            counts["gave_up"] += 1
    counts["waiting"] = OutboxMail.objects.filter(
        status=OutboxMail.Status.PENDING
    ).count()
    return counts


# ---------------------------------------------------------------------------
# Public subscription
# ---------------------------------------------------------------------------

TOKEN_SALT = "crisis_meetings.notifications.subscription"


def confirm_token(subscription: Subscription) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT + ".confirm").sign(subscription.key)


def unsubscribe_token(subscription: Subscription) -> str:
    return signing.Signer(salt=TOKEN_SALT + ".unsubscribe").sign(subscription.key)


def subscription_for_confirm(token: str) -> Subscription | None:
    try:
        key = signing.TimestampSigner(salt=TOKEN_SALT + ".confirm").unsign(
            token, max_age=timedelta(hours=settings.SUBSCRIPTION_CONFIRM_HOURS)
        )
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(key=key).first()


def subscription_for_unsubscribe(token: str) -> Subscription | None:
    try:
        key = signing.Signer(salt=TOKEN_SALT + ".unsubscribe").unsign(token)
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(key=key).first()


def scope_of(*, meeting_type: Any = None, incident: Any = None) -> str:
    if meeting_type is not None:
        return f"type:{meeting_type.pk}"
    if incident is not None:
        return f"incident:{incident.pk}"
    return "all"


def subscribe(
    *, email: str, meeting_type: Any = None, incident: Any = None
) -> Subscription | None:
    """Ask for a subscription: a confirmation mail goes to the address.

    Returns the (unconfirmed) subscription, or None when the address already has
    this subscription confirmed (nothing is sent; the page says the same either
    way, so that nobody learns whether an address is registered).
    """
    email = email.strip()
    scope = scope_of(meeting_type=meeting_type, incident=incident)
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .filter(email__iexact=email, scope=scope)
            .first()
        )
        if subscription is not None and subscription.confirmed_at is not None:
            return None
        if subscription is None:
            subscription = Subscription.objects.create(
                email=email,
                scope=scope,
                meeting_type=meeting_type,
                incident=incident,
            )
        context = {
            "subscription": subscription,
            "confirm_url": site_url(
                reverse("mail:confirm", args=[confirm_token(subscription)])
            ),
            "hours": settings.SUBSCRIPTION_CONFIRM_HOURS,
        }
        mail = OutboxMail.objects.create(
            kind=OutboxMail.Kind.CONFIRM,
            subscription=subscription,
            subject=f"【{settings.SITE_NAME}】メール配信の登録の確認",
            body=render_mail("confirm.txt", context),
        )
        queue_delivery(mail)
    return subscription


def confirm(subscription: Subscription) -> Subscription:
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


def unsubscribe(subscription: Subscription) -> None:
    """Delete the subscription, its address and every mail queued for it."""
    subscription.delete()


def purge_unconfirmed(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    limit = now - timedelta(hours=settings.SUBSCRIPTION_CONFIRM_HOURS)
    deleted, _ = Subscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=limit
    ).delete()
    return deleted


def _incident_ids(meeting: Any) -> list[int]:
    from django.apps import apps

    link = apps.get_model("incidents", "IncidentLink")
    return list(
        link.objects.filter(meeting=meeting, incident__is_public=True)
        .values_list("incident_id", flat=True)
        .distinct()
    )


def subscribers_for(meeting: Any) -> list[Subscription]:
    """Confirmed subscriptions that want this meeting, one per address."""
    wanted = Q(scope="all") | Q(meeting_type_id=meeting.meeting_type_id)
    incidents = _incident_ids(meeting)
    if incidents:
        wanted |= Q(incident_id__in=incidents)
    chosen: dict[str, Subscription] = {}
    for subscription in (
        Subscription.objects.filter(confirmed_at__isnull=False)
        .filter(wanted)
        .select_related("meeting_type", "incident")
        .order_by("id")
    ):
        chosen.setdefault(subscription.email.lower(), subscription)
    return list(chosen.values())


def publication_mails(publication: Any) -> list[OutboxMail]:
    """Queue the mail of a publication or correction to its subscribers (once each)."""
    meeting = publication.meeting
    data = publication.data or {}
    agenda = [
        f"{m}{t}"
        for m, t in zip(
            data.get("agenda_markers") or [""] * len(data.get("agenda") or []),
            data.get("agenda") or [],
            strict=False,
        )
    ]
    from meetings import wareki

    correction = publication.number > 1
    local = timezone.localtime(publication.published_at)
    base = {
        "publication": publication,
        "meeting": meeting,
        "title": publication.title,
        "held_on": wareki.format_wareki(publication.held_on, weekday=True),
        "published_on": wareki.format_wareki(local.date(), weekday=True),
        "agenda": agenda,
        "correction": correction,
        "url": site_url(meeting.get_absolute_url()),
    }
    subject = (
        f"【{settings.SITE_NAME}】訂正:{publication.title}"
        if correction
        else f"【{settings.SITE_NAME}】{publication.title}"
    )
    made: list[OutboxMail] = []
    for subscription in subscribers_for(meeting):
        context = {
            **base,
            "subscription": subscription,
            "unsubscribe_url": site_url(
                reverse("mail:unsubscribe", args=[unsubscribe_token(subscription)])
            ),
        }
        try:
            with transaction.atomic():
                mail = OutboxMail.objects.create(
                    kind=OutboxMail.Kind.PUBLIC,
                    subscription=subscription,
                    publication=publication,
                    subject=subject[:300],
                    body=render_mail("public.txt", context),
                )
        except IntegrityError:  # already queued by an earlier run
            continue
        made.append(mail)
        queue_delivery(mail)
    return made


def cancel_public_mails(meeting: Any) -> int:
    """A withdrawn meeting: its mails not sent yet are not sent."""
    return OutboxMail.objects.filter(
        kind=OutboxMail.Kind.PUBLIC,
        publication__meeting=meeting,
        status=OutboxMail.Status.PENDING,
    ).update(status=OutboxMail.Status.CANCELLED)


def today() -> date:
    return timezone.localdate()
