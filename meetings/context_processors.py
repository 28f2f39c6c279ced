"""What every page's chrome needs: the site's settings (``site``), and the
invariant parts of ``base.html`` (``chrome``: its links, menu and footer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


def site(request: HttpRequest) -> dict[str, str]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_ORGANISATION": settings.SITE_ORGANISATION,
        "SITE_PREFECTURE": settings.SITE_PREFECTURE,
        "SITE_ADDRESS": settings.SITE_ADDRESS,
        "SITE_PHONE": settings.SITE_PHONE,
    }


@dataclass(frozen=True)
class Chrome:
    """The parts of ``base.html`` that are the same on every page: the URLs of its
    links, the <head> links (static files), the public menu and the footer.

    Rendered from their templates (``includes/chrome/``) once per process, script
    prefix, language and URLconf, instead of their eleven ``{% url %}`` and
    ``{% static %}`` tags on every page (most of the base template's cost). With
    DEBUG every page renders them again (templates being edited); a changed
    setting (tests) forgets them.
    """

    archive_url: str
    search_url: str
    feed_url: str
    head: SafeString
    nav: SafeString
    footer: SafeString


_chromes: dict[tuple[str, str | None, Any], Chrome] = {}


def chrome() -> Chrome:
    """The chrome of the current script prefix, language and URLconf."""
    if settings.DEBUG:
        return _render_chrome()
    key = (get_script_prefix(), get_language(), get_urlconf())
    found = _chromes.get(key)
    if found is None:
        found = _chromes[key] = _render_chrome()
    return found


def _render_chrome() -> Chrome:
    urls = {
        "archive_url": reverse("public:archive"),
        "search_url": reverse("public:search"),
        "feed_url": reverse("public:feed"),
    }
    # Only settings: the 500 page renders the chrome without the request.
    context = {**site(HttpRequest()), **urls}

    def part(name: str) -> SafeString:
        # Escaped by the template engine; the block's own indentation is base.html's.
        return mark_safe(  # noqa: S308
            render_to_string(f"includes/chrome/_{name}.html", context).strip()
        )

    return Chrome(head=part("head"), nav=part("nav"), footer=part("footer"), **urls)


def _forget_chromes(**kwargs: Any) -> None:
    _chromes.clear()


setting_changed.connect(_forget_chromes, dispatch_uid="meetings.chrome.forget")
