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

# The crawls read the demo: loaded once for the module.
pytestmark = pytest.mark.usefixtures("shared_demo")

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
        bad = problems(text)
        # One way to mark a required field: the 「必須」 badge, never crispy's "*".
        if "asteriskField" in html:
            bad.append("* (required)")
        if bad:
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
    """The module's demo (shared_demo loads it once; what a test writes is undone)."""


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


TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _title(html: str) -> str:
    found = TITLE.search(html)
    assert found, "no <title>"
    return found.group(1).strip()


@pytest.mark.django_db
def test_every_error_page_speaks_japanese(demo, settings):
    """400, 403 (with its reason), 404, 410 (withdrawn, with the date), 429 and 500
    as DEBUG off renders them: Japanese, in the site's layout, a way back."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from crisis_meetings.error_views import server_error
    from meetings import services
    from meetings.models import Meeting

    settings.DEBUG = False
    users = get_user_model().objects
    pages: dict[str, tuple[int, str]] = {}
    anonymous = Client()
    response = anonymous.get("/?q=%00")
    pages["400"] = (response.status_code, response.content.decode())
    editor = Client()
    _login(editor, "editor")
    meeting = Meeting.objects.published().order_by("pk").first()
    assert meeting is not None
    # An editor may not withdraw: the role decorator names the role it needs.
    response = editor.get(f"/staff/meetings/{meeting.pk}/withdraw/")
    pages["403"] = (response.status_code, response.content.decode())
    response = anonymous.get("/no-such-page/")
    pages["404"] = (response.status_code, response.content.decode())
    services.meeting_withdraw(
        meeting=meeting, user=users.get(username="approver"), comment="重複のため"
    )
    response = anonymous.get(f"/meetings/{meeting.public_id}/")
    pages["410"] = (response.status_code, response.content.decode())
    locked = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = locked.post(
            "/accounts/login/", {"username": "editor", "password": "wrong-password"}
        )
    pages["429"] = (response.status_code, response.content.decode())
    response = server_error(RequestFactory().get("/"))
    pages["500"] = (response.status_code, response.content.decode())

    assert {name: status for name, (status, _) in pages.items()} == {
        "400": 400,
        "403": 403,
        "404": 404,
        "410": 410,
        "429": 429,
        "500": 500,
    }
    found = {}
    for name, (_, html) in pages.items():
        assert '<html lang="ja"' in html, name
        assert 'href="/"' in html, f"{name}: no way back to the archive"
        assert _title(html).endswith(
            f"|{settings.SITE_NAME}|{settings.SITE_PREFECTURE}"
        )
        text, _ = visible(html)
        if bad := problems(text):
            found[name] = bad
    assert found == {}
    assert "承認者" in visible(pages["403"][1])[0]  # the reason: the role it needs
    # A signed-in member of staff stays in the staff layout (menu, 職員用 title).
    assert 'aria-label="職員用メニュー"' in pages["403"][1]
    assert "|職員用|" in _title(pages["403"][1])
    assert "取り下げられました" in pages["410"][1]
    from django.utils import timezone

    from meetings import wareki

    today = wareki.format_wareki(timezone.localdate(), weekday=True)
    assert f"{today}に掲載を取り下げました" in pages["410"][1]


@pytest.mark.django_db
def test_page_titles_name_the_page_the_site_and_staff(demo, settings):
    """「ページ名|サイト名|徳島県」 on public pages, 「ページ名|職員用|サイト名|徳島県」
    on every staff page (the preview too), crawled as each role sees them."""
    public_end = f"|{settings.SITE_NAME}|{settings.SITE_PREFECTURE}"
    staff_end = f"|職員用{public_end}"
    wrong: dict[str, str] = {}

    def check(client: Client, starts: list[str], prefixes: tuple[str, ...]):
        seen: set[str] = set()
        queue = list(starts)
        while queue:
            path = queue.pop(0)
            if path in seen or len(seen) > 400:
                continue
            seen.add(path)
            response = client.get(path)
            if response.status_code in (302, 301):
                queue.append(urlsplit(response["Location"]).path)
                continue
            if "html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            title = _title(html)
            staff = path.startswith(("/staff/", "/accounts/"))
            end = staff_end if staff else public_end
            name = title[: -len(end)] if title.endswith(end) else ""
            if not name or "|" in name or (not staff and "職員用" in title):
                wrong[path] = title
            _, links = visible(html)
            for href in links:
                parts = urlsplit(href)
                if (
                    not parts.netloc
                    and parts.path.startswith(prefixes)
                    and not NOT_A_PAGE.search(parts.path)
                ):
                    queue.append(parts.path)
        return seen

    assert len(check(Client(), ["/", "/incidents/", "/accounts/login/"], ("/",))) > 8
    for username in ["editor", "approver", "admin"]:
        client = Client()
        _login(client, username)
        pages = check(
            client, ["/staff/", "/accounts/security/"], ("/staff/", "/accounts/")
        )
        assert any("/preview/" in page for page in pages), username
    assert wrong == {}
