"""Django's LocaleMiddleware and django-csp's CSPMiddleware, each doing once per
configuration what the original does on every request, with the same responses.

- ``CSPMiddleware``: django-csp builds both policy headers (the policy and the
  report-only one) from the settings on every response. A response whose view set no
  policy of its own (``_csp_config``, ``_csp_update``, ``_csp_replace`` and their
  ``_ro`` forms: the ``csp_*`` decorators, ServePublicSiteMiddleware) for a request
  that used no nonce gets the same two strings every time: they are built once, and
  again after a change of the settings (``setting_changed``: ``override_settings``).
  Any other response goes through django-csp unchanged.
- ``LocaleMiddleware``: with one language (``LANGUAGES`` holds ``LANGUAGE_CODE``
  only) and no ``i18n_patterns``, every request gets that language whatever its
  cookie or ``Accept-Language`` say, so the request is not parsed for one; the
  response gets the same ``Vary: Accept-Language`` and ``Content-Language`` headers.
  More languages or language-prefixed URLs: Django's code unchanged.
"""

from __future__ import annotations

import http.client
from typing import Any

import csp.middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise

# What a view or a middleware sets on a response for a policy of its own.
PER_RESPONSE_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
# django-csp leaves these responses alone when DEBUG is on (the debug pages).
DEBUG_EXEMPT_STATUSES = (
    http.client.INTERNAL_SERVER_ERROR,
    http.client.NOT_FOUND,
)

# Built from the settings at the first response, cleared when they change.
_csp_headers: tuple[tuple[str, str, tuple[str, ...]], ...] | None = None
_single_language: tuple[str | None] | None = None


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    global _csp_headers, _single_language
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _csp_headers = None
    if setting in ("LANGUAGES", "LANGUAGE_CODE"):
        _single_language = None


def _is_plain(value: Any) -> bool:
    """No lazy string (``reverse_lazy`` in a ``report-uri``: its URL may depend
    on the request's script prefix): the header is the same for every request."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_is_plain(item) for item in value)
    return not isinstance(value, Promise)


def _policy_headers() -> tuple[tuple[str, str, tuple[str, ...]], ...] | None:
    """(header name, value, excluded path prefixes) of each policy that yields a
    header; None when a policy holds lazy values (then built per response)."""
    global _csp_headers
    if _csp_headers is None:
        headers = []
        for name, setting, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
        ):
            policy = getattr(settings, setting, None) or {}
            if not _is_plain(list(policy.get("DIRECTIVES", {}).values())):
                return None
            value = build_policy(report_only=report_only)
            if value:
                prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
                headers.append((name, value, prefixes))
        _csp_headers = tuple(headers)
    return _csp_headers


class CSPMiddleware(csp.middleware.CSPMiddleware):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What request.csp_nonce becomes once the header is written (django-csp
        # makes a new one per response): reading it raises CSPNonceError.
        self._nonce_after_response = csp.middleware.CheckableLazyObject(
            self._csp_nonce_post_response
        )

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in PER_RESPONSE_POLICY
        ):
            return super().process_response(request, response)
        headers = _policy_headers()
        if headers is None:
            return super().process_response(request, response)
        # From here as django-csp's process_response, with the headers built once.
        if response.status_code in DEBUG_EXEMPT_STATUSES and settings.DEBUG:
            return response
        for name, value, excluded in headers:
            exempt = "_csp_exempt" if name == HEADER else "_csp_exempt_ro"
            if (
                name not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(excluded)
            ):
                response[name] = value
        request.csp_nonce = self._nonce_after_response  # type: ignore[attr-defined]  # django-csp sets it
        return response


def _only_language() -> str | None:
    """LANGUAGE_CODE when it is the one language of LANGUAGES, else None."""
    global _single_language
    if _single_language is None:
        codes = {code for code, _ in settings.LANGUAGES}
        only = settings.LANGUAGE_CODE
        _single_language = (only if codes == {only} else None,)
    return _single_language[0]


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        language = _only_language()
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if language is None or is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_request(request)
        # Django's get_language_from_request() can only answer the one language.
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_response(request, response)
        # Without i18n_patterns Django neither redirects nor reads the path.
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
