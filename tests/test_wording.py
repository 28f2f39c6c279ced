"""Every page of the demo speaks Japanese (issue 19).

Renders every public and staff page reachable by links (anonymous, editor, approver,
admin), the error pages and every staff form posted empty, and fails on a visible
ASCII-only English word outside a small allow-list, on Django's default messages and
on an ASCII ``~`` in a time range.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.test import Client

from meetings.demo import load_demo

# Abbreviations a Japanese public page writes in Latin letters.
ALLOWED = {
    "PDF",
    "CSV",
    "URL",
    "ZIP",
    "ID",
    "QR",
    "KB",
    "MB",
    "PC",
    "JIS",
    "FAX",
    "LGWAN",
    "HTML",
    "API",
    "JSON",
    "JAVASCRIPT",
    # Abbreviations and names in the demo's minutes (as the prefecture writes them).
    "BCP",
    "CSIRT",
    "USB",
    "VPN",
    "SFTS",
    "LINE",
    # Keys on the keyboard, and authenticator apps by their own names.
    "CTRL",
    "SHIFT",
    "ALT",
    "ENTER",
    "GOOGLE",
    "MICROSOFT",
    "AUTHENTICATOR",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z'’-]*[A-Za-z](?![A-Za-z])")
DJANGO_DEFAULTS = [
    "このフィールドは必須です",
    "正しい値を入力してください",
    "正しい日付を入力してください",
    "正しい時間を入力してください",
    "正しい選択肢を選択してください",
    "正しいユーザー名とパスワードを入力してください",
    "---------",
]
ASCII_TILDE_RANGE = re.compile(r"\d{1,2}[:：]\d{2}\s*~|~\s*\d{1,2}[:：]\d{2}")
# Machine-readable answers and files are not pages.
# /data/ and /api/ document machine-readable formats for developers (field names,
# JSON Lines, ISO 8601, OpenAPI): their words are the formats' own, checked there.
NOT_A_PAGE = re.compile(
    r"(^/data/|^/api/|\.pdf|\.csv|\.svg|\.xml|\.zip|/download/|/files/|/feed/|/logout/|/progress/"
    r"|/attachments/)"
)


class VisibleText(HTMLParser):
    """Text a reader sees or hears: text nodes outside script/style, plus the
    alt, title, aria-label and placeholder attributes and button values."""

    # Codes to type (keys, backup codes, the authenticator key) are not words.
    HIDDEN = {"script", "style", "template", "code", "kbd", "samp"}
    SPOKEN = ("alt", "title", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._hidden_tags:
            if tag == self._hidden_tags[-1]:
                self._hidden_tags.append(tag)
            return
        # translate="no" marks codes to copy (backup codes, the authenticator key).
        if tag in self.HIDDEN or attrs.get("translate") == "no":
            self._hidden_tags.append(tag)
            return
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in self.SPOKEN:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.parts.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if self._hidden_tags and tag == self._hidden_tags[-1]:
            self._hidden_tags.pop()

    def handle_data(self, data):
        if not self._hidden_tags:
            self.parts.append(data)


def visible(html: str) -> tuple[str, list[str]]:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts), parser.links


def problems(text: str) -> list[str]:
    text = EMAIL.sub(" ", text)
    found = [w for w in WORD.findall(text) if w.upper() not in ALLOWED]
    found += [d for d in DJANGO_DEFAULTS if d in text]
    found += [m.group(0) for m in ASCII_TILDE_RANGE.finditer(text)]
    return found


def test_the_checker_catches_english_defaults_and_tildes():
    text, _ = visible(
        "<p>Not Found</p><script>var x</script><p>17:30~17:45</p>"
        "<ul class='errorlist'><li>このフィールドは必須です。</li></ul>"
        "<img alt='Created'><p>PDF形式</p>"
    )
    assert problems(text) == [
        "Not",
        "Found",
        "Created",
        "このフィールドは必須です",
        "17:30~",
    ]


def _crawl(client: Client, starts: list[str], prefixes: tuple[str, ...]):
    """GET every same-site page under `prefixes` reachable from `starts`, and post
    every staff form empty; return {url: problems}."""
    seen: set[str] = set()
    queue = list(starts)
    found: dict[str, list[str]] = {}
    forms: set[str] = set()
    while queue:
        path = queue.pop(0)
        if path in seen or len(seen) > 400:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code in (HTTPStatus.FOUND, HTTPStatus.MOVED_PERMANENTLY):
            target = urlsplit(response["Location"]).path
            if target not in seen:
                queue.append(target)
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        text, links = visible(html)
        if bad := problems(text):
            found[path] = bad
        for action in re.findall(r'<form[^>]*method="post"[^>]*>', html, re.I):
            target = re.search(r'action="([^"]*)"', action)
            forms.add(target.group(1) if target and target.group(1) else path)
        for href in links:
            parts = urlsplit(href)
            if parts.netloc:
                continue
            target = parts.path + (
                f"?{parts.query}" if parts.query and "search" in parts.path else ""
            )
            if (
                target.startswith(prefixes)
                and not NOT_A_PAGE.search(target)
                and target not in seen
            ):
                queue.append(target)
    return seen, found, forms


@pytest.fixture
def demo(db):
    load_demo()


def _login(client: Client, username: str) -> None:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))


@pytest.mark.django_db
def test_every_demo_page_speaks_japanese(demo, settings):
    settings.DEBUG = False
    anonymous = Client()
    seen, found, _ = _crawl(
        anonymous,
        ["/", "/search/?q=医療", "/search/?q=停電", "/incidents/", "/accounts/login/"],
        ("/",),
    )
    assert len(seen) > 8
    # Error pages as the public sees them.
    for path in ["/no-such-page/", "/meetings/00000000-0000-4000-8000-000000000000/"]:
        response = anonymous.get(path)
        assert response.status_code == HTTPStatus.NOT_FOUND
        text, _ = visible(response.content.decode())
        assert "ページが見つかりません" in text
        if bad := problems(text):
            found[path] = bad
    # The login form's own messages: nothing typed, then a wrong password.
    for data in [{}, {"username": "editor", "password": "wrong-password"}]:
        response = anonymous.post("/accounts/login/", data)
        text, _ = visible(response.content.decode())
        assert "入力してください" in text or "パスワードが違います" in text
        if bad := problems(text):
            found[f"POST /accounts/login/ {sorted(data)}"] = bad
    for username in ["editor", "approver", "admin"]:
        client = Client()
        _login(client, username)
        pages, bad_pages, forms = _crawl(
            client, ["/staff/", "/accounts/security/"], ("/staff/", "/accounts/")
        )
        assert len(pages) > 5, username
        found.update({f"{username} {url}": v for url, v in bad_pages.items()})
        # Every form posted empty answers in the site's own words.
        for action in sorted(forms):
            if re.search(r"logout|/otp/|withdraw|publish|submit|return|delete", action):
                continue
            response = client.post(action, {})
            if "html" not in response.get("Content-Type", ""):
                continue
            text, _ = visible(response.content.decode())
            if bad := problems(text):
                found[f"{username} POST {action}"] = bad
    summary: dict[str, list[str]] = {}
    for url, words in found.items():
        for word in words:
            summary.setdefault(word, []).append(url)
    assert found == {}, "\n".join(
        f"{word} ({len(urls)}): {urls[:3]}" for word, urls in sorted(summary.items())
    )
