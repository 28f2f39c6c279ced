"""The invariant parts of base.html (links, menu, footer) are rendered once per
process (``meetings.context_processors.chrome``): they must still follow the
settings, the script prefix, DEBUG, and leave the staff layout its own menu."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse, set_script_prefix

from meetings import context_processors
from meetings.context_processors import chrome

pytestmark = pytest.mark.django_db

PUBLIC_NAV = '<nav class="site-nav w-100" aria-label="サイト内">'


def _page(client: Client, path: str = "/search/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_chrome_is_rendered_once_and_forgotten_when_a_setting_changes(client, settings):
    settings.DEBUG = False
    first = chrome()
    assert chrome() is first
    html = _page(client)
    assert first.footer in html and first.head in html and first.nav in html
    settings.SITE_ORGANISATION = "別の県 危機管理部"
    settings.SITE_ADDRESS = "別の町1-1"
    changed = chrome()
    assert changed is not first
    html = _page(client)
    assert '<p class="mb-1">別の県 危機管理部</p>' in html
    assert "所在地:別の町1-1" in html
    settings.SITE_NAME = "別の名前<&>"
    html = _page(client)
    assert 'title="別の名前&lt;&amp;&gt;の更新情報"' in html
    assert '<a class="site-name me-auto text-decoration-none" href="/">' in html


def test_with_debug_the_chrome_is_rendered_for_every_page(settings):
    settings.DEBUG = True
    assert chrome() is not chrome()
    assert chrome() == chrome()


def test_chrome_follows_the_script_prefix(settings):
    settings.DEBUG = False
    try:
        set_script_prefix("/kiki/")
        under_prefix = chrome()
        assert under_prefix.archive_url == "/kiki/"
        assert 'href="/kiki/search/"' in under_prefix.nav
        assert 'href="/kiki/favicon.ico"' in under_prefix.head
        assert 'href="/kiki/data/"' in under_prefix.footer
    finally:
        set_script_prefix("/")
    assert chrome().archive_url == "/"
    assert 'href="/search/"' in chrome().nav
    assert len(context_processors._chromes) >= 2


def test_public_pages_have_the_public_menu_and_staff_pages_their_own(client, editor):
    html = _page(client, reverse("public:archive"))
    assert PUBLIC_NAV in html
    # The four URLs are set for the blocks of the pages that extend base.html.
    assert '<form class="site-search d-flex" role="search" action="/search/"' in html
    assert html.count('<a href="/incidents/">事案ごとの一覧</a>') == 2  # menu, footer
    client.force_login(editor)
    staff = _page(client, reverse("staff:dashboard"))
    assert PUBLIC_NAV not in staff
    assert 'aria-label="職員用メニュー"' in staff
    assert '<ul class="site-footer-links">' in staff
    assert (
        'class="visually-hidden-focusable skip-link" href="#main">本文へ移動</a>'
        in (staff)
    )
