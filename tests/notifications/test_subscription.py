"""The public mail subscription: double opt-in, one-click unsubscribe (RFC 8058),
mails on publication and correction to exactly the subscribers who asked, the
address never shown, rate-limited sign-up."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crisis_meetings.notifications import services
from crisis_meetings.notifications.models import OutboxMail, Subscription
from incidents.models import IncidentLink
from meetings import services as meeting_services
from meetings.models import Meeting, MeetingType
from tests.factories import make_meeting
from tests.incidents.conftest import make_incident

pytestmark = pytest.mark.django_db

SITE = "https://kikikanri.example.lg.jp"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def sign_up(client: Client, run_jobs, email: str, scope: str = "all", **extra):
    return run_jobs(
        client.post,
        reverse("mail:subscribe"),
        {"email": email, "scope": scope},
        **extra,
    )


def link_in(body: str, name: str) -> str:
    match = re.search(rf"{re.escape(SITE)}(/mail/{name}/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def confirmed(client: Client, run_jobs, smtp, email: str, scope: str = "all"):
    response = sign_up(client, run_jobs, email, scope)
    assert response.status_code == 302
    mail = smtp.to(email)[-1].message
    path = link_in(mail.get_content(), "confirm")
    assert client.post(path).status_code == 200
    return Subscription.objects.get(email=email, scope=_scope(scope))


def _scope(form_scope: str) -> str:
    kind, _, value = form_scope.partition(":")
    if kind == "type":
        return f"type:{MeetingType.objects.get(slug=value).pk}"
    if kind == "incident":
        from incidents.models import Incident

        return f"incident:{Incident.objects.get(public_id=value).pk}"
    return "all"


def publish(meeting, approver, run_jobs, note: str = ""):
    if meeting.status == "draft":
        meeting_services.meeting_submit(
            meeting=meeting, user=None, check_permission=False
        )
    return run_jobs(
        meeting_services.meeting_publish,
        meeting=meeting,
        user=approver,
        correction_note=note,
    )


def test_subscribing_needs_the_confirmation(client, smtp, run_jobs, approver):
    page = client.get(reverse("mail:subscribe"))
    assert page.status_code == 200
    assert "メール配信の登録" in page.content.decode()

    response = sign_up(client, run_jobs, "kenmin@example.jp")
    assert response.status_code == 302
    assert response["Location"] == reverse("mail:sent")
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None
    (received,) = smtp.to("kenmin@example.jp")
    message = received.message
    assert (
        str(message["Subject"]).strip()
        == "【危機管理会議 開催結果】メール配信の登録の確認"
    )
    confirm_path = link_in(message.get_content().replace("\r\n", "\n"), "confirm")

    # Published before confirming: nothing is sent to the address.
    smtp.clear()
    publish(make_meeting(), approver, run_jobs)
    assert smtp.messages == []

    # Opening the link only shows a button (mail scanners follow links)...
    page = client.get(confirm_path)
    assert page.status_code == 200 and "登録を完了する" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None
    # ...pressing it confirms.
    assert "メール配信を登録しました" in client.post(confirm_path).content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None

    meeting = make_meeting(held_on="2024-06-01", agenda=["「大雨への備え」について"])
    publish(meeting, approver, run_jobs)
    (received,) = smtp.to("kenmin@example.jp")
    message = received.message
    assert (
        str(message["Subject"]).strip() == f"【危機管理会議 開催結果】{meeting.title}"
    )
    body = message.get_content().replace("\r\n", "\n")
    assert "次の開催結果を公開しました。" in body
    assert meeting.title in body
    assert "開催日:令和6年6月1日(土)" in body
    assert "協議概要:\n・「大雨への備え」について" in body
    assert f"{SITE}{meeting.get_absolute_url()}" in body
    unsubscribe_path = link_in(body, "unsubscribe")
    # RFC 8058 one-click unsubscribe headers.
    assert str(message["List-Unsubscribe"]).strip() == f"<{SITE}{unsubscribe_path}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_tampered_or_expired_confirmation_link_confirms_nothing(
    client, smtp, run_jobs, settings
):
    sign_up(client, run_jobs, "kenmin@example.jp")
    path = link_in(
        smtp.messages[0].message.get_content().replace("\r\n", "\n"), "confirm"
    )
    token = path.split("/")[3]
    tampered = path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    assert client.post(tampered).status_code == 404
    settings.SUBSCRIPTION_CONFIRM_HOURS = 0
    assert client.post(path).status_code == 404
    assert Subscription.objects.get().confirmed_at is None
    # Unconfirmed sign-ups go away (with the address) after the time limit.
    services.purge_unconfirmed(now=timezone.now() + timedelta(seconds=1))
    assert not Subscription.objects.exists()


def test_only_matching_subscribers_get_a_publication_and_a_correction(
    client, smtp, run_jobs, approver
):
    contact = MeetingType.objects.create(
        name="危機管理連絡会議", slug="renraku", tier=1
    )
    MeetingType.objects.create(name="災害対策本部会議", slug="honbu", tier=4)
    # The form offers types with a published meeting only.
    honbu = make_meeting(meeting_type="災害対策本部会議", held_on="2024-05-01")
    publish(honbu, approver, run_jobs)
    incident = make_incident(title="大雨", is_public=True)
    other_incident = make_incident(title="停電", is_public=True)
    meeting = make_meeting(held_on="2024-06-02")
    IncidentLink.objects.create(incident=incident, meeting=meeting)
    # Both incidents must be public (a published meeting each) to be offered.
    other = make_meeting(held_on="2024-06-03")
    IncidentLink.objects.create(incident=other_incident, meeting=other)
    publish(other, approver, run_jobs)
    # The form offers incidents only once they are public.
    IncidentLink.objects.create(incident=incident, meeting=other)

    confirmed(client, run_jobs, smtp, "all@example.jp")
    confirmed(client, run_jobs, smtp, "type@example.jp", "type:renraku")
    confirmed(
        client, run_jobs, smtp, "incident@example.jp", f"incident:{incident.public_id}"
    )
    confirmed(client, run_jobs, smtp, "honbu@example.jp", "type:honbu")
    confirmed(
        client,
        run_jobs,
        smtp,
        "other@example.jp",
        f"incident:{other_incident.public_id}",
    )
    # Two subscriptions of one address that both match: one mail.
    confirmed(client, run_jobs, smtp, "all@example.jp", "type:renraku")
    gone = confirmed(client, run_jobs, smtp, "gone@example.jp")
    client.post(reverse("mail:unsubscribe", args=[services.unsubscribe_token(gone)]))
    sign_up(client, run_jobs, "unconfirmed@example.jp")
    assert meeting.meeting_type == contact
    smtp.clear()

    publish(meeting, approver, run_jobs)
    assert smtp.recipients() == [
        "all@example.jp",
        "incident@example.jp",
        "type@example.jp",
    ]
    smtp.clear()
    # A correction (an edit after publication, republished) goes to the same
    # people, marked as such.
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    meeting.refresh_from_db()
    publish(meeting, approver, run_jobs, note="場所を訂正しました。")
    assert smtp.recipients() == [
        "all@example.jp",
        "incident@example.jp",
        "type@example.jp",
    ]
    body = smtp.to("all@example.jp")[0].message.get_content().replace("\r\n", "\n")
    assert (
        str(smtp.to("all@example.jp")[0].message["Subject"])
        .strip()
        .startswith("【危機管理会議 開催結果】訂正:")
    )
    assert "次の開催結果を訂正しました。" in body
    assert "訂正内容:場所を訂正しました。" in body


def test_one_click_unsubscribe_deletes_the_address_and_its_queued_mails(
    client, smtp, run_jobs, approver
):
    subscription = confirmed(client, run_jobs, smtp, "kenmin@example.jp")
    smtp.stop()  # the publication's mail stays queued
    publish(make_meeting(), approver, run_jobs)
    assert (
        OutboxMail.objects.filter(
            subscription=subscription, kind=OutboxMail.Kind.PUBLIC
        ).count()
        == 1
    )
    token = services.unsubscribe_token(subscription)
    # What a mail client does with List-Unsubscribe-Post: no cookie, no CSRF token.
    one_click = Client(enforce_csrf_checks=True)
    response = one_click.post(
        reverse("mail:unsubscribe", args=[token]),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "メール配信を停止しました" in response.content.decode()
    assert not Subscription.objects.exists()
    assert not OutboxMail.objects.filter(kind=OutboxMail.Kind.PUBLIC).exists()
    smtp.start()
    services.send_pending(retry_all=True)
    assert smtp.to("kenmin@example.jp") == [] or all(
        "登録の確認" in str(m.message["Subject"]) for m in smtp.to("kenmin@example.jp")
    )
    # A second click (or a replay) answers the same, and changes nothing.
    assert one_click.post(reverse("mail:unsubscribe", args=[token])).status_code == 200
    # Opening a used (or forged) link: not found, saying the delivery is stopped.
    response = one_click.get(reverse("mail:unsubscribe", args=[token]))
    assert response.status_code == 404
    assert "メール配信を停止しました" in response.content.decode()


def test_a_withdrawal_cancels_mails_not_sent_yet(client, smtp, run_jobs, approver):
    confirmed(client, run_jobs, smtp, "kenmin@example.jp")
    smtp.clear()
    smtp.stop()
    meeting = make_meeting()
    publish(meeting, approver, run_jobs)
    run_jobs(
        meeting_services.meeting_withdraw,
        meeting=meeting,
        user=approver,
        comment="誤り",
    )
    smtp.start()
    services.send_pending(retry_all=True)
    assert smtp.messages == []
    assert OutboxMail.objects.get(kind=OutboxMail.Kind.PUBLIC).status == "cancelled"


def test_sign_up_is_rate_limited_per_address_and_per_ip(
    client, smtp, run_jobs, settings
):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "2/day"
    settings.SUBSCRIBE_RATE_PER_IP = "4/hour"
    for _ in range(2):
        assert sign_up(client, run_jobs, "kenmin@example.jp").status_code == 302
    refused = sign_up(client, run_jobs, "kenmin@example.jp")
    assert refused.status_code == 429
    assert "申込みが多すぎます" in refused.content.decode()
    assert refused["Retry-After"]
    assert len(smtp.to("kenmin@example.jp")) == 2
    # Another address from the same client: one more, then the client is refused.
    assert sign_up(client, run_jobs, "other@example.jp").status_code == 302
    assert sign_up(client, run_jobs, "third@example.jp").status_code == 429
    # Another client still may.
    assert (
        sign_up(
            Client(REMOTE_ADDR="192.0.2.9"), run_jobs, "fourth@example.jp"
        ).status_code
        == 302
    )


def test_the_address_is_never_shown(client, smtp, run_jobs, admin_user):
    subscription = confirmed(client, run_jobs, smtp, "secret.person@example.jp")
    admin = Client()
    admin.force_login(admin_user)
    for url in [
        reverse("admin:notifications_subscription_changelist"),
        reverse("admin:notifications_subscription_change", args=[subscription.pk]),
    ]:
        html = admin.get(url).content.decode()
        assert "secret.person" not in html and "example.jp" not in html
        assert "s***@e***.jp" in html
    # Nor on the public pages of the flow (confirm, unsubscribe).
    token = services.unsubscribe_token(subscription)
    html = client.get(reverse("mail:unsubscribe", args=[token])).content.decode()
    assert "secret.person" not in html
    # The admin's search does not search addresses.
    response = admin.get(
        reverse("admin:notifications_subscription_changelist"), {"q": "secret"}
    )
    assert "secret.person" not in response.content.decode()


def test_an_invalid_address_is_refused_in_japanese(client, run_jobs):
    response = sign_up(client, run_jobs, "not-an-address")
    assert response.status_code == 200
    html = response.content.decode()
    assert "メールアドレスはメールアドレスの形" in html
    assert not Subscription.objects.exists()


def test_an_incident_page_leads_to_the_form_with_that_incident_chosen(
    client, approver, run_jobs
):
    incident = make_incident(title="大雨", is_public=True, is_drill=True)
    meeting = make_meeting()
    IncidentLink.objects.create(incident=incident, meeting=meeting)
    publish(meeting, approver, run_jobs)
    page = client.get(incident.get_absolute_url()).content.decode()
    link = f"/mail/?incident={incident.public_id}"
    assert link in page
    form = client.get(link).content.decode()
    chosen = re.search(r'<input[^>]*value="incident:[^"]*"[^>]*checked', form)
    assert chosen and str(incident.public_id) in chosen.group(0)
    assert "【訓練】事案「大雨」に関する開催結果だけ" in form
