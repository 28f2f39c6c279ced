"""Issue 14 on the public site: the 年度 filter lists only years with meetings,
「ほか 計21名」 keeps its space, /favicon.ico is a real icon (also in the tree), and the
time range uses the full-width ～."""

from __future__ import annotations

from datetime import date
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from meetings import layout
from meetings.site import pages
from tests.factories import make_meeting
from tests.meetings.public_builders import _fresh_public_cache, publish_many

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_public_cache"]


def test_the_year_filter_lists_only_years_with_published_meetings():
    publish_many(1, first_day=date(2012, 12, 26))  # 平成24年度
    publish_many(1, first_day=date(2022, 6, 20))  # 令和4年度
    make_meeting(held_on="2018-05-01")  # a draft: its year is not offered

    html = Client().get(reverse("public:archive")).content.decode()

    start = html.index('name="year"')
    options = html[start : html.index("</select>", start)]
    assert "令和4年度" in options and "平成24年度" in options
    for empty in ("平成25年度", "平成30年度", "令和3年度"):
        assert empty not in options, empty


def test_hoka_keeps_its_space_before_the_total(client, editor):
    data = {
        "attendees": ["知事", "政策監"],
        "attendee_tail": "副知事ほか ",
        "attendee_total": 21,
        "separator": "、",
    }
    assert layout.attendee_line(data) == "知事、政策監、副知事ほか 計21名"
    # And through the editor form, which keeps the typed space.
    from meetings.forms import MeetingHeaderForm

    form = MeetingHeaderForm(data={"attendee_tail": "副知事ほか  "})
    form.is_valid()
    assert form.cleaned_data["attendee_tail"] == "副知事ほか "
    form = MeetingHeaderForm(data={"attendee_tail": " 各部局長など"})
    form.is_valid()
    assert form.cleaned_data["attendee_tail"] == "各部局長など"


def test_favicon_is_a_real_icon_and_a_file_of_the_tree():
    response = Client().get("/favicon.ico")

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert "/favicon.ico" in pages.list_urls()
    page = Client().get(reverse("public:archive")).content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in page


def test_the_time_range_on_the_web_page_is_a_full_width_tilde():
    (meeting,) = publish_many(1, first_day=date(2022, 6, 20))

    html = Client().get(meeting.get_absolute_url()).content.decode()

    assert "17:30～17:45" in html
    assert "~" not in html.split("日時")[1][:200]
