"""The public search's 開催日 range takes typed 和暦, read by the staff forms' parser
(``meetings.wareki.parse_date_input``); a bad date is named in Japanese, shown again
as typed, and does not narrow the results (issue 19)."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import make_meeting
from tests.meetings.public_builders import _fresh_public_cache

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]


def _section(text: str) -> list[dict]:
    return [
        {
            "kind": "explanation",
            "speaker": "危機管理政策課",
            "group": "main",
            "items": [{"marker": "・", "text": text, "children": []}],
        }
    ]


@pytest.fixture
def outages():
    return {
        held_on: make_meeting(
            status="published", held_on=held_on, sections=_section("停電の報告")
        )
        for held_on in ("2022-05-10", "2022-11-10", "2023-06-10")
    }


def _get(client, **params) -> str:
    response = client.get(reverse("public:search"), {"q": "停電", **params})
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def _titles(html: str) -> set[str]:
    return set(
        re.findall(r'<p class="meeting-row-title"><a href="[^"]+">([^<]+)</a>', html)
    )


def _field(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*id="search-{name}"[^>]*>', html)
    assert found, name
    return found.group(0)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("令和4年4月1日", "令和4年12月31日"),
        ("R4.4.1", "r4.12.31"),
        ("令和４年４月１日", "令和4年12月31日(土)"),
        ("2022-04-01", "2022/12/31"),
    ],
)
def test_a_typed_wareki_range_narrows_and_is_shown_in_wareki(
    client, outages, start, end
):
    html = _get(client, **{"from": start, "to": end})
    in_2022 = {outages["2022-05-10"].title, outages["2022-11-10"].title}
    assert _titles(html) == in_2022
    assert 'value="令和4年4月1日"' in _field(html, "from")
    assert 'value="令和4年12月31日"' in _field(html, "to")
    assert 'type="date"' not in html
    assert "aria-invalid" not in _field(html, "from")
    # Facet links carry the range on, read the same way.
    assert "from=2022-04-01" in html


def test_a_date_that_does_not_exist_is_named_kept_and_does_not_narrow(client, outages):
    html = _get(client, **{"from": "令和7年2月30日", "to": "R5.12.31"})
    assert "開始日:「令和7年2月30日」という日付はありません。" in html
    field = _field(html, "from")
    assert 'value="令和7年2月30日"' in field
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="search-dates-help search-from-error"' in field
    # The good end date still narrows; the bad start is not guessed.
    assert 'value="令和5年12月31日"' in _field(html, "to")
    assert _titles(html) == {m.title for m in outages.values()}
    assert "開始日を読み取れなかったため、開始日では絞り込まずに表示しています" in html


def test_text_that_is_no_date_is_named_and_kept(client, outages):
    html = _get(client, **{"from": "去年の春"})
    assert "開始日:「去年の春」を日付として読み取れません。" in html
    assert 'value="去年の春"' in _field(html, "from")
    assert _titles(html) == {m.title for m in outages.values()}


def test_an_end_before_the_start_is_refused(client, outages):
    html = _get(client, **{"from": "令和5年1月1日", "to": "令和4年1月1日"})
    assert "終了日(令和4年1月1日)が開始日(令和5年1月1日)より前になっています。" in html
    assert 'aria-invalid="true"' in _field(html, "to")
    assert "開始日と終了日では絞り込まずに表示しています" in html
    assert _titles(html) == {m.title for m in outages.values()}


def test_the_error_shows_even_when_nothing_matches(client, outages):
    html = _get(client, q="存在しない語句", **{"to": "令和4年13月1日"})
    assert "終了日:「令和4年13月1日」という日付はありません。" in html
    assert 'value="令和4年13月1日"' in _field(html, "to")
