"""Alert levels on public pages: published announcements only, never a draft's."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from incidents import services
from meetings import services as meeting_services
from tests.factories import make_meeting
from tests.incidents.conftest import at, level, make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced(editor, approver, scheme):
    """Stage II announced by a published meeting, normal by a draft one."""
    incident = make_incident(title="鳥インフルエンザ")
    published = make_meeting(status="published", held_on="2024-05-10")
    draft = make_meeting(held_on="2024-06-01")
    for meeting in (published, draft):
        services.incident_link_meeting(incident=incident, meeting=meeting, user=editor)
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "ステージⅡ"),
        effective_at=at(2024, 5, 10, 18),
        meeting=published,
        user=editor,
    )
    services.alert_change_record(
        incident=incident,
        level=level(scheme, "平常時"),
        effective_at=at(2024, 6, 1, 18),
        meeting=draft,
        note="下書きの段階",
        user=editor,
    )
    return {"incident": incident, "published": published, "draft": draft}


def test_public_current_level_ignores_changes_announced_by_drafts(announced):
    html = render_to_string(
        "incidents/includes/_public_current_alerts.html",
        {"incident": announced["incident"]},
    )
    assert "ステージⅡ(感染拡大注意報)" in html
    assert "平常時" not in html
    assert announced["published"].get_absolute_url() in html


def test_public_current_level_follows_once_the_announcing_meeting_is_published(
    announced, approver, editor
):
    draft = announced["draft"]
    meeting_services.meeting_submit(meeting=draft, user=editor)
    meeting_services.meeting_publish(meeting=draft, user=approver)
    html = render_to_string(
        "incidents/includes/_public_current_alerts.html",
        {"incident": announced["incident"]},
    )
    assert "平常時(感染観察)" in html


def test_meeting_notice_shows_the_announced_change_and_the_level_now(
    announced, approver, editor
):
    published = announced["published"]
    html = render_to_string(
        "incidents/includes/_meeting_alert_notices.html", {"meeting": published}
    )
    assert "この会議で発表された警戒段階" in html
    assert "<strong>ステージⅡ(感染拡大注意報)</strong>" in html
    # The draft's later change is not public: the level now is still stage II.
    assert "現在の段階:「<strong>ステージⅡ(感染拡大注意報)</strong>」" in html
    assert announced["incident"].get_absolute_url() in html

    draft = announced["draft"]
    meeting_services.meeting_submit(meeting=draft, user=editor)
    meeting_services.meeting_publish(meeting=draft, user=approver)
    html = render_to_string(
        "incidents/includes/_meeting_alert_notices.html", {"meeting": published}
    )
    assert "現在の段階:「<strong>平常時(感染観察)</strong>」" in html


def test_a_draft_meeting_shows_no_alert_notice(announced):
    html = render_to_string(
        "incidents/includes/_meeting_alert_notices.html",
        {"meeting": announced["draft"]},
    )
    assert html.strip() == ""


def test_meeting_notice_does_not_link_to_a_private_incident(announced):
    incident = announced["incident"]
    incident.is_public = False
    incident.save()
    html = render_to_string(
        "incidents/includes/_meeting_alert_notices.html",
        {"meeting": announced["published"]},
    )
    assert "ステージⅡ" in html
    assert incident.get_absolute_url() not in html


def test_drill_alerts_are_labelled_on_the_meeting_notice(announced):
    incident = announced["incident"]
    incident.is_drill = True
    incident.save()
    html = render_to_string(
        "incidents/includes/_meeting_alert_notices.html",
        {"meeting": announced["published"]},
    )
    assert "【訓練】" in html


def test_public_alert_tags_run_a_fixed_number_of_queries(
    announced, django_assert_num_queries
):
    with django_assert_num_queries(1):
        render_to_string(
            "incidents/includes/_public_current_alerts.html",
            {"incident": announced["incident"]},
        )
    with django_assert_num_queries(3):
        render_to_string(
            "incidents/includes/_meeting_alert_notices.html",
            {"meeting": announced["published"]},
        )
