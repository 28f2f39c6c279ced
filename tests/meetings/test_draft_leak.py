"""A draft never leaks: a marker planted in unpublished text never reaches the public.

The marker goes into every text field (and file label) of a draft, an in-review and
a withdrawn meeting, of a published meeting's correction in progress, of an incident
linked only to such meetings and of a meeting type used only by them. Then every
URL of the URLconf is requested as an anonymous visitor with every identifier those
objects have, and the public site is crawled from its home page, sitemap.xml and
feed, following links. The marker must appear nowhere; direct URLs answer 404.
"""

from __future__ import annotations

import itertools
import re
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import (
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
)

from incidents.models import Incident, IncidentLink
from meetings import services
from meetings.models import Attachment, Meeting, MeetingType
from tests.factories import (
    make_meeting,
    meeting_data,
    tiny_pdf,
)
from tests.meetings.public_builders import _fresh_public_cache

__all__ = ["_fresh_public_cache"]
# The demo is loaded once for the module; each test adds its leak markers.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]

LEAK = "漏洩"  # in every marker; never in published text
MARKERS = {
    "draft": "QZ漏洩D",
    "review": "QZ漏洩R",
    "withdrawn": "QZ漏洩W",
    "correction": "QZ漏洩C",
    "incident": "QZ漏洩I",
}
# "reading": /kana/<a public page's path> (its reading version, meetings.reading)
PUBLIC_NAMESPACES = {"public", "incidents_public", "api", "data", "mail", "reading"}
NOT_PUBLIC_PREFIXES = ("/staff/", "/admin/", "/accounts/", "/static/")
ANONYMOUS_REFUSALS = {
    HTTPStatus.FOUND,
    HTTPStatus.FORBIDDEN,
    HTTPStatus.NOT_FOUND,
    HTTPStatus.METHOD_NOT_ALLOWED,
}


def _plant(obj: models.Model, marker: str) -> None:
    """Write the marker into every editable free-text field of ``obj``."""
    for field in obj._meta.concrete_fields:
        if (
            isinstance(field, models.CharField | models.TextField)
            and field.editable
            and not field.choices
            and not isinstance(field, models.SlugField)
        ):
            size = field.max_length or 200
            setattr(obj, field.attname, (marker * 4)[:size])
    obj.save()


def _plant_meeting(meeting: Meeting, marker: str) -> None:
    _plant(meeting, marker)
    for related in ("attendees", "agenda_items", "sections", "attachments"):
        for row in getattr(meeting, related).all():
            _plant(row, marker)
    for section in meeting.sections.all():
        for item in section.items.all():
            _plant(item, marker)


def _rich_data(marker: str) -> dict[str, Any]:
    return meeting_data(
        held_on="2024-07-01",
        agenda=[f"「{marker}」について", "その他"],
        attendees=["危機管理部副部長", "医療政策課長"],
        sections=[
            {
                "kind": "explanation",
                "speaker": "医療政策課",
                "topic": "話題",
                "group": "main",
                "items": [
                    {
                        "marker": "○",
                        "text": "親",
                        "children": [{"marker": "・", "text": "子", "children": []}],
                    }
                ],
            },
            {
                "kind": "directive",
                "speaker": "危機管理部副部長",
                "recipients": "各部局",
                "group": "other_reports",
                "items": [{"marker": "・", "text": "指示", "children": []}],
            },
        ],
    )


@pytest.fixture
def world(approver, editor, seed_meeting):
    # seed_meeting: the demo, loaded once for a module on shared_demo (this one),
    # else for the test (modules that borrow this world).
    hidden_type = MeetingType.objects.create(
        name=f"{MARKERS['draft']}会議", slug="qz-leak-type", tier=1
    )
    hidden: dict[str, Meeting] = {}
    for status in ("draft", "review", "withdrawn"):
        meeting = services.meeting_create_from_data(
            data=_rich_data("元の議題"), user=editor, meeting_type=hidden_type
        )
        services.attachment_add(meeting=meeting, label="資料", content=tiny_pdf())
        _plant_meeting(meeting, MARKERS[status])
        if status in ("review", "withdrawn"):
            services.meeting_submit(meeting=meeting, user=editor)
        if status == "withdrawn":
            # Published with the marker, then withdrawn: its snapshot must vanish too.
            services.meeting_publish(meeting=meeting, user=approver)
            services.meeting_withdraw(meeting=meeting, user=approver)
        hidden[status] = Meeting.objects.get(pk=meeting.pk)
    assert {m.status for m in hidden.values()} == {"draft", "review", "withdrawn"}

    # A published meeting whose correction is being typed: live rows hold the marker.
    corrected = make_meeting(user=editor, status="review", **_rich_data("公開済み"))
    services.attachment_add(meeting=corrected, label="公開資料", content=tiny_pdf())
    services.meeting_publish(meeting=corrected, user=approver)
    services.attachment_add(
        meeting=corrected, label=MARKERS["correction"], content=tiny_pdf()
    )
    _plant_meeting(Meeting.objects.get(pk=corrected.pk), MARKERS["correction"])
    corrected = Meeting.objects.get(pk=corrected.pk)
    assert corrected.status == Meeting.Status.PUBLISHED

    secret_incident = Incident.objects.create(
        title="x", category="other", started_at="2024-07-01T09:00:00+09:00"
    )
    _plant(secret_incident, MARKERS["incident"])
    for meeting in hidden.values():
        IncidentLink.objects.create(incident=secret_incident, meeting=meeting)
    public_incident = Incident.objects.create(
        title="公開の事案", category="other", started_at="2024-07-01T09:00:00+09:00"
    )
    IncidentLink.objects.create(incident=public_incident, meeting=corrected)
    for meeting in hidden.values():
        IncidentLink.objects.create(incident=public_incident, meeting=meeting)
    return {
        "hidden": hidden,
        "corrected": corrected,
        "secret_incident": secret_incident,
        "public_incident": public_incident,
        "seed": seed_meeting,
        "hidden_type": hidden_type,
    }


def _assert_clean(response, url: str) -> None:
    body = b"" if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    headers = " ".join(f"{k}: {v}" for k, v in response.items())
    for haystack in (text, headers):
        assert LEAK not in haystack, f"marker leaked on {url}"
        assert quote(LEAK) not in haystack, f"encoded marker leaked on {url}"
        assert quote(LEAK).lower() not in haystack.lower(), url


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                pattern.namespace or namespace,
            )
        elif isinstance(pattern, URLPattern):
            yield namespace, prefix + str(pattern.pattern)


def _fill(route: str, values: dict[type, list[str]]):
    """Every URL the route yields with the given values for each converter type."""
    params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    converter = {
        "int": IntConverter,
        "uuid": UUIDConverter,
        "slug": SlugConverter,
        "path": PathConverter,
        "str": StringConverter,
    }
    pools = []
    for kind, _name in params:
        if kind not in converter:
            pytest.fail(f"{route}: add values for <{kind}:…> to the leak crawl")
        pools.append(values[converter[kind]])
    for combination in itertools.product(*pools):
        url = route
        for value in combination:
            url = re.sub(r"<(?:\w+:)?\w+>", value, url, count=1)
        yield "/" + url


def test_unpublished_text_never_reaches_any_url_of_the_urlconf(client: Client, world):
    hidden = world["hidden"]
    hidden_meetings = list(hidden.values())
    attachments = list(
        Attachment.objects.filter(meeting__in=[*hidden_meetings, world["corrected"]])
    )
    values = {
        UUIDConverter: [str(m.public_id) for m in hidden_meetings]
        + [str(world["secret_incident"].public_id), str(uuid.uuid4())],
        IntConverter: sorted(
            {str(m.pk) for m in hidden_meetings}
            | {str(a.pk) for a in attachments}
            | {str(world["secret_incident"].pk), "1", "2"}
        ),
        SlugConverter: [world["hidden_type"].slug],
        # The reading version of each page an unpublished object would have.
        PathConverter: [
            f"{kind}/{m.public_id}/"
            for m in hidden_meetings
            for kind in ("meetings", "archive/incident")
        ]
        + [
            f"incidents/{world['secret_incident'].public_id}/",
            f"archive/type/{world['hidden_type'].slug}/",
        ],
        # Signed tokens (the mail subscription's links): a forged one.
        StringConverter: ["forged-token:AAAA"],
    }
    requested = 0
    for namespace, route in _walk(get_resolver().url_patterns):
        if namespace == "admin":
            continue  # Django's admin: login required, covered by its own tests
        for url in _fill(route, values):
            response = client.get(url)
            requested += 1
            _assert_clean(response, url)
            if namespace in PUBLIC_NAMESPACES:
                if "<" in route:  # addresses an object: unpublished ones do not exist
                    # (a withdrawn meeting's page says so, without any of its content)
                    assert response.status_code in (
                        HTTPStatus.NOT_FOUND,
                        HTTPStatus.GONE,
                    ), url
            elif namespace is not None:  # staff, PDF, importer: not for anonymous
                assert response.status_code in ANONYMOUS_REFUSALS, url
            if url.endswith("/") and namespace in PUBLIC_NAMESPACES and "<" in route:
                # The same address without its trailing slash.
                response = client.get(url.rstrip("/"), follow=True)
                _assert_clean(response, url.rstrip("/"))
                assert response.status_code in (
                    HTTPStatus.NOT_FOUND,
                    HTTPStatus.GONE,
                ), url
    assert requested > 100


def test_files_of_unpublished_meetings_and_corrections_are_404(client: Client, world):
    corrected = world["corrected"]
    published_ids = {a["id"] for a in corrected.current_publication.data["attachments"]}
    assert len(published_ids) == 2  # the generated 開催結果 PDF and 公開資料
    for meeting in [*world["hidden"].values(), corrected]:
        for attachment in meeting.attachments.all():
            url = f"/meetings/{meeting.public_id}/files/{attachment.pk}/"
            response = client.get(url)
            if attachment.pk in published_ids:
                # Published before the correction began: still served, as published.
                assert response.status_code == HTTPStatus.OK, url
            elif meeting.status == Meeting.Status.WITHDRAWN:
                # Says it was withdrawn (the page's notice), nothing of the file.
                assert response.status_code == HTTPStatus.GONE, url
            else:
                assert response.status_code == HTTPStatus.NOT_FOUND, url
            _assert_clean(response, url)


def test_searching_for_the_marker_finds_nothing(client: Client, world):
    """The result page for a marker is the page for a word that exists nowhere."""
    control = "ZZ未使用"

    def page(q: str) -> str:
        response = client.get("/search/", {"q": q})
        assert response.status_code == HTTPStatus.OK
        assert "開催結果:0件" in response.content.decode()
        return response.content.decode().replace(q, "<QUERY>")

    expected = page(control)
    for marker in [*MARKERS.values(), LEAK, "qz漏洩", "QZ"]:
        assert page(marker) == expected, marker


def test_filters_naming_unpublished_things_show_nothing_of_them(client: Client, world):
    for params in (
        {"incident": str(world["secret_incident"].public_id)},
        {"type": world["hidden_type"].slug},
        {"year": 2024},
    ):
        response = client.get("/", params)
        assert response.status_code == HTTPStatus.OK
        _assert_clean(response, f"/ {params}")
    html = client.get("/", {"type": world["hidden_type"].slug}).content.decode()
    assert "0件" in html


def test_crawl_of_the_public_site_never_meets_the_marker(client: Client, world):
    sitemap = client.get("/sitemap.xml")
    feed = client.get("/feed/")
    start = ["/", "/incidents/", "/search/?q=会議", "/search/?q=事案"]
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    sitemap_paths = [
        urlsplit(loc.text).path
        for loc in ET.fromstring(sitemap.content).findall(".//s:loc", ns)
    ]
    feed_paths = re.findall(r'href="http://testserver(/[^"]*)"', feed.content.decode())
    for hidden in world["hidden"].values():
        assert hidden.get_absolute_url() not in sitemap_paths
        assert hidden.get_absolute_url() not in feed_paths
    assert world["corrected"].get_absolute_url() in sitemap_paths
    assert world["public_incident"].get_absolute_url() in sitemap_paths
    assert world["secret_incident"].get_absolute_url() not in sitemap_paths

    queue = deque(start + sitemap_paths + feed_paths)
    seen: set[str] = set()
    while queue and len(seen) < 400:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        _assert_clean(response, url)
        assert response.status_code == HTTPStatus.OK, url
        if response.streaming or "html" not in response["Content-Type"]:
            continue
        for href in re.findall(r'href="([^"#]+)"', response.content.decode()):
            href = href.replace("&amp;", "&")
            parts = urlsplit(href)
            if parts.netloc and parts.netloc != "testserver":
                continue
            path = parts.path if not parts.query else f"{parts.path}?{parts.query}"
            if path.startswith("?"):
                path = urlsplit(url).path + path
            if not path.startswith("/") or path.startswith(NOT_PUBLIC_PREFIXES):
                continue
            queue.append(path)
    # The crawl reached the seed, the corrected meeting, their files and incidents.
    assert world["seed"].get_absolute_url() in seen
    assert world["corrected"].get_absolute_url() in seen
    assert any("/files/" in url for url in seen)
    assert world["public_incident"].get_absolute_url() in seen
    assert len(seen) > 15
    _assert_clean(sitemap, "/sitemap.xml")
    _assert_clean(feed, "/feed/")
