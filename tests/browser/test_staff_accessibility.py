"""axe-core in Chromium on every staff page (issue 14): no WCAG 2.0 A/AA violations,
at a desktop and a phone width. The pages are reached as an admin (who sees every
control), on the demo data."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.public_site import load_demo_fast
from tests.browser.seed_entry import login

WCAG2_A_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}


def staff_pages() -> dict[str, str]:
    """Name -> path of every staff page a person reads (GET), on the demo data."""
    from django.urls import reverse

    from incidents.demo import RANSOMWARE_ID
    from incidents.models import DirectiveAssignment, Incident
    from meetings import trash
    from meetings.demo_data import SEED_PUBLIC_ID
    from meetings.models import Meeting

    seed = Meeting.objects.get(public_id=SEED_PUBLIC_ID)
    draft = Meeting.objects.filter(status=Meeting.Status.DRAFT).first()
    review = Meeting.objects.filter(status=Meeting.Status.REVIEW).first()
    incident = Incident.objects.get(public_id=RANSOMWARE_ID)
    assert draft and review
    from django.contrib.auth import get_user_model

    from tests.factories import make_meeting

    admin = get_user_model().objects.get(username="admin")
    trash.meeting_delete(meeting=make_meeting(user=admin), user=admin)
    pages = {
        "dashboard": reverse("staff:dashboard"),
        "editor": reverse("staff:edit", args=[seed.pk]),
        "editor_new": reverse("staff:new", args=[seed.meeting_type.slug]),
        "editor_draft": reverse("staff:edit", args=[draft.pk]),
        "preview_published": reverse("staff:preview", args=[seed.pk]),
        "preview_review": reverse("staff:preview", args=[review.pk]),
        "history": reverse("staff:history", args=[seed.pk]),
        "publication": reverse("staff:publication", args=[seed.pk, 1]),
        "delete_confirm": reverse("staff:delete", args=[draft.pk]),
        "trash": reverse("staff:trash"),
        "import": reverse("importer:paste"),
        "incidents": reverse("incidents_staff:list"),
        "incident": reverse("incidents_staff:detail", args=[incident.pk]),
        "incident_new": reverse("incidents_staff:create"),
        "incident_edit": reverse("incidents_staff:edit", args=[incident.pk]),
        "alert_new": reverse("incidents_staff:alert_create", args=[incident.pk]),
        "meeting_incidents": reverse(
            "incidents_staff:meeting_incidents", kwargs={"meeting_pk": seed.pk}
        ),
        "directives": reverse("incidents_staff:directives"),
        "pdf_export": reverse("pdf:export_start"),
        "mfa_settings": reverse("mfa_settings"),
    }
    pages["meeting_directives"] = reverse(
        "incidents_staff:meeting_directives", kwargs={"meeting_pk": seed.pk}
    )
    assignment = DirectiveAssignment.objects.first()
    if assignment is not None:
        pages["directive"] = reverse("incidents_staff:directive", args=[assignment.pk])
    try:
        pages["contributions"] = reverse("contributions:mine")
        pages["contributions_overview"] = reverse(
            "contributions:overview", args=[seed.pk]
        )
    except Exception:  # noqa: BLE001 - contributions not installed
        pass
    return pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [375, 1280])
def test_staff_pages_have_no_wcag2_a_or_aa_violations(
    live_server, browser, monkeypatch, width
):
    load_demo_fast(monkeypatch)
    pages = staff_pages()
    context = browser.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": width, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server.url, "admin", "admin-demo-2022")
    axe = Axe()
    report: dict[str, str] = {}
    checked = []
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, path, response.status)
        results = axe.run(page, options=WCAG2_A_AA)
        assert results.response["passes"], name
        checked.append(name)
        if results.violations_count:
            report[name] = results.generate_report()
    context.close()
    assert len(checked) >= 20
    assert report == {}, "\n\n".join(f"{k}:\n{v}" for k, v in report.items())
