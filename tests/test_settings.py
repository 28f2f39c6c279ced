"""The env-driven settings: malformed values stop start-up naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-secret-key-for-the-check-0123456789",
    "ALLOWED_HOSTS": "kikikanri.example.lg.jp",
    "DATABASE_URL": "sqlite:///check-deploy.sqlite3",
}


SCRUBBED = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "MEDIA_ROOT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' fixtures
    "CACHE_URL",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run(["-c", "import crisis_meetings.settings"], env)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:notaport/db"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/"),
        ("ALLOWED_HOSTS", "a.example,,b.example"),
        ("MEDIA_ROOT", "relative/media"),
        ("ATTACHMENT_MAX_BYTES", "20MB"),
        ("CACHE_URL", "memcached://127.0.0.1:11211"),
    ],
)
def test_malformed_variable_stops_start_up_naming_it(variable, value):
    result = _import_settings({**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_secret_key_is_required_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _import_settings(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.splitlines()[-1]


def test_well_formed_production_values_load():
    result = _run(
        [
            "-c",
            "import crisis_meetings.settings as s; print(s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS)",
        ],
        {**PRODUCTION, "DATABASE_URL": "postgres://app:pw@db.internal:5433/meetings"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "['kikikanri.example.lg.jp']",
    ]


def test_check_deploy_is_clean_with_production_values():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
