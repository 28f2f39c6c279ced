"""Demo addresses (settings.DEMO_LOADERS): the demo users get an example.lg.jp
address when they have none, so that `make run` prints their mails on the console.
An address a user already has is never changed."""

from __future__ import annotations

from django.contrib.auth import get_user_model

DEMO_USERNAMES = [
    "editor",
    "approver",
    "admin",
    "iryo",
    "keisatsu",
    "byoin",
    "smart",
]


def load() -> None:
    User = get_user_model()
    for user in User.objects.filter(username__in=DEMO_USERNAMES, email=""):
        user.email = f"{user.username}@example.lg.jp"
        user.save(update_fields=["email"])
