"""Login throttling (django-axes) and the security log (issue 10, point 1)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crisis_meetings.accounts.models import SecurityEvent
from meetings import permissions

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _client(ip: str = "10.0.0.1") -> Client:
    return Client(REMOTE_ADDR=ip)


def _try(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def _logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_five_failures_lock_the_account_and_the_right_password_is_refused(editor):
    client = _client()
    for attempt in range(1, 5):
        response = _try(client, editor.username, "wrong")
        assert response.status_code == HTTPStatus.OK, attempt
        assert "正しいユーザー名とパスワード" in response.content.decode()
    locked = _try(client, editor.username, "wrong")
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = locked.content.decode()
    assert "ログインを一時停止しています" in page
    assert "15分ほど待ってから" in page
    assert editor.username not in page

    right = _try(client, editor.username, "pw-" + editor.username)
    assert right.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not _logged_in(client)
    # From another address too: the account itself is locked.
    other = _client("10.0.0.2")
    assert _try(other, editor.username, "pw-" + editor.username).status_code == 429
    assert not _logged_in(other)


def test_the_lockout_page_is_the_same_whether_the_user_exists_or_not(editor):
    pages = []
    for username, ip in ((editor.username, "10.0.1.1"), ("nobody-here", "10.0.1.2")):
        client = _client(ip)
        for _ in range(4):
            _try(client, username, "wrong")
        response = _try(client, username, "wrong")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        pages.append(response.content)
    assert pages[0] == pages[1]


def test_five_failures_from_one_address_lock_that_address(editor, approver):
    attacker = _client("192.0.2.7")
    for n in range(5):
        _try(attacker, f"guess{n}", "wrong")
    response = _try(attacker, editor.username, "pw-" + editor.username)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not _logged_in(attacker)
    # Another address is not affected; the guessed names were not real accounts.
    colleague = _client("192.0.2.8")
    response = _try(colleague, editor.username, "pw-" + editor.username)
    assert response.status_code == HTTPStatus.FOUND
    assert _logged_in(colleague)


def test_own_successful_logins_do_not_clear_guesses_at_a_colleague(editor, approver):
    insider = _client("10.0.5.5")
    for _ in range(4):
        _try(insider, approver.username, "guess")
    assert _try(insider, editor.username, "pw-" + editor.username).status_code == 302
    insider.post("/accounts/logout/")
    assert _try(insider, approver.username, "guess").status_code == 429


def test_a_locked_attempt_never_hashes_the_password(editor, monkeypatch):
    client = _client()
    for _ in range(5):
        _try(client, editor.username, "wrong")
    from django.contrib.auth import hashers

    calls = []
    original = hashers.check_password
    monkeypatch.setattr(
        hashers, "check_password", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    monkeypatch.setattr(
        "django.contrib.auth.base_user.check_password", hashers.check_password
    )
    for _ in range(20):
        assert _try(client, editor.username, "wrong").status_code == 429
    assert calls == []
    # Refused attempts are not written to the database either.
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_the_lock_ends_after_the_cool_off(editor, settings):
    client = _client()
    for _ in range(5):
        _try(client, editor.username, "wrong")
    assert _try(client, editor.username, "pw-" + editor.username).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    response = _try(client, editor.username, "pw-" + editor.username)
    assert response.status_code == HTTPStatus.FOUND
    assert _logged_in(client)


def test_an_admin_unlocks_an_account_in_the_admin(editor, admin_user):
    locked = _client()
    for _ in range(5):
        _try(locked, editor.username, "wrong")
    admin = Client()
    admin.force_login(admin_user)
    changelist = reverse("admin:accounts_loginlock_changelist")
    listing = admin.get(changelist)
    assert listing.status_code == HTTPStatus.OK
    assert "ログイン失敗とロック" in listing.content.decode()
    assert editor.username in listing.content.decode()
    response = admin.post(
        changelist,
        {
            "action": "unlock",
            "_selected_action": list(
                AccessAttempt.objects.values_list("pk", flat=True)
            ),
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not AccessAttempt.objects.exists()
    assert _try(locked, editor.username, "pw-" + editor.username).status_code == 302
    event = SecurityEvent.objects.filter(kind="unlock").get()
    assert (event.username, event.actor) == (editor.username, admin_user.username)


def _events(caplog) -> list[dict]:
    """The logged events, each with its UTC time checked and then left out."""
    events = []
    for r in caplog.records:
        if r.name == "crisis_meetings.security":
            event = json.loads(r.getMessage())
            stamp = datetime.fromisoformat(event.pop("time").replace("Z", "+00:00"))
            assert abs(stamp - timezone.now()) < timedelta(minutes=1)
            events.append(event)
    return events


def test_logins_failures_and_lockouts_are_logged_one_json_line_each(editor, caplog):
    caplog.set_level(logging.INFO, logger="crisis_meetings.security")
    client = _client("10.9.8.7")
    assert _try(client, editor.username, "pw-" + editor.username).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(5):
        _try(client, editor.username, "secret-typo\nevent=forged")
    _try(client, editor.username, "pw-" + editor.username)

    kinds = [e["event"] for e in _events(caplog)]
    # django-axes announces the lockout while it counts the fifth failure.
    failures = ["login_failed"] * 4 + ["lockout", "login_failed"]
    assert kinds == ["login", "logout", *failures, "login_refused_locked"]
    assert all(e["ip"] == "10.9.8.7" for e in _events(caplog))
    assert all(e["username"] == editor.username for e in _events(caplog))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "secret-typo" not in text and "pw-" not in text
    stored = list(
        SecurityEvent.objects.order_by("pk")
        .exclude(kind="role_changed")
        .values_list("kind", flat=True)
    )
    assert stored == ["login", "logout", *failures]


def test_a_user_name_with_control_characters_stays_one_log_line(caplog):
    caplog.set_level(logging.INFO, logger="crisis_meetings.security")
    _try(_client(), 'mallory\n{"event": "login"}\r', "x")
    (line,) = [r.getMessage() for r in caplog.records if r.name.endswith("security")]
    assert "\n" not in line
    assert json.loads(line)["event"] == "login_failed"
    assert SecurityEvent.objects.get().username.startswith("mallory\n")


def test_role_changes_are_logged(editor, caplog):
    caplog.set_level(logging.INFO, logger="crisis_meetings.security")
    editor.groups.add(Group.objects.get_or_create(name=permissions.APPROVER)[0])
    editor.is_superuser = True
    editor.save()
    editor.groups.clear()
    events = [e for e in _events(caplog) if e["event"] == "role_changed"]
    assert events == [
        {
            "event": "role_changed",
            "username": editor.username,
            "ip": None,
            "groups_added": [permissions.APPROVER],
        },
        {
            "event": "role_changed",
            "username": editor.username,
            "ip": None,
            "is_superuser": True,
        },
        {
            "event": "role_changed",
            "username": editor.username,
            "ip": None,
            "groups_removed": sorted([permissions.APPROVER, permissions.EDITOR]),
        },
    ]
    assert SecurityEvent.objects.filter(kind="role_changed", user=editor).count() >= 3


def test_admins_read_the_security_log_and_cannot_change_it(editor, admin_user):
    _try(_client(), editor.username, "wrong")
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get(reverse("admin:accounts_securityevent_changelist"))
    assert listing.status_code == HTTPStatus.OK
    page = listing.content.decode()
    assert "セキュリティログ" in page and "ログイン失敗" in page
    event = SecurityEvent.objects.filter(kind="login_failed").get()
    assert admin.get(reverse("admin:accounts_securityevent_add")).status_code == 403
    delete = reverse("admin:accounts_securityevent_delete", args=[event.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_editors_cannot_read_the_security_log(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:accounts_securityevent_changelist"))
    assert response.status_code == HTTPStatus.FOUND  # to the login page
