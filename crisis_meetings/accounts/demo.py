"""Demo second factors for `make run` (settings.DEMO_LOADERS; see README).

The demo approver and admin must pass the 確認コード step like real ones. They get an
authenticator-app key and backup codes that are published in the README, and only
when they have no device yet: a real enrolment is never replaced.
"""

from __future__ import annotations

import base64

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# Base32 keys, as typed into an authenticator app or `oathtool --totp -b KEY`.
DEMO_TOTP_KEYS = {
    "approver": "APPROVERDEMOSECRETAPPROVERDEMO22",
    "admin": "ADMINDEMOSECRETADMINDEMOSECRET22",
}
# Each backup code works once.
DEMO_BACKUP_CODES = {
    username: [f"{username}-{n:02d}" for n in range(1, 11)]
    for username in DEMO_TOTP_KEYS
}


def load() -> None:
    User = get_user_model()
    for username, key in DEMO_TOTP_KEYS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        if not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(
                user=user,
                name="認証アプリ(デモ)",
                key=base64.b32decode(key).hex(),
                confirmed=True,
            )
        if not StaticDevice.objects.filter(user=user).exists():
            device = StaticDevice.objects.create(
                user=user, name="バックアップコード", confirmed=True
            )
            StaticToken.objects.bulk_create(
                StaticToken(device=device, token=code)
                for code in DEMO_BACKUP_CODES[username]
            )
