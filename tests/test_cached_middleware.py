"""The middleware that does once what does not change per request
(crisis_meetings.cached_middleware, the MFA gate, the bad-input check): the same
responses as the code it replaces, for every kind of request and configuration."""

from __future__ import annotations

from http import HTTPStatus

import csp.middleware
import pytest
from csp.constants import NONCE
from csp.exceptions import CSPNonceError
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse, HttpResponseNotFound, QueryDict
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.test import Client, RequestFactory, override_settings
from django.urls import path, reverse_lazy
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from crisis_meetings import cached_middleware
from crisis_meetings.accounts.middleware import MFARequiredMiddleware
from crisis_meetings.cached_middleware import CSPMiddleware, LocaleMiddleware
from crisis_meetings.middleware import BadInputMiddleware

PROJECT_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Configurations the cached policy must follow (each through override_settings).
POLICIES = {
    "project": {"CONTENT_SECURITY_POLICY": PROJECT_CSP},
    "with report-only and excluded prefixes": {
        "CONTENT_SECURITY_POLICY": {
            "EXCLUDE_URL_PREFIXES": ["/excluded/"],
            "DIRECTIVES": {"default-src": ["'self'"], "img-src": {"data:", "'self'"}},
        },
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": {
            "EXCLUDE_URL_PREFIXES": ["/public/"],
            "DIRECTIVES": {
                "default-src": ["'none'"],
                "report-uri": "/csp-report/",
                "upgrade-insecure-requests": True,
            },
        },
    },
    "with a nonce": {
        "CONTENT_SECURITY_POLICY": {
            "DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}
        }
    },
    "report-only alone": {
        "CONTENT_SECURITY_POLICY": None,
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": {
            "DIRECTIVES": {"default-src": ["'self'"]}
        },
    },
    "none": {
        "CONTENT_SECURITY_POLICY": None,
        "CONTENT_SECURITY_POLICY_REPORT_ONLY": None,
    },
    # A lazy URL may follow the request's script prefix: never cached.
    "lazy report-uri": {
        "CONTENT_SECURITY_POLICY": {
            "DIRECTIVES": {
                "default-src": ["'self'"],
                "report-uri": [reverse_lazy("public:archive")],
            }
        }
    },
}


def _plain():
    return HttpResponse("ok")


def _with(**attributes):
    def make():
        response = HttpResponse("ok")
        for name, value in attributes.items():
            setattr(response, name, value)
        return response

    return make


def _with_header():
    response = HttpResponse("file")
    response["Content-Security-Policy"] = "sandbox"
    return response


RESPONSES = {
    "plain": _plain,
    "update": _with(_csp_update={"img-src": ["https://tiles.example"]}),
    "replace": _with(_csp_replace={"img-src": ["'self'"], "default-src": None}),
    "config": _with(_csp_config={"default-src": ["'none'"]}),
    "update report-only": _with(_csp_update_ro={"img-src": ["https://x.example"]}),
    "replace report-only": _with(_csp_replace_ro={"default-src": ["'self'"]}),
    "config report-only": _with(_csp_config_ro={"default-src": ["'self'"]}),
    "exempt": _with(_csp_exempt=True),
    "exempt report-only": _with(_csp_exempt_ro=True),
    "header already set": _with_header,
    "not found": lambda: HttpResponseNotFound("no"),
    "error": lambda: HttpResponse("error", status=500),
}


def _run_csp(middleware_class, url, make_response, read_nonce=False):
    request = RequestFactory().get(url)
    seen = {}

    def view(request):
        if read_nonce:
            seen["nonce"] = str(request.csp_nonce)
        return make_response()

    response = middleware_class(view)(request)
    try:  # once written, reading a nonce not read before is an error
        after = str(request.csp_nonce) == seen.get("nonce")
    except CSPNonceError:
        after = "CSPNonceError"
    csp_headers = {
        name: value
        for name, value in response.items()
        if name.startswith("Content-Security-Policy")
    }
    csp_headers["nonce after the response"] = after
    return csp_headers, seen.get("nonce")


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("kind", RESPONSES)
@pytest.mark.parametrize("url", ["/", "/excluded/page/", "/public/x/"])
@pytest.mark.parametrize("debug", [False, True])
def test_csp_headers_are_django_csps(policy, kind, url, debug):
    with override_settings(DEBUG=debug, **POLICIES[policy]):
        for _ in range(2):  # built, then from the cache
            ours, _nonce = _run_csp(CSPMiddleware, url, RESPONSES[kind])
            theirs, _nonce = _run_csp(
                csp.middleware.CSPMiddleware, url, RESPONSES[kind]
            )
            assert ours == theirs


@pytest.mark.parametrize("kind", ["plain", "update", "exempt"])
def test_a_page_using_the_nonce_gets_it_in_its_header(kind):
    with override_settings(**POLICIES["with a nonce"]):
        plain, _ = _run_csp(CSPMiddleware, "/", RESPONSES[kind])
        headers, nonce = _run_csp(CSPMiddleware, "/", RESPONSES[kind], read_nonce=True)
        theirs, their_nonce = _run_csp(
            csp.middleware.CSPMiddleware, "/", RESPONSES[kind], read_nonce=True
        )
        again, _ = _run_csp(CSPMiddleware, "/", RESPONSES[kind])
    assert nonce and their_nonce and nonce != their_nonce
    assert headers == {
        name: value.replace(their_nonce, nonce) if isinstance(value, str) else value
        for name, value in theirs.items()
    }
    assert headers["nonce after the response"] is True
    if kind != "exempt":
        assert f"'nonce-{nonce}'" in headers["Content-Security-Policy"]
        # The next page without a nonce: none in its header (the cached one).
        assert "nonce" not in plain["Content-Security-Policy"]
        assert again == plain


def test_the_policy_is_built_once_per_configuration(monkeypatch):
    calls = []
    build = cached_middleware.build_policy

    def counting(**kwargs):
        calls.append(kwargs)
        return build(**kwargs)

    monkeypatch.setattr(cached_middleware, "build_policy", counting)
    with override_settings(**POLICIES["project"]):
        first, _ = _run_csp(CSPMiddleware, "/", _plain)
        assert len(calls) == 2  # the policy and the report-only one
        for _ in range(3):
            assert _run_csp(CSPMiddleware, "/", _plain)[0] == first
        assert len(calls) == 2
        with override_settings(
            CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}
        ):
            changed, _ = _run_csp(CSPMiddleware, "/", _plain)
            assert changed["Content-Security-Policy"] == "default-src 'none'"
            assert "Content-Security-Policy-Report-Only" not in changed
        assert len(calls) == 4
        assert _run_csp(CSPMiddleware, "/", _plain)[0] == first
        assert len(calls) == 6


@pytest.mark.django_db
def test_a_policy_changed_by_override_settings_reaches_the_pages(client):
    before = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in before
    with override_settings(
        CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}},
        CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"img-src": ["'self'"]}},
    ):
        changed = client.get("/accounts/login/")
        assert changed["Content-Security-Policy"] == "default-src 'none'"
        report_only = changed["Content-Security-Policy-Report-Only"].split("; ")
        assert sorted(report_only) == ["default-src 'self'", "img-src 'self'"]
    after = client.get("/accounts/login/")
    assert after["Content-Security-Policy"] == before
    assert "Content-Security-Policy-Report-Only" not in after


def test_a_view_with_a_csp_decorator_gets_its_own_policy(client):
    from meetings.static_search import SEARCH_CSP_UPDATE

    response = client.get("/search-static/")
    assert response.status_code == HTTPStatus.OK
    policy = response["Content-Security-Policy"]
    for directive, values in SEARCH_CSP_UPDATE.items():
        assert directive in policy
        for value in values:
            assert value in policy
    assert policy != client.get("/accounts/login/")["Content-Security-Policy"]


# -- LocaleMiddleware ---------------------------------------------------------------


def _run_locale(middleware_class, request, switch_to=None, not_found=("missing",)):
    seen = {}

    def view(request):
        seen["active"] = translation.get_language()
        if switch_to:
            translation.activate(switch_to)
        if any(part in request.path for part in not_found):
            return HttpResponseNotFound("no")
        return _plain()

    try:
        response = middleware_class(view)(request)
        return (
            response.status_code,
            sorted(response.items()),
            request.LANGUAGE_CODE,
            seen.get("active"),
        )
    finally:
        translation.activate("ja")


LOCALE_REQUESTS = {
    "nothing": {},
    "english browser": {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"},
    "japanese browser": {"HTTP_ACCEPT_LANGUAGE": "ja-JP,ja;q=0.9,en;q=0.5"},
    "any": {"HTTP_ACCEPT_LANGUAGE": "*"},
    "garbage": {"HTTP_ACCEPT_LANGUAGE": "!!,;q=x" * 50},
    "language cookie en": {"HTTP_COOKIE": "django_language=en"},
    "language cookie ja": {"HTTP_COOKIE": "django_language=ja"},
}
LANGUAGE_SETTINGS = {
    "project": {},
    "two languages": {"LANGUAGES": [("ja", "日本語"), ("en", "English")]},
    "i18n off": {"USE_I18N": False},
}


@pytest.mark.parametrize("configuration", LANGUAGE_SETTINGS)
@pytest.mark.parametrize("headers", LOCALE_REQUESTS)
@pytest.mark.parametrize("url", ["/", "/en/archive/", "/missing/"])
@pytest.mark.parametrize("switch_to", [None, "en"])
def test_locale_headers_are_djangos(configuration, headers, url, switch_to):
    with override_settings(**LANGUAGE_SETTINGS[configuration]):
        for _ in range(2):
            request = RequestFactory().get(url, **LOCALE_REQUESTS[headers])
            ours = _run_locale(LocaleMiddleware, request, switch_to)
            request = RequestFactory().get(url, **LOCALE_REQUESTS[headers])
            theirs = _run_locale(DjangoLocaleMiddleware, request, switch_to)
            assert ours == theirs


def test_with_two_languages_the_browser_is_asked_again():
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert _run_locale(LocaleMiddleware, request)[2] == "ja"
    with override_settings(LANGUAGES=[("ja", "日本語"), ("en", "English")]):
        request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en")
        status, headers, code, active = _run_locale(LocaleMiddleware, request)
        assert (code, active, dict(headers)["Content-Language"]) == ("en", "en", "en")
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert _run_locale(LocaleMiddleware, request)[2] == "ja"


def _page(request):
    return _plain()


# request.urlconf (below) for language-prefixed URLs: Django's middleware decides.
urlpatterns = i18n_patterns(path("page/", _page))


@pytest.mark.parametrize("url", ["/page/", "/ja/page/", "/missing/"])
def test_language_prefixed_urls_get_djangos_behaviour(url):
    results = []
    for middleware_class in (LocaleMiddleware, DjangoLocaleMiddleware):
        request = RequestFactory().get(url, HTTP_ACCEPT_LANGUAGE="en")
        request.urlconf = __name__
        not_found = ("missing", "/page/") if url == "/page/" else ("missing",)
        results.append(_run_locale(middleware_class, request, not_found=not_found))
    assert results[0] == results[1]
    if url == "/page/":  # the 404 turned into a redirect to the prefixed URL
        assert results[0][0] == HTTPStatus.FOUND
        assert ("Location", "/ja/page/") in results[0][1]


# -- the MFA gate without a session cookie --------------------------------------------


def _fail_if_read():
    raise AssertionError("request.user read")


def test_without_a_session_cookie_the_user_is_not_looked_up():
    request = RequestFactory().get("/")
    request.session = SessionStore(None)
    request.user = SimpleLazyObject(_fail_if_read)
    response = MFARequiredMiddleware(lambda request: _plain())(request)
    assert response.status_code == HTTPStatus.OK
    # As reading the user would have: the session counts as read (Vary: Cookie).
    assert request.session.accessed


def test_with_a_session_cookie_the_user_is_checked():
    request = RequestFactory().get("/", HTTP_COOKIE="sessionid=whatever")
    request.session = SessionStore("whatever")
    request.user = SimpleLazyObject(_fail_if_read)
    with pytest.raises(AssertionError, match="request.user read"):
        MFARequiredMiddleware(lambda request: _plain())(request)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/incidents/", "/search/?q=停電", "/staff/"])
def test_headers_are_the_same_with_and_without_a_session_cookie(url):
    without = Client().get(url)
    stale = Client()
    stale.cookies["sessionid"] = "no-such-session"
    with_cookie = stale.get(url)
    assert without.status_code == with_cookie.status_code
    # The stale cookie is deleted; everything else is the same.
    assert "sessionid" in with_cookie.cookies
    assert "sessionid" not in without.cookies

    def headers(response):
        return {
            name: value
            for name, value in response.items()
            if name not in ("Set-Cookie", "Expires", "Date")
        }

    assert headers(without) == headers(with_cookie)
    assert "Cookie" in without["Vary"]
    if url != "/staff/":
        assert without.content == with_cookie.content


@pytest.mark.django_db
def test_an_unverified_session_still_goes_through_the_gate(approver):
    client = Client()
    client.force_login(approver, otp=False)
    staff = client.get("/staff/")
    assert staff.status_code == HTTPStatus.FOUND
    assert staff["Location"].startswith("/accounts/otp/setup/")
    page = client.get("/incidents/")
    assert page.status_code == HTTPStatus.OK
    # Replaced by the gate (not the lazy user of AuthenticationMiddleware).
    assert type(page.wsgi_request.__dict__["user"]) is AnonymousUser


# -- the bad-input check with no query string ---------------------------------------


def test_parameters_set_without_a_query_string_are_still_checked():
    request = RequestFactory().get("/")
    request.GET = QueryDict("q=a%00b")
    response = BadInputMiddleware(lambda request: _plain())(request)
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/incidents/", "/incidents/?", "/feed/%01/"])
def test_an_empty_query_string_is_fine_and_the_path_still_checked(client, url):
    response = client.get(url)
    expected = HTTPStatus.BAD_REQUEST if "%01" in url else HTTPStatus.OK
    assert response.status_code == expected
