"""Shared fixtures: a cast of named users, media in a temp dir, the demo seed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from meetings import permissions

# Tests run with development settings unless the caller says otherwise.


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # PBKDF2's million iterations cost about a second per test user; tests check roles,
    # not password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
        # Each test writes its own publication tree.
        "public_site": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public_site"), "base_url": "/"},
        },
    }
    settings.PUBLIC_SITE_ROOT = tmp_path / "public_site"
    settings.JOB_LOCK_DIR = tmp_path / "locks"
    settings.JOB_LOCK_REDIS_URL = ""
    # The dynamic views answer in tests; test_static_site* turn the tree on.
    settings.SERVE_PUBLIC_SITE = False
    # Pagefind costs ~0.5 s a run: its own tests turn it on.
    settings.PUBLIC_SITE_SEARCH_INDEX = False
    # No audio synthesis (seconds a page) unless a test asks for it (tests/reading).
    settings.READING_SPEECH = False


def verify_otp(client: Client, user) -> None:
    """Mark the client's session as having passed the 確認コード step, with a real
    (confirmed) TOTP device of the user, as django_otp.login does after a code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """Tests that are not about the second factor log in as a user who has passed it
    (where the role requires one). `client.force_login(user, otp=False)` gives the
    session of a user who has only typed the password."""
    from crisis_meetings.accounts.mfa import mfa_required

    original = Client.force_login

    def force_login(self, user, backend=None, *, otp=True):
        original(self, user, backend)
        if otp and mfa_required(user):
            verify_otp(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


def _user(django_user_model, username: str, role: str | None):
    user = django_user_model.objects.create_user(
        username=username, password="pw-" + username
    )
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


@pytest.fixture
def editor(db, django_user_model):
    return _user(django_user_model, "alice_editor", permissions.EDITOR)


@pytest.fixture
def other_editor(db, django_user_model):
    return _user(django_user_model, "carol_editor", permissions.EDITOR)


@pytest.fixture
def approver(db, django_user_model):
    return _user(django_user_model, "bob_approver", permissions.APPROVER)


@pytest.fixture
def admin_user(db, django_user_model):
    user = _user(django_user_model, "dave_admin", permissions.ADMIN)
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def outsider(db, django_user_model):
    """Logged in, but with no role."""
    return _user(django_user_model, "eve_norole", None)


@pytest.fixture
def fast_pdf(monkeypatch):
    """Publishing renders the official PDF; these tests do not look at it."""
    from tests.factories import stub_pdf_rendering

    return stub_pdf_rendering(monkeypatch)


@pytest.fixture
def seed_meeting(db):
    """The 2022-06-20 seed meeting, published, as load_demo creates it."""
    from meetings import demo_data
    from meetings.demo import load_demo
    from meetings.models import Meeting

    load_demo()
    return Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)
