"""`make run` (DEBUG, no EMAIL_HOST) prints mails on the console; with EMAIL_HOST
the SMTP backend is used."""

from __future__ import annotations

from tests.test_settings import _run


def _backend(env: dict[str, str]) -> str:
    result = _run(
        [
            "-c",
            "import crisis_meetings.settings as s; print(s.EMAIL_BACKEND)",
        ],
        env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_without_a_mail_server_prints_mails():
    assert _backend({"DEBUG": "1", "EMAIL_HOST": ""}).endswith("console.EmailBackend")


def test_a_mail_server_means_smtp():
    assert _backend({"DEBUG": "1", "EMAIL_HOST": "smtp.example.lg.jp"}).endswith(
        "smtp.EmailBackend"
    )
    assert _backend(
        {"DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "example.lg.jp"}
    ).endswith("smtp.EmailBackend")
