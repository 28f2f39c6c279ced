"""No public page depends on Redis: an unreachable cache means render, never 500,
and cache keys come from known values only (no key per unknown query value)."""

from __future__ import annotations

from datetime import date
from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.test import Client

from incidents.models import Incident, IncidentLink
from tests.meetings.public_builders import publish_many

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_local_cache():
    caches["default"].clear()  # ids repeat between rolled-back tests


def _urls() -> list[str]:
    first, _second = publish_many(2, first_day=date(2024, 4, 1))
    incident = Incident.objects.create(
        title="停電事案", category="other", started_at="2024-04-01T09:00:00+09:00"
    )
    IncidentLink.objects.create(incident=incident, meeting=first)
    return [
        "/",
        "/?year=2024&type=renraku",
        "/archive/2024/",
        "/archive/type/renraku/",
        f"/archive/incident/{incident.public_id}/",
        "/search/?q=事案",
        first.get_absolute_url(),
        "/incidents/",
        incident.get_absolute_url(),
        "/feed/",
        "/sitemap.xml",
    ]


def test_public_pages_answer_with_the_cache_unreachable(settings):
    urls = _urls()
    # Nothing listens on port 1: every cache call fails (connection refused).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with pytest.raises(Exception):  # noqa: B017 - the cache really is down
        caches["default"].get("probe")
    client = Client(raise_request_exception=True)
    for url in urls:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url


def test_unknown_query_values_add_no_cache_keys():
    _urls()
    store = caches["default"]._cache  # LocMemCache's dict
    client = Client()
    client.get("/", {"type": "renraku"})
    client.get("/", {"type": "unknown-0"})
    size = len(store)
    for n in range(1, 200):
        for name in ("type", "year", "incident", "utm"):
            assert client.get("/", {name: f"unknown-{n}"}).status_code == HTTPStatus.OK
    assert len(store) == size
