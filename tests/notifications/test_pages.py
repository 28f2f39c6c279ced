"""The bell in the staff header, the notification list, marking read and the mail
settings page, as a logged-in staff member sees them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from crisis_meetings.notifications import services
from crisis_meetings.notifications.models import Event, MailPreference, Notification

pytestmark = pytest.mark.django_db


def tell(user, n: int, url: str = "/staff/") -> list[Notification]:
    return [
        services.notify(
            recipients=[user],
            event=Event.MEETING_SUBMITTED,
            key=f"test:{i}",
            title=f"承認依頼:会議{i}",
            url=url,
        )[0]
        for i in range(n)
    ]


def bell(html: str) -> str:
    match = re.search(r'<a [^>]*id="notification-bell".*?</a>', html, re.S)
    assert match, "no bell in the staff header"
    return match.group(0)


def test_the_bell_shows_the_unread_count_and_leads_to_the_list(
    client, approver, editor
):
    client.force_login(approver)
    html = client.get(reverse("staff:dashboard")).content.decode()
    assert "通知" in bell(html) and "未読なし" in bell(html)
    notes = tell(approver, 3)
    tell(editor, 2)  # someone else's: not counted, not listed
    html = client.get(reverse("staff:dashboard")).content.decode()
    assert re.search(r">3<span class=\"visually-hidden\">件の未読", bell(html))
    assert reverse("notifications:list") in bell(html)

    page = client.get(reverse("notifications:list")).content.decode()
    assert page.count("承認依頼:会議") == 3
    # Opening one marks it read and goes to what it is about.
    response = client.post(reverse("notifications:open", args=[notes[0].pk]))
    assert response.status_code == 302 and response["Location"] == "/staff/"
    notes[0].refresh_from_db()
    assert notes[0].read_at is not None
    html = client.get(reverse("notifications:list") + "?show=unread").content.decode()
    assert html.count("承認依頼:会議") == 2
    assert '>2<span class="visually-hidden">件の未読' in bell(html)
    # Mark all read.
    client.post(reverse("notifications:mark_read"))
    assert services.unread_count(approver) == 0
    assert services.unread_count(editor) == 2


def test_nobody_opens_or_marks_someone_elses_notification(client, approver, editor):
    (theirs,) = tell(editor, 1)
    client.force_login(approver)
    assert (
        client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    )
    client.post(reverse("notifications:mark_read"), {"id": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_outside_link_is_not_followed(client, approver):
    (note,) = tell(approver, 1, url="https://evil.example/")
    client.force_login(approver)
    response = client.post(reverse("notifications:open", args=[note.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_the_settings_page_saves_which_events_come_by_mail(client, approver):
    approver.email = "approver@pref.example.lg.jp"
    approver.save()
    client.force_login(approver)
    page = client.get(reverse("notifications:settings")).content.decode()
    for label in Event.labels:
        assert label in page
    # Everything is ticked by default.
    assert page.count("checked") == len(Event.values)
    wanted = [Event.MEETING_SUBMITTED, Event.DIRECTIVE_OVERDUE]
    response = client.post(reverse("notifications:settings"), {"events": wanted})
    assert response.status_code == 302
    by_mail = dict(
        MailPreference.objects.filter(user=approver).values_list("event", "by_mail")
    )
    assert {e for e, on in by_mail.items() if on} == set(wanted)
    assert services.mail_wanted([approver], Event.MEETING_RETURNED) == set()
    assert services.mail_wanted([approver], Event.MEETING_SUBMITTED) == {approver.pk}
    page = client.get(reverse("notifications:settings")).content.decode()
    assert page.count("checked") == 2


def test_staff_pages_need_a_login(client):
    for name in ["notifications:list", "notifications:settings"]:
        response = client.get(reverse(name))
        assert (
            response.status_code == 302 and "/accounts/login/" in response["Location"]
        )


def test_the_list_says_what_became_of_the_mail_in_constant_queries(
    client, approver, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crisis_meetings.notifications.models import OutboxMail

    approver.email = "approver@pref.example.lg.jp"
    approver.save()
    client.force_login(approver)
    (sent,) = tell(approver, 1)
    sent.mail = OutboxMail.objects.create(
        kind="single", user=approver, subject="s", body="b", status="sent"
    )
    sent.save()
    with CaptureQueriesContext(connection) as small:
        html = client.get(reverse("notifications:list")).content.decode()
    assert "メールでも送りました" in html
    for n in range(10):
        services.notify(
            recipients=[approver],
            event=Event.MEETING_RETURNED,
            key=f"more:{n}",
            title=f"差戻し:会議{n}",
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(reverse("notifications:list")).content.decode()
    assert html.count("メール送信待ち") == 10
