"""The search documents of a publication: its text, and each page of its PDFs.

Written when a meeting is published (``index_publication``, called by
``services.meeting_publish``) and by ``manage.py rebuild_search_index``. The text of
an attachment is extracted once (poppler's ``pdftotext``, one document a page); a
correction that keeps the attachment reuses it. An extraction that fails (a broken
or encrypted PDF, a timeout) is logged and leaves that attachment out of the search:
it never fails the publication.
"""

from __future__ import annotations

import bisect
import logging
import subprocess
import tempfile
from collections.abc import Iterable
from typing import Any

from django.core.files.storage import default_storage

from meetings.search.text import bigrams, fold

logger = logging.getLogger(__name__)

PDFTOTEXT_TIMEOUT = 60
# A page longer than this is cut: a PDF of tables can hold megabytes of digits.
MAX_PAGE_CHARS = 20_000


class ExtractionError(RuntimeError):
    pass


def folded_fields(text: str) -> dict[str, str]:
    """The folded text, its offsets to the original and its bigrams."""
    folded, origin = fold(text)
    return {
        "folded": folded,
        "offsets": encode_offsets(origin),
        "bigrams": " ".join(bigrams(folded)),
    }


def encode_offsets(origin: list[int]) -> str:
    """``origin`` (original index of each folded character) as the points where
    ``origin[k] - k`` changes: "k:origin[k]" pairs, usually a handful."""
    points = []
    shift = None
    for k, index in enumerate(origin):
        if index - k != shift:
            shift = index - k
            points.append(f"{k}:{index}")
    return " ".join(points)


def decode_offsets(encoded: str) -> list[tuple[int, int]]:
    return [
        (int(k), int(index))
        for k, index in (point.split(":") for point in encoded.split())
    ]


def original_index(points: list[tuple[int, int]], folded_index: int) -> int:
    """Where the folded character at ``folded_index`` came from (approximately,
    inside a run that was folded to fewer characters)."""
    at = bisect.bisect_right(points, (folded_index, float("inf"))) - 1
    if at < 0:
        return folded_index
    base_k, base_index = points[at]
    return base_index + (folded_index - base_k)


def speakers_of(data: dict[str, Any]) -> list[str]:
    """Who reported or directed in the published data (withheld headings are gone)."""
    names = []
    for section in data.get("sections") or []:
        speaker = (section.get("speaker") or "").strip()
        if speaker and speaker not in names:
            names.append(speaker)
    return names


def page_text(publication: Any) -> str:
    """What the search reads of a publication's page: its text as the page reads
    (``layout.page_text``: 和暦 date line, attachments by their link text), so that a
    snippet quotes the page; the stored official text if the publication keeps no
    layout data."""
    from meetings import layout

    data: layout.MeetingData | None = publication.data
    if not data or not data.get("title"):
        return str(publication.text)
    return layout.page_text(data)


def page_document(publication: Any, model: Any = None) -> Any:
    from meetings.models import SearchDocument

    model = model or SearchDocument
    text = page_text(publication)
    return model(
        meeting_id=publication.meeting_id,
        publication=publication,
        kind="page",
        held_on=publication.held_on,
        text=text,
        speakers="\n".join(speakers_of(publication.data or {})),
        **folded_fields(text),
    )


def extract_pdf_pages(content: bytes) -> list[str]:
    """The text of each page of a PDF (poppler's pdftotext)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        try:
            result = subprocess.run(
                ["pdftotext", "-enc", "UTF-8", "-q", handle.name, "-"],
                capture_output=True,
                timeout=PDFTOTEXT_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ExtractionError(str(error)) from error
    if result.returncode != 0:
        raise ExtractionError(f"pdftotext exit {result.returncode}")
    pages = result.stdout.decode("utf-8", errors="replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends every page with a form feed
    return [page[:MAX_PAGE_CHARS] for page in pages]


def attachment_documents(
    publication: Any, reusable: dict[str, list[Any]], model: Any
) -> list[Any]:
    documents = []
    for attachment in (publication.data or {}).get("attachments") or []:
        stored = attachment.get("file") or ""
        if attachment.get("is_generated") or not stored:
            continue  # the 開催結果 PDF is the page itself
        common = {
            "meeting_id": publication.meeting_id,
            "publication": publication,
            "kind": "attachment",
            "attachment_id": attachment.get("id"),
            "attachment_label": (attachment.get("label") or "")[:200],
            "attachment_file": stored[:300],
            "held_on": publication.held_on,
        }
        if stored in reusable:
            documents += [
                model(
                    **common,
                    page=old.page,
                    text=old.text,
                    folded=old.folded,
                    offsets=old.offsets,
                    bigrams=old.bigrams,
                )
                for old in reusable[stored]
            ]
            continue
        try:
            with default_storage.open(stored, "rb") as handle:
                pages = extract_pdf_pages(handle.read())
        except Exception:  # noqa: BLE001 - any failure leaves the PDF unsearched
            logger.warning(
                "search: no text from attachment %s of publication %s",
                stored,
                publication.pk,
                exc_info=True,
            )
            continue
        for number, page_text in enumerate(pages, start=1):
            if page_text.strip():
                documents.append(
                    model(
                        **common,
                        page=number,
                        text=page_text,
                        **folded_fields(page_text),
                    )
                )
    return documents


def index_publication(publication: Any) -> None:
    """Make ``publication`` the one the search reads for its meeting."""
    from meetings.models import SearchDocument

    previous = SearchDocument.objects.filter(meeting_id=publication.meeting_id)
    reusable: dict[str, list[Any]] = {}
    for old in previous.filter(kind="attachment").order_by("page"):
        reusable.setdefault(old.attachment_file, []).append(old)
    try:
        documents = [page_document(publication)]
        documents += attachment_documents(publication, reusable, SearchDocument)
    except Exception:  # noqa: BLE001 - never fail the publication over the search
        logger.exception("search: could not index publication %s", publication.pk)
        documents = [page_document(publication)]
    previous.delete()
    SearchDocument.objects.bulk_create(documents)


def index_publications(publications: Iterable[Any], model: Any = None) -> None:
    """Page documents only, in bulk (benchmarks, test builders, migrations)."""
    from meetings.models import SearchDocument

    model = model or SearchDocument
    model.objects.bulk_create(
        [page_document(publication, model) for publication in publications],
        batch_size=500,
    )
