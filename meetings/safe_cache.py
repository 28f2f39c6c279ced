"""The cache as an optimisation only: an unreachable cache means "compute it".

Public pages are files in the publication tree (``meetings.site``); the dynamic
views that remain (search, filtered lists, and the views the tree is rendered
from) still keep small values in the cache. A cache error (Redis down, a timeout)
is logged and the value is computed, never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

T = TypeVar("T")

logger = logging.getLogger(__name__)


def safe_get_many(keys: list[str]) -> dict[str, Any]:
    try:
        return cache.get_many(keys)
    except Exception:  # any backend's connection error
        logger.warning("cache unavailable (get_many)", exc_info=True)
        return {}


def safe_set_many(values: dict[str, Any], timeout: int) -> None:
    try:
        cache.set_many(values, timeout)
    except Exception:
        logger.warning("cache unavailable (set_many)", exc_info=True)


def safe_get_or_set(key: str, compute: Callable[[], T], timeout: int) -> T:
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("cache unavailable (get)", exc_info=True)
        return compute()
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("cache unavailable (set)", exc_info=True)
    return value
