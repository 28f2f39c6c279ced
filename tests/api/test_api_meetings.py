"""The open-data API on the demo: records, errors, search, CORS, throttling (the
list's filters and conditional GET over meetings of their own: test_api_listing)."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from meetings import demo_data, layout
from meetings.api import records

# The demo is read, never changed for good: loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo")]

SEED = demo_data.SEED_PUBLIC_ID


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(seed_meeting):
    """The seed meeting of the module's demo (loaded for the test in the modules
    that borrow this fixture without the shared demo)."""
    return seed_meeting


def test_seed_record_rebuilds_the_public_plain_text(client: Client, demo):
    response = client.get(reverse("api:meeting", args=[SEED]))
    assert response.status_code == HTTPStatus.OK
    record = response.json()
    publication = demo.current_publication
    rebuilt = layout.render_text(records.record_layout_data(record))
    assert rebuilt == publication.text
    # The page's text form is the same text.
    text = client.get(record["text_url"].removeprefix("http://testserver"))
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode() == rebuilt
    # Structured parts the text does not carry.
    assert record["held_on"] == "2022-06-20"
    assert record["held_on_wareki"] == "令和4年6月20日(月)"
    assert record["fiscal_year"] == 2022
    assert record["sections"][0]["heading_text"] == "医療政策課から説明"
    official = [a for a in record["attachments"] if a["is_official_result"]]
    assert official and len(official[0]["sha256"]) == 64
    assert official[0]["sha256"] == publication.pdf_sha256
    assert {i["title"] for i in record["incidents"]} >= {
        "県内医療機関(鳴門山上病院)でのサイバー攻撃事案"
    }


def test_public_page_links_its_json_and_text_forms(client: Client, demo):
    html = client.get(demo.get_absolute_url()).content.decode()
    json_url = reverse("api:meeting", args=[SEED])
    text_url = reverse("public:meeting_text", args=[SEED])
    assert text_url == f"/meetings/{SEED}/text.txt"  # a file of the tree too
    assert (
        f'rel="alternate" type="application/json" title="この開催結果(JSON)" href="{json_url}"'
        in html
    )
    assert (
        f'rel="alternate" type="text/plain" title="この開催結果(テキスト)" href="{text_url}"'
        in html
    )
    # Visible links too, not only <link> elements.
    assert f'<a href="{text_url}" type="text/plain">テキスト形式</a>' in html
    assert f'<a href="{json_url}" type="application/json">JSON形式</a>' in html
    assert client.get(json_url).status_code == HTTPStatus.OK
    text = client.get(text_url)
    assert text.status_code == HTTPStatus.OK
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    api_text = client.get(reverse("api:meeting_text", args=[SEED]))
    assert text.content == api_text.content
    assert "危機管理連絡会議" in text.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "1800"},
        {"page": "0"},
        {"page_size": "1000"},
        {"incident": "not-a-uuid"},
        {"type": "bad slug!"},
        {"q": "x" * 201},
    ],
)
def test_bad_parameters_are_400_in_json_not_ignored(client: Client, params):
    response = client.get(reverse("api:meetings"), params)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["detail"] == "パラメータが正しくありません。"
    assert set(body["errors"]) == set(params)


def test_a_control_character_is_400_never_500(client: Client):
    for name in ("api:meetings", "api:search"):
        response = client.get(reverse(name), {"q": "サイ\x00バー"})
        assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_parameter_given_twice_is_refused(client: Client):
    response = client.get(reverse("api:meetings") + "?year=2022&year=2023")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "year" in response.json()["errors"]


def test_unknown_meeting_and_page_past_the_end_are_404_json(client: Client, demo):
    response = client.get(
        reverse("api:meeting", args=["00000000-0000-4000-8000-000000000000"])
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": "見つかりません。"}
    response = client.get(reverse("api:meetings"), {"page": 999})
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_search_finds_published_text_with_a_plain_snippet(client: Client, demo):
    response = client.get(reverse("api:search"), {"q": "ランサムウェア"})
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] >= 1
    assert str(SEED) in [r["id"] for r in body["results"]]
    snippet = next(r["snippet"] for r in body["results"] if r["id"] == str(SEED))
    assert "ランサムウェア" in snippet and "<mark>" not in snippet
    short = client.get(reverse("api:search"), {"q": "ラ"}).json()
    assert short["count"] == 0 and "2文字以上" in short["message"]


def test_cors_allows_any_origin_to_get_the_api_only(client: Client, demo):
    origin = "https://portal.example.jp"
    api = client.get(reverse("api:meetings"), HTTP_ORIGIN=origin)
    assert api["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in api["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in api
    preflight = client.options(
        reverse("api:meetings"),
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")
    page = client.get("/", HTTP_ORIGIN=origin)
    assert "Access-Control-Allow-Origin" not in page
    assert client.post(reverse("api:meetings")).status_code == 405


def test_rate_limit_answers_429_in_json(client: Client, settings, demo):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/minute"},
    }
    from rest_framework.settings import api_settings

    api_settings.reload()
    try:
        from meetings.api.throttling import ClientRateThrottle

        ClientRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        url = reverse("api:meetings")
        statuses = [client.get(url).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        refused = client.get(url)
        assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert refused["Content-Type"] == "application/json"
        body = refused.json()
        assert "リクエストが多すぎます" in body["detail"]
        assert int(refused["Retry-After"]) == body["retry_after"] > 0
        # Another client is not limited.
        assert client.get(url, REMOTE_ADDR="192.0.2.9").status_code == HTTPStatus.OK
    finally:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"api": "120/minute"},
        }
        api_settings.reload()
        ClientRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_a_broken_throttle_cache_never_fails_a_request(
    client: Client, demo, monkeypatch
):
    from meetings.api import throttling

    class Broken:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr(throttling.ClientRateThrottle, "cache", Broken())
    response = client.get(reverse("api:meeting", args=[SEED]))
    assert response.status_code == HTTPStatus.OK
    assert response.json()["id"] == str(SEED)


def test_jsonl_record_is_the_api_record(client: Client, demo):
    api = client.get(reverse("api:meeting", args=[SEED])).json()
    lines = client.get("/data/2022/meetings.jsonl").content.decode().splitlines()
    line = next(json.loads(x) for x in lines if json.loads(x)["id"] == str(SEED))
    assert line == api


def test_docs_page_and_schema(client: Client):
    schema = client.get(reverse("api:schema"))
    assert schema.status_code == HTTPStatus.OK
    paths = schema.json()["paths"]
    assert {
        "/api/v1/meetings/",
        "/api/v1/meetings/{id}/",
        "/api/v1/meetings/{id}/text/",
        "/api/v1/search/",
        "/api/v1/incidents/",
        "/api/v1/incidents/{id}/",
    } <= set(paths)
    assert all(list(ops) == ["get"] for ops in paths.values())
    docs = client.get(reverse("api:docs")).content.decode()
    assert "swagger-ui-bundle.js" in docs and "js/api-docs.js" in docs
    assert "<script>" not in docs and "style=" not in docs
