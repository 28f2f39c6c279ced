"""Staff draft PDF, admin ZIP exports (fiscal year, selection), progress and runners."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from http import HTTPStatus
from urllib.parse import unquote

import pytest
from django.urls import reverse

from meetings import exports, pdf, wareki
from meetings.models import Attachment, Meeting, PdfExportJob
from tests.factories import make_meeting
from tests.meetings.pdf_helpers import page_texts, reader

ROLES = ["anonymous", "outsider", "editor", "approver", "admin_user"]


def _login(client, request, role: str):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def _filename(response) -> str:
    match = re.search(
        r"filename\*=(?i:utf-8)''([^;\s]+)", response["Content-Disposition"]
    )
    assert match, response["Content-Disposition"]
    return unquote(match[1])


def _zip_members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.fixture
def runner_command(monkeypatch):
    """Jobs are queued on Celery but wait, so tests decide when they run
    (``run_queued``); the job ids queued, in order."""
    from meetings import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.pdf_export, "delay", queued.append)
    return queued


def run_queued(queued: list[int]) -> None:
    """Run the queued jobs with the real Celery task (as a worker would)."""
    from meetings import tasks

    while queued:
        tasks.pdf_export.apply(args=[queued.pop(0)]).get()


# --- draft PDF (staff) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", HTTPStatus.FOUND),
        ("outsider", HTTPStatus.FORBIDDEN),
        ("editor", HTTPStatus.OK),
        ("approver", HTTPStatus.OK),
        ("admin_user", HTTPStatus.OK),
    ],
)
@pytest.mark.django_db
def test_draft_pdf_permission_matrix(client, request, editor, role, expected):
    meeting = make_meeting(user=editor, agenda=["「試験」について"])
    response = _login(client, request, role).get(
        reverse("pdf:draft", args=[meeting.pk])
    )
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.real_pdf
@pytest.mark.django_db
def test_draft_pdf_is_marked_an_on_every_page_and_named_with_an(client, editor):
    meeting = make_meeting(user=editor, agenda=["「試験」について"])
    client.force_login(editor)
    response = client.get(reverse("pdf:draft", args=[meeting.pk]))
    content = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert _filename(response) == "危機管理連絡会議 開催結果(R6.5.10)(案).pdf"
    assert "no-store" in response["Cache-Control"]
    assert all(text.count(pdf.DRAFT_MARK) == 1 for text in page_texts(content))
    # A draft PDF is never stored.
    assert not meeting.attachments.exists()


@pytest.mark.django_db
def test_draft_pdf_of_an_unknown_meeting_is_404(client, editor):
    client.force_login(editor)
    response = client.get(reverse("pdf:draft", args=[999999]))
    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.real_pdf
@pytest.mark.django_db
def test_draft_pdf_failure_explains_why_in_japanese(client, editor, monkeypatch):
    meeting = make_meeting(user=editor)
    monkeypatch.setattr(
        pdf,
        "_environment_problems_cached",
        lambda: ("libharfbuzz-subset0 が見つかりません。",),
    )
    client.force_login(editor)
    response = client.get(reverse("pdf:draft", args=[meeting.pk]))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "libharfbuzz-subset0 が見つかりません" in response.content.decode()


@pytest.mark.django_db
def test_draft_pdf_does_not_list_the_previous_official_pdf(client, editor, approver):
    meeting = make_meeting(user=editor, status="review")
    from meetings import services

    services.meeting_publish(meeting=meeting, user=approver)
    client.force_login(editor)
    response = client.get(reverse("pdf:draft", args=[meeting.pk]))
    text = "".join(page_texts(b"".join(response.streaming_content)))
    assert "開催結果(R6.5.10).pdf" not in text


# --- export pages: permission matrix ---------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", HTTPStatus.FOUND),
        ("outsider", HTTPStatus.FORBIDDEN),
        ("editor", HTTPStatus.FORBIDDEN),
        ("approver", HTTPStatus.FORBIDDEN),
        ("admin_user", HTTPStatus.OK),
    ],
)
@pytest.mark.django_db
def test_export_pages_permission_matrix(
    client, request, admin_user, runner_command, role, expected
):
    make_meeting(user=admin_user, held_on="2022-06-20")
    job = exports.pdf_export_job_create(user=admin_user, fiscal_year=2022)
    _login(client, request, role)
    urls = [
        reverse("pdf:export_start"),
        reverse("pdf:export_status", args=[job.token]),
        reverse("pdf:export_progress", args=[job.token]),
    ]
    for url in urls:
        assert client.get(url).status_code == expected, url
    post = client.post(reverse("pdf:export_start"), {"fiscal_year": "2022"})
    assert post.status_code == (
        HTTPStatus.FOUND if role in ("anonymous", "admin_user") else expected
    )


@pytest.mark.parametrize("role", ["editor", "approver"])
@pytest.mark.django_db
def test_only_admins_download_a_finished_export(
    client, request, admin_user, runner_command, role
):
    make_meeting(user=admin_user, status="published", held_on="2024-05-10")
    job = exports.pdf_export_job_create(user=admin_user, fiscal_year=2024)
    exports.pdf_export_job_run(job_id=job.pk)
    url = reverse("pdf:export_download", args=[job.token])
    assert _login(client, request, role).get(url).status_code == HTTPStatus.FORBIDDEN
    client.force_login(admin_user)
    assert client.get(url).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_fiscal_year_form_refuses_a_year_without_meetings(client, admin_user):
    make_meeting(user=admin_user, held_on="2022-06-20")
    client.force_login(admin_user)
    response = client.post(reverse("pdf:export_start"), {"fiscal_year": "2019"})
    assert response.status_code == HTTPStatus.OK
    assert "is-invalid" in response.content.decode()
    assert not PdfExportJob.objects.exists()
    options = re.findall(r'<option value="(\d+)"', response.content.decode())
    assert options == ["2022"]


@pytest.mark.django_db
def test_export_of_an_unknown_token_is_404(client, admin_user):
    client.force_login(admin_user)
    token = "00000000-0000-4000-8000-000000000000"
    for name in ("pdf:export_status", "pdf:export_progress", "pdf:export_download"):
        response = client.get(reverse(name, args=[token]))
        assert response.status_code == HTTPStatus.NOT_FOUND, name


# --- fiscal-year ZIP ---------------------------------------------------------------------


@pytest.mark.usefixtures("shared_demo")  # the demo, loaded once for all such tests
def test_fiscal_year_zip_holds_the_stored_official_pdfs_byte_for_byte(
    client, admin_user, seed_meeting, runner_command, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pdf:export_start"), {"fiscal_year": "2022"})
    job = PdfExportJob.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == job.get_absolute_url()
    assert job.status == PdfExportJob.Status.PENDING  # queued, not run yet
    assert runner_command == [job.pk]

    run_queued(runner_command)
    job.refresh_from_db()
    assert job.status == PdfExportJob.Status.DONE
    published = Meeting.objects.filter(
        held_on__range=wareki.fiscal_year_range(2022),
        status=Meeting.Status.PUBLISHED,
    )
    assert job.total == job.done == published.count() >= 2

    download = client.get(reverse("pdf:export_download", args=[job.token]))
    assert _filename(download) == "開催結果PDF_令和4年度.zip"
    members = _zip_members(b"".join(download.streaming_content))
    folder = "開催結果PDF_令和4年度"
    seed_pdf = members[f"{folder}/危機管理連絡会議 開催結果(R4.6.20).pdf"]
    stored = seed_meeting.attachments.get(kind=Attachment.Kind.RESULT)
    assert hashlib.sha256(seed_pdf).hexdigest() == stored.sha256
    assert len([n for n in members if n.endswith(".pdf")]) == published.count()
    # Unpublished meetings of the year (the demo has one in review) stay out.
    assert not any("(案)" in name for name in members)
    manifest = members[f"{folder}/{exports.MANIFEST_NAME}"].decode("utf-8-sig")
    assert stored.sha256 in manifest and "公開版" in manifest


@pytest.mark.real_pdf
@pytest.mark.django_db
def test_fiscal_year_zip_can_include_unpublished_meetings_as_drafts(
    admin_user, editor, runner_command
):
    make_meeting(user=editor, status="published", held_on="2024-04-01")
    make_meeting(user=editor, status="review", held_on="2025-03-31", start_time="9:00")
    make_meeting(user=editor, status="published", held_on="2025-04-01")  # next year
    job = exports.pdf_export_job_create(
        user=admin_user, fiscal_year=2024, include_unpublished=True
    )
    job = exports.pdf_export_job_run(job_id=job.pk)
    assert (job.status, job.total, job.done) == ("done", 2, 2)
    with job.file.open("rb") as stored:
        members = _zip_members(stored.read())
    names = sorted(n.rsplit("/", 1)[1] for n in members)
    assert names == [
        "一覧.csv",
        "危機管理連絡会議 開催結果(R6.4.1).pdf",
        "危機管理連絡会議 開催結果(R7.3.31)(案).pdf",
    ]
    draft = next(v for k, v in members.items() if "(案)" in k)
    assert all(pdf.DRAFT_MARK in t for t in page_texts(draft))


@pytest.mark.django_db
def test_export_fails_visibly_when_a_stored_pdf_differs_from_the_published_hash(
    admin_user, editor, runner_command
):
    meeting = make_meeting(user=editor, status="published")
    publication = meeting.current_publication
    with open(publication.pdf.path, "ab") as tampered:
        tampered.write(b"%% altered")
    job = exports.pdf_export_job_create(user=admin_user, meeting_ids=[meeting.pk])
    job = exports.pdf_export_job_run(job_id=job.pk)
    assert job.status == PdfExportJob.Status.FAILED
    assert "一致しません" in job.error
    assert not job.file


@pytest.mark.django_db
def test_two_meetings_with_the_same_file_name_are_both_kept(
    admin_user, editor, runner_command
):
    first = make_meeting(user=editor, status="published", start_time="9:00")
    second = make_meeting(user=editor, status="published", start_time="17:30")
    job = exports.pdf_export_job_create(
        user=admin_user, meeting_ids=[first.pk, second.pk]
    )
    job = exports.pdf_export_job_run(job_id=job.pk)
    with job.file.open("rb") as stored:
        names = sorted(n.rsplit("/", 1)[1] for n in _zip_members(stored.read()))
    assert names == [
        "一覧.csv",
        "危機管理連絡会議 開催結果(R6.5.10).pdf",
        "危機管理連絡会議 開催結果(R6.5.10)_2.pdf",
    ]


# --- progress ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_progress_json_reports_counts_and_the_download_when_done(
    client, admin_user, editor, runner_command
):
    make_meeting(user=editor, status="published")
    job = exports.pdf_export_job_create(user=admin_user, fiscal_year=2024)
    client.force_login(admin_user)
    url = reverse("pdf:export_progress", args=[job.token])

    pending = client.get(url).json()
    assert pending["status"] == "pending" and pending["download_url"] is None
    assert pending["finished"] is False

    PdfExportJob.objects.filter(pk=job.pk).update(status="running", total=4, done=1)
    running = client.get(url).json()
    assert (running["done"], running["total"], running["percent"]) == (1, 4, 25)
    assert running["status_display"] == "作成中"

    PdfExportJob.objects.filter(pk=job.pk).update(status="pending", total=0, done=0)
    exports.pdf_export_job_run(job_id=job.pk)
    done = client.get(url).json()
    assert done["finished"] is True and done["percent"] == 100
    assert done["download_url"] == reverse("pdf:export_download", args=[job.token])


@pytest.mark.django_db
def test_progress_page_polls_with_a_static_script_and_offers_a_refresh_link(
    client, admin_user, runner_command
):
    job = exports.pdf_export_job_create(user=admin_user, fiscal_year=2022)
    client.force_login(admin_user)
    html = client.get(reverse("pdf:export_status", args=[job.token])).content.decode()
    progress_url = reverse("pdf:export_progress", args=[job.token])
    assert f'data-progress-url="{progress_url}"' in html
    assert re.search(r'<script src="[^"]*pdf/export_progress\.js"', html)
    # Strict CSP: no inline script or style anywhere on the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    # Without JavaScript: a link that reloads the page.
    refresh = reverse("pdf:export_status", args=[job.token])
    assert f'href="{refresh}"' in html and "最新の状態に更新" in html
    assert "<progress" in html


@pytest.mark.django_db
def test_finished_progress_page_links_the_zip_and_stops_polling(
    client, admin_user, editor, runner_command
):
    make_meeting(user=editor, status="published")
    job = exports.pdf_export_job_create(user=admin_user, fiscal_year=2024)
    exports.pdf_export_job_run(job_id=job.pk)
    client.force_login(admin_user)
    html = client.get(reverse("pdf:export_status", args=[job.token])).content.decode()
    assert reverse("pdf:export_download", args=[job.token]) in html
    assert "export_progress.js" not in html


@pytest.mark.django_db
def test_stale_running_jobs_are_failed_by_the_next_job(admin_user, runner_command):
    from datetime import timedelta

    from django.utils import timezone

    job = exports.pdf_export_job_create(user=admin_user, fiscal_year=2022)
    PdfExportJob.objects.filter(pk=job.pk).update(
        status="running", started_at=timezone.now() - timedelta(hours=2)
    )
    later = exports.pdf_export_job_create(user=admin_user, fiscal_year=2022)
    exports.pdf_export_job_run(job_id=later.pk)
    job.refresh_from_db()
    assert job.status == PdfExportJob.Status.FAILED and "中断" in job.error


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_job_runs_on_celery_inline_when_the_request_commits(
    settings, admin_user, editor
):
    from crisis_meetings.celery import app

    assert settings.CELERY_TASK_ALWAYS_EAGER and app.conf.task_always_eager
    make_meeting(user=editor, status="published")
    # Committed at once (transactional test): the task runs on commit, inline.
    job = exports.pdf_export_job_create(user=admin_user, fiscal_year=2024)
    job.refresh_from_db()
    assert job.status == PdfExportJob.Status.DONE, job.error
    assert job.done == job.total == 1


# --- admin action ---------------------------------------------------------------------------


@pytest.mark.real_pdf
@pytest.mark.django_db
def test_admin_action_exports_the_selected_meetings(
    client, admin_user, editor, runner_command, django_capture_on_commit_callbacks
):
    published = make_meeting(user=editor, status="published")
    draft = make_meeting(user=editor, held_on="2024-06-01")
    make_meeting(user=editor, status="published", held_on="2024-07-01")  # not chosen
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:meetings_meeting_changelist"),
            {
                "action": "export_official_pdfs",
                "_selected_action": [published.pk, draft.pk],
            },
        )
    job = PdfExportJob.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == job.get_absolute_url()
    job = exports.pdf_export_job_run(job_id=job.pk)
    with job.file.open("rb") as stored:
        members = _zip_members(stored.read())
    names = sorted(n.rsplit("/", 1)[1] for n in members)
    assert names == [
        "一覧.csv",
        "危機管理連絡会議 開催結果(R6.5.10).pdf",
        "危機管理連絡会議 開催結果(R6.6.1)(案).pdf",
    ]
    official = next(v for k, v in members.items() if k.endswith("(R6.5.10).pdf"))
    assert hashlib.sha256(official).hexdigest() == (
        published.current_publication.pdf_sha256
    )
    assert reader(official).metadata.title.endswith("(令和6年5月10日)")


@pytest.mark.django_db
def test_admin_meeting_list_links_the_fiscal_year_export(client, admin_user):
    make_meeting(user=admin_user)
    client.force_login(admin_user)
    html = client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    assert reverse("pdf:export_start") in html
    assert "選択した会議の開催結果PDFをZIPで出力" in html
