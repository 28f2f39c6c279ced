"""One parser for typed dates and times (issue 19): the editor's hint asks the server,
so the hint and the saved value agree on every input below (shared test vectors)."""

from __future__ import annotations

from datetime import date, time
from http import HTTPStatus

import pytest
from django.urls import reverse

from meetings import wareki
from meetings.forms import ClockField, JapaneseDateField

# (typed, the date it means or None when it must be refused)
DATE_VECTORS = [
    ("令和7年2月30日", None),
    ("R4.2.30", None),
    ("令和元年4月30日", None),  # still 平成
    ("2022-02-29", None),
    ("平成24年12月26日(水)", date(2012, 12, 26)),
    ("平成24年12月26日(木)", None),  # the weekday disagrees
    ("令和4年6月20日(月曜日)", date(2022, 6, 20)),
    ("令和4年6月20日", date(2022, 6, 20)),
    ("令和４年６月２０日", date(2022, 6, 20)),
    ("R4.6.20", date(2022, 6, 20)),
    ("r4.6.20", date(2022, 6, 20)),
    ("R元.5.1", date(2019, 5, 1)),
    ("2022-06-20", date(2022, 6, 20)),
    ("2022/6/20", date(2022, 6, 20)),
    ("20220620", date(2022, 6, 20)),
    ("2022年6月20日", date(2022, 6, 20)),
    ("6月20日", None),
    ("きのう", None),
]


@pytest.mark.parametrize(("typed", "expected"), DATE_VECTORS)
def test_the_form_and_the_hint_agree_on_every_date(client, editor, typed, expected):
    client.force_login(editor)
    answer = client.get(reverse("staff:date_hint"), {"value": typed}).json()
    field = JapaneseDateField(label="開催日")
    if expected is None:
        with pytest.raises(Exception) as refused:
            field.clean(typed)
        assert answer["ok"] is False
        assert str(refused.value.messages[0]) == answer["hint"]
        assert "ください" in answer["hint"]
    else:
        assert field.clean(typed) == expected
        assert answer == {"ok": True, "hint": wareki.date_hint(expected)}


def test_the_hint_names_the_era_date_with_its_weekday():
    assert (
        wareki.date_hint(date(2012, 12, 26)) == "平成24年12月26日(水)(2012年12月26日)"
    )


def test_the_date_hint_is_for_staff_only(client):
    response = client.get(reverse("staff:date_hint"), {"value": "R4.6.20"})
    assert response.status_code == HTTPStatus.FOUND


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("17:30", time(17, 30)),
        ("1730", time(17, 30)),
        ("930", time(9, 30)),
        ("17時30分", time(17, 30)),
        ("17時", time(17, 0)),
        ("１７：３０", time(17, 30)),
        ("0:00", time(0, 0)),
        ("25時", None),
        ("25", None),
        ("17:75", None),
        ("2400", None),
        ("24:00", None),
        ("夕方", None),
    ],
)
def test_impossible_times_are_refused(typed, expected):
    field = ClockField(label="開始時刻")
    if expected is None:
        with pytest.raises(Exception) as refused:
            field.clean(typed)
        assert "ください" in refused.value.messages[0]
    else:
        assert field.clean(typed) == expected
