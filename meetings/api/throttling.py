"""Per-client rate limit of the API (its own module: DRF imports it from settings
while ``rest_framework.views`` is being imported)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rest_framework.throttling import AnonRateThrottle

if TYPE_CHECKING:  # importing them here would be circular (see above)
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class ClientRateThrottle(AnonRateThrottle):
    """Requests per client address (``REST_FRAMEWORK['NUM_PROXIES']`` says which
    X-Forwarded-For entry is the client). Every client counts, logged in or not.

    The counters live in the default cache. If the cache cannot be reached the
    request is let through (and logged): a broken cache never refuses or fails a
    request for public data.
    """

    scope = "api"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # any cache backend error: fail open
            logger.warning("API throttle cache unavailable", exc_info=True)
            return True

    def wait(self) -> float | None:
        try:
            return super().wait()
        except Exception:
            return None
