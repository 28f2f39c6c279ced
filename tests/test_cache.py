"""The Redis cache backend reuses one client per pool (needs the local Redis)."""

from __future__ import annotations

import socket

import pytest

from crisis_meetings.cache import ReusingRedisCache


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


def test_redis_cache_reuses_its_client_and_stores_values():
    cache = ReusingRedisCache("redis://127.0.0.1:6379/5", {"KEY_PREFIX": "test-cache"})
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is first
    cache.set("page", (3, "text/html", "本文".encode()), 30)
    assert cache.get_many(["page", "missing"]) == {
        "page": (3, "text/html", "本文".encode())
    }
    cache.delete("page")
    assert cache.get("page") is None
