"""An admin starts a fiscal-year PDF export and watches it finish without reloading."""

from __future__ import annotations

import pytest

from meetings import exports
from meetings.demo import load_master_data, load_users
from meetings.models import PdfExportJob
from tests.browser.seed_entry import login
from tests.factories import make_meeting


@pytest.mark.django_db(transaction=True)
def test_progress_page_updates_itself_and_offers_the_zip(
    live_server, page, monkeypatch
):
    from meetings import tasks

    # Queued on Celery but not run: the test decides when the job runs.
    monkeypatch.setattr(tasks.pdf_export, "delay", lambda job_id: None)
    load_master_data()
    load_users()
    make_meeting(status="published", held_on="2024-05-10")

    login(page, live_server.url, "admin", "admin-demo-2022")
    page.goto(f"{live_server.url}/staff/pdf/exports/")
    page.select_option("select[name=fiscal_year]", "2024")
    with page.expect_navigation():
        page.click("form.pdf-export-form button[type=submit]")
    assert page.locator("[data-field=status_display]").inner_text() == "待機中"
    assert page.locator("a[download]").count() == 0

    job = PdfExportJob.objects.get()
    exports.pdf_export_job_run(job_id=job.pk)

    # The static script polls the JSON endpoint and reloads when the ZIP is ready.
    link = page.locator("a[download]")
    link.wait_for(timeout=15000)
    assert page.locator("[data-field=status_display]").inner_text() == "完了"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "開催結果PDF_令和6年度.zip"
