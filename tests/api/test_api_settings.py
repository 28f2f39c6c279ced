"""API_RATE_LIMIT: a malformed value stops start-up naming the variable."""

from __future__ import annotations

import pytest

from tests.test_settings import _import_settings, _run


@pytest.mark.parametrize("value", ["120", "120/minutes", "fast", "-1/minute"])
def test_malformed_api_rate_limit_stops_start_up(value: str):
    result = _import_settings({"DEBUG": "1", "API_RATE_LIMIT": value})
    assert result.returncode != 0
    assert "API_RATE_LIMIT" in result.stderr


def test_api_rate_limit_is_the_throttle_rate():
    code = (
        "import crisis_meetings.settings as s;"
        "print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['api'])"
    )
    result = _run(["-c", code], {"DEBUG": "1", "API_RATE_LIMIT": "5/second"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "5/second"
