"""Second factor with django-otp (issue 10, point 2): who must use it, the
確認コード step, enrolment with a QR code and backup codes, the admin, the demo."""

from __future__ import annotations

import base64
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from crisis_meetings.accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _password_step(client: Client, user):
    return client.post(
        LOGIN, {"username": user.username, "password": "pw-" + user.username}
    )


def _path(response) -> str:
    return urlsplit(response["Location"]).path


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


@pytest.mark.parametrize(
    ("role", "required"),
    [("editor", False), ("approver", True), ("admin_user", True)],
)
def test_which_roles_must_use_a_second_factor(request, role, required):
    user = request.getfixturevalue(role)
    client = Client()
    response = _password_step(client, user)
    assert response.status_code == HTTPStatus.FOUND
    if required:
        # No device yet: enrolment first, and no staff page before it.
        assert _path(response) == "/accounts/otp/setup/"
        staff = client.get("/staff/")
        assert staff.status_code == HTTPStatus.FOUND
        assert _path(staff) == "/accounts/otp/setup/"
        assert parse_qs(urlsplit(staff["Location"]).query)["next"] == ["/staff/"]
    else:
        assert _path(response) == "/staff/"
        assert client.get("/staff/").status_code == HTTPStatus.OK


def test_a_setting_requires_it_for_editors_too(editor, settings):
    settings.MFA_REQUIRED_ROLES = ["editor", "approver", "admin"]
    client = Client()
    assert _path(_password_step(client, editor)) == "/accounts/otp/setup/"
    assert _path(client.get("/staff/")) == "/accounts/otp/setup/"


def test_an_approver_with_a_device_passes_the_code_step(approver):
    device = _device(approver)
    client = Client()
    response = _password_step(client, approver)
    assert _path(response) == "/accounts/otp/"
    for url in ("/staff/", "/staff/pdf/exports/", "/staff/incidents/"):
        assert _path(client.get(url)) == "/accounts/otp/", url

    page = client.get(response["Location"]).content.decode()
    assert "確認コードの入力" in page and "2. 確認コード" in page
    wrong = client.post("/accounts/otp/", {"token": "000000", "next": "/staff/"})
    assert wrong.status_code == HTTPStatus.OK
    assert "確認コードが正しくないか" in wrong.content.decode()
    assert client.get("/staff/").status_code == HTTPStatus.FOUND
    assert SecurityEvent.objects.filter(kind="mfa_failed", user=approver).exists()

    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp delays the next try after a miss
    device.throttling_failure_timestamp = None
    device.save()
    session_before = client.session.session_key
    right = client.post("/accounts/otp/", {"token": _code(device), "next": "/staff/"})
    assert right.status_code == HTTPStatus.FOUND and _path(right) == "/staff/"
    assert client.get("/staff/").status_code == HTTPStatus.OK
    assert client.session.session_key != session_before
    assert SecurityEvent.objects.filter(kind="mfa_verified", user=approver).exists()
    # The same code cannot be used twice.
    other = Client()
    _password_step(other, approver)
    again = other.post("/accounts/otp/", {"token": _code(device)})
    assert again.status_code == HTTPStatus.OK


def test_repeated_wrong_codes_are_throttled(approver):
    device = _device(approver)
    client = Client()
    _password_step(client, approver)
    client.post("/accounts/otp/", {"token": "000000"})
    response = client.post("/accounts/otp/", {"token": _code(device)})
    assert "しばらく受け付けません" in response.content.decode()
    assert client.get("/staff/").status_code == HTTPStatus.FOUND


def test_a_backup_code_works_once(approver):
    _device(approver)
    backup = StaticDevice.objects.create(user=approver, name="b", confirmed=True)
    backup.token_set.create(token="abcd2345")
    client = Client()
    _password_step(client, approver)
    response = client.post("/accounts/otp/", {"token": "ABCD 2345"})
    assert _path(response) == "/staff/"
    assert client.get("/staff/").status_code == HTTPStatus.OK
    again = Client()
    _password_step(again, approver)
    assert again.post("/accounts/otp/", {"token": "abcd2345"}).status_code == 200
    assert again.get("/staff/").status_code == HTTPStatus.FOUND


@pytest.mark.usefixtures("shared_demo")  # the demo, loaded once for all such tests
def test_an_unverified_session_is_anonymous_on_public_pages(approver, seed_meeting):
    client = Client()
    client.force_login(approver, otp=False)
    assert _path(client.get("/staff/")) == "/accounts/otp/setup/"
    page = client.get("/")
    assert page.status_code == HTTPStatus.OK
    assert page.wsgi_request.user.is_anonymous


def test_the_admin_site_needs_the_second_factor(admin_user):
    client = Client()
    client.force_login(admin_user, otp=False)
    assert _path(client.get("/admin/")) == "/accounts/otp/setup/"
    assert _path(client.get("/admin/auth/user/")) == "/accounts/otp/setup/"
    verified = Client()
    verified.force_login(admin_user)
    assert verified.get("/admin/").status_code == HTTPStatus.OK


def test_the_admin_login_is_the_staff_login():
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/login/?next=/admin/"
    anonymous = Client().get("/admin/")
    assert _path(Client().get(anonymous["Location"])) == "/accounts/login/"


def test_enrolment_with_the_qr_code_then_backup_codes_shown_once(approver):
    client = Client()
    _password_step(client, approver)
    page = client.get("/accounts/otp/setup/?next=/staff/").content.decode()
    assert "2段階認証の登録" in page
    assert '<img class="otp-qr border" src="/accounts/otp/setup/qr.svg"' in page
    qr = client.get("/accounts/otp/setup/qr.svg")
    assert qr.status_code == HTTPStatus.OK
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content and b"<script" not in qr.content
    assert "no-store" in qr["Cache-Control"]

    secret = "".join(
        page.split('aria-label="登録用のキー">', 1)[1]
        .split("</p>", 1)[0]
        .replace('<span class="me-2">', "")
        .replace("</span>", "")
        .split()
    )
    key = base64.b32decode(secret)
    wrong = client.post("/accounts/otp/setup/", {"token": "12345", "next": "/staff/"})
    assert "6桁の数字" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=approver).exists()

    done = client.post(
        "/accounts/otp/setup/", {"token": f"{totp(key):06d}", "next": "/staff/"}
    )
    assert done.status_code == HTTPStatus.OK
    shown = done.content.decode().split('class="backup-codes', 1)[1]
    codes = re.findall(r"<li>([^<]+)</li>", shown.split("</ol>", 1)[0])
    assert "この画面は一度しか表示されません" in done.content.decode()
    assert TOTPDevice.objects.get(user=approver).bin_key == key
    backup = StaticDevice.objects.get(user=approver)
    assert sorted(t.token for t in backup.token_set.all()) == sorted(codes)
    assert backup.token_set.count() == 10
    assert client.get("/staff/").status_code == HTTPStatus.OK
    assert client.get("/accounts/otp/setup/qr.svg").status_code == 404
    kinds = set(SecurityEvent.objects.values_list("kind", flat=True))
    assert {"mfa_enrolled", "backup_codes"} <= kinds

    # A backup code from that page logs in, once.
    code = backup.token_set.first().token
    later = Client()
    _password_step(later, approver)
    assert _path(later.post("/accounts/otp/", {"token": code})) == "/staff/"


def test_a_password_alone_cannot_enrol_another_device(approver):
    _device(approver)
    client = Client()
    _password_step(client, approver)
    response = client.get("/accounts/otp/setup/")
    assert _path(response) == "/accounts/otp/"
    assert client.get("/accounts/otp/setup/qr.svg").status_code == 404
    client.post("/accounts/otp/setup/", {"token": "123456"})
    assert TOTPDevice.objects.filter(user=approver).count() == 1


def test_an_editor_who_enrolled_must_give_the_code(editor):
    _device(editor)
    client = Client()
    assert _path(_password_step(client, editor)) == "/accounts/otp/"
    assert _path(client.get("/staff/")) == "/accounts/otp/"


def test_the_account_page_renews_backup_codes_and_re_enrols(approver):
    device = _device(approver)
    client = Client()
    client.force_login(approver)  # verified
    page = client.get("/accounts/security/").content.decode()
    assert "2段階認証の設定" in page and "登録済み" in page
    assert "2段階認証をやめる" not in page  # required for approvers
    renewed = client.post("/accounts/security/backup-codes/")
    assert "バックアップコード" in renewed.content.decode()
    assert StaticDevice.objects.get(user=approver).token_set.count() == 10
    reset = client.post("/accounts/security/reset/")
    assert _path(reset) == "/accounts/otp/setup/"
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert client.get("/accounts/otp/setup/").status_code == HTTPStatus.OK
    assert SecurityEvent.objects.filter(kind="mfa_removed", user=approver).exists()


def test_the_account_page_needs_the_code_first(approver):
    _device(approver)
    client = Client()
    _password_step(client, approver)
    assert _path(client.get("/accounts/security/")) == "/accounts/otp/"
    assert _path(client.post("/accounts/security/reset/")) == "/accounts/otp/"
    assert TOTPDevice.objects.filter(user=approver).exists()


def test_removing_a_device_in_the_admin_is_logged(approver, admin_user):
    device = _device(approver)
    admin = Client()
    admin.force_login(admin_user)
    url = f"/admin/otp_totp/totpdevice/{device.pk}/delete/"
    assert admin.post(url, {"post": "yes"}).status_code == HTTPStatus.FOUND
    event = SecurityEvent.objects.get(kind="mfa_removed", user=approver)
    assert event.actor == admin_user.username


@pytest.mark.usefixtures("shared_demo")  # the demo, loaded once for all such tests
def test_demo_approver_and_admin_log_in_with_the_documented_codes(db):
    from crisis_meetings.accounts import demo

    for username, password in (
        ("approver", "approver-demo-2022"),
        ("admin", "admin-demo-2022"),
    ):
        client = Client()
        client.post(LOGIN, {"username": username, "password": password})
        code = f"{totp(base64.b32decode(demo.DEMO_TOTP_KEYS[username])):06d}"
        response = client.post("/accounts/otp/", {"token": code})
        assert _path(response) == "/staff/", username
        backup = Client()
        backup.post(LOGIN, {"username": username, "password": password})
        assert _path(backup.post("/accounts/otp/", {"token": f"{username}-01"})) == (
            "/staff/"
        )
    editor = Client()
    editor.post(LOGIN, {"username": "editor", "password": "editor-demo-2022"})
    assert editor.get("/staff/").status_code == HTTPStatus.OK


@pytest.mark.usefixtures("shared_demo")  # the demo, loaded once for all such tests
def test_the_demo_loader_never_replaces_a_real_enrolment(db):
    from meetings.demo import load_demo

    # The demo is loaded (shared_demo); the approver has replaced its key since.
    device = TOTPDevice.objects.get(user__username="approver")
    TOTPDevice.objects.filter(pk=device.pk).update(key="ab" * 20)
    load_demo()
    assert TOTPDevice.objects.get(user__username="approver").key == "ab" * 20
    assert SESSION_KEY and DEVICE_ID_SESSION_KEY  # names used by the fixtures
