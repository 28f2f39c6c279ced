import pytest


@pytest.fixture(autouse=True)
def _seeded_readings(request):
    """The readings table as migration 0002 seeds it (a transactional test run
    earlier in the session empties every table)."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from meetings.reading.seed import ensure_seeded

        request.getfixturevalue("db")
        ensure_seeded()
