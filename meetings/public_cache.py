"""Whole-page cache for the public pages that change only when staff write.

A published page does not change until it is corrected, so anonymous GETs of the
meeting page, the archive, search results and the incident pages are rendered once and served from
the cache. Every committed write to the ``meetings`` or ``incidents`` apps bumps one
generation counter, which is part of every key: nothing stale is served after a
publication, correction or withdrawal.

Enabled only with a shared cache (``CACHE_URL``, e.g. Redis): with a per-process
cache another worker could keep serving a withdrawn meeting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

GENERATION_KEY = "public:page-generation"
WATCHED_APPS = frozenset({"meetings", "incidents"})
PAGE_SECONDS = 24 * 60 * 60


def bump() -> None:
    """Invalidate every cached public page."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted)
        cache.set(GENERATION_KEY, 1, None)


def on_model_write(sender, **kwargs) -> None:
    """Signal receiver: a write to a watched app invalidates after it commits.

    Also while the page cache is off, so that pages cached before it was switched
    off never outlive a write made meanwhile.
    """
    if sender._meta.app_label in WATCHED_APPS:
        transaction.on_commit(bump)


def cached_public_page(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Anyone with a cookie (staff sessions, messages, CSRF) gets a fresh render.
        if not settings.PUBLIC_PAGE_CACHE or request.method != "GET" or request.COOKIES:
            return view(request, *args, **kwargs)
        key = (
            "public:page:"
            + hashlib.sha256(request.get_full_path().encode()).hexdigest()
        )
        # One round trip: the current generation and the page stored with its own.
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, 1, None)
            generation = cache.get(GENERATION_KEY, 1)
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            return HttpResponse(entry[2], content_type=entry[1])
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
        ):
            # Stored under the generation read before rendering: a write committed
            # meanwhile has bumped it, so this entry is never served after that write.
            entry = (generation, response["Content-Type"], response.content)
            cache.set(key, entry, PAGE_SECONDS)
        return response

    return wrapper
