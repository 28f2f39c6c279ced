"""Directive follow-up in a real browser: assign, see it on the dashboard, record
progress; the incident pages pass axe (WCAG 2.0 A/AA rules, as JIS X 8341-3 asks)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from incidents import services
from incidents.models import DirectiveAssignment
from meetings.demo import load_master_data, load_users
from tests.browser.seed_entry import login
from tests.incidents.conftest import (
    directive_items,
    make_directive_meeting,
    make_incident,
)

AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]},
}


def _assert_accessible(page) -> None:
    # The incidents pages' own content; the shared header and footer are checked
    # by the public-site tests.
    results = Axe().run(page, context="#main", options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.django_db(transaction=True)
def test_editor_assigns_a_directive_and_records_progress(live_server, page):
    load_master_data()
    load_users()
    editor = get_user_model().objects.get(username="editor")
    incident = make_incident(title="県内医療機関へのサイバー攻撃")
    meeting = make_directive_meeting("病院を支援すること。", held_on="2022-06-20")
    services.incident_link_meeting(incident=incident, meeting=meeting, user=editor)
    [item] = directive_items(meeting)

    login(page, live_server.url, "editor", "editor-demo-2022")
    page.goto(f"{live_server.url}/staff/incidents/meetings/{meeting.pk}/directives/")
    _assert_accessible(page)
    page.select_option(f"#org-{item.pk}", label="医療政策課")
    page.fill(f"#due-{item.pk}", "2022-06-30")
    page.click(f"#item-{item.pk} button[type=submit]")
    page.wait_for_selector(".alert-success")
    assignment = DirectiveAssignment.objects.get()
    assert assignment.organisation.name == "医療政策課"
    assert assignment.incident == incident  # the meeting's incident by default

    page.click("nav.staff-nav >> text=指示事項")
    page.wait_for_selector("#by-department")
    _assert_accessible(page)
    assert page.locator("#by-department").get_by_text("期限超過").count() == 1
    page.locator("#by-department").get_by_text("病院を支援すること。").click()

    page.fill("#id_note", "病院と毎日連絡を取っている。")
    page.select_option("#id_new_status", label="対応中")
    # Editors are not offered cancel or reopen.
    options = page.locator("#id_new_status option").all_inner_texts()
    assert "取消し" not in options
    page.click(f"form[action$='/directives/{assignment.pk}/'] button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert page.locator("h1 .status-badge").inner_text() == "対応中"
    assignment.refresh_from_db()
    assert assignment.status == "in_progress"

    page.goto(f"{live_server.url}{incident.get_staff_url()}")
    _assert_accessible(page)
    assert page.locator(".tl-progress").count() == 1


@pytest.mark.django_db(transaction=True)
def test_every_incidents_page_of_the_demo_passes_axe(live_server, page):
    from django.urls import reverse

    from incidents import demo
    from incidents.models import DirectiveAssignment, Incident
    from meetings import demo_data
    from meetings.demo import load_demo
    from meetings.models import Meeting

    load_demo()
    ransomware = Incident.objects.get(public_id=demo.RANSOMWARE_ID)
    avian = Incident.objects.get(public_id=demo.AVIAN_ID)
    seed = Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)
    assignment = DirectiveAssignment.objects.filter(meeting=seed).first()
    staff_pages = [
        reverse("incidents_staff:list"),
        reverse("incidents_staff:create"),
        reverse("incidents_staff:detail", args=[ransomware.pk]),
        reverse("incidents_staff:detail", args=[avian.pk]),
        reverse("incidents_staff:edit", args=[avian.pk]),
        reverse("incidents_staff:alert_create", args=[avian.pk]),
        reverse("incidents_staff:meeting_incidents", args=[seed.pk]),
        reverse("incidents_staff:meeting_directives", args=[seed.pk]),
        reverse("incidents_staff:directives"),
        reverse("incidents_staff:directive", args=[assignment.pk]),
    ]
    login(page, live_server.url, "editor", "editor-demo-2022")
    for path in staff_pages:
        page.goto(f"{live_server.url}{path}")
        _assert_accessible(page)
    # The public pages that show alert levels (the whole page, as the public sees it).
    for url in (seed.get_absolute_url(), avian.get_absolute_url()):
        page.goto(f"{live_server.url}{url}")
        results = Axe().run(page, context=".kk-alert-notices, .incident-alerts")
        assert results.violations_count == 0, results.generate_report()
