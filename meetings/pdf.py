"""The official 開催結果 PDF: one function from a meeting's layout dict to PDF bytes.

The PDF is the shared official layout (``templates/meetings/includes/_result.html``,
fed by ``meetings.layout.build_document``) printed by WeasyPrint with
``static/pdf/result.css``. Text is normalised for print (stray half-width spaces, the
ASCII ``~``) on a copy of the display document, never in the stored data.

WeasyPrint is slow to start and its font configuration is costly to build, so the
font configuration and the parsed stylesheet are built once per process and reused
by every render; renders are serialised by a lock because Pango's font map is not
safe to share between threads.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from meetings import layout

logger = logging.getLogger(__name__)

# Mincho for the body, Gothic for headings: BIZ UD first, IPAex as the fallback.
# static/pdf/result.css names the same families in the same order.
FONT_FAMILIES: dict[str, tuple[str, ...]] = {
    "明朝(本文)": ("BIZ UDMincho", "IPAexMincho"),
    "ゴシック(見出し)": ("BIZ UDGothic", "IPAexGothic"),
}
FONT_PACKAGES = (
    "fonts-morisawa-bizud-mincho fonts-morisawa-bizud-gothic fonts-ipaexfont"
)
HARFBUZZ_SUBSET_PACKAGE = "libharfbuzz-subset0"
STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "pdf" / "result.css"
TEMPLATE = "meetings/pdf/result.html"
DRAFT_MARK = "案"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF 1.7 with PDF/UA identification

FontLookup = Callable[[], Iterable[str]]
LibraryLookup = Callable[[], bool]


class PdfRenderError(Exception):
    """The PDF could not be produced; the message is shown to staff as it is."""


class PdfEnvironmentError(PdfRenderError):
    """The server lacks the Japanese fonts or HarfBuzz subsetting."""


# ---------------------------------------------------------------------------
# Environment: Japanese fonts and libharfbuzz-subset0
# ---------------------------------------------------------------------------


def installed_font_families() -> frozenset[str]:
    """Every family name Fontconfig knows, as WeasyPrint (through Pango) will see it."""
    from weasyprint.text.ffi import ffi, fontconfig

    config = ffi.gc(fontconfig.FcInitLoadConfigAndFonts(), fontconfig.FcConfigDestroy)
    font_set = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
    families: set[str] = set()
    value = ffi.new("FcChar8 **")
    for index in range(font_set.nfont if font_set != ffi.NULL else 0):
        pattern = font_set.fonts[index]
        n = 0
        # A font has several family names (BIZ UDMincho, BIZ UD明朝): read them all.
        while (
            fontconfig.FcPatternGetString(pattern, b"family", n, value)
            == fontconfig.FcResultMatch
        ):
            families.add(ffi.string(value[0]).decode("utf-8", "replace"))
            n += 1
    return frozenset(families)


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint loaded libharfbuzz-subset (>= 4.1, its minimum for subsetting).

    Without it WeasyPrint falls back to fontTools, which takes seconds per Japanese
    font instead of milliseconds.
    """
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is not None and bool(
        ffi.harfbuzz.hb_version_atleast(4, 1, 0)
    )


def environment_problems(
    *,
    font_lookup: FontLookup = installed_font_families,
    library_lookup: LibraryLookup = harfbuzz_subset_available,
) -> list[str]:
    """What stops this server from printing correct PDFs, in Japanese; [] when fine."""
    problems: list[str] = []
    installed = set(font_lookup())
    for role, families in FONT_FAMILIES.items():
        if not any(family in installed for family in families):
            problems.append(
                f"PDF用の日本語フォント({role}: {' / '.join(families)})が"
                "インストールされていません。文字化け(豆腐)を防ぐため PDF を作成しません。"
                f"`apt-get install {FONT_PACKAGES}` を実行してください。"
            )
    if not library_lookup():
        problems.append(
            f"{HARFBUZZ_SUBSET_PACKAGE}(HarfBuzz のフォントサブセット機能)が"
            "見つかりません。日本語フォントの埋め込みに1件あたり数秒以上かかるため"
            f" PDF を作成しません。`apt-get install {HARFBUZZ_SUBSET_PACKAGE}` を"
            "実行してください。"
        )
    return problems


@lru_cache(maxsize=1)
def _environment_problems_cached() -> tuple[str, ...]:
    # Fonts and libraries do not change while the process runs.
    return tuple(environment_problems())


def ensure_environment(
    *,
    font_lookup: FontLookup | None = None,
    library_lookup: LibraryLookup | None = None,
) -> None:
    """Raise PdfEnvironmentError naming what is missing; lookups are injectable."""
    if font_lookup is None and library_lookup is None:
        problems = list(_environment_problems_cached())
    else:
        problems = environment_problems(
            font_lookup=font_lookup or installed_font_families,
            library_lookup=library_lookup or harfbuzz_subset_available,
        )
    if problems:
        # What to install is for the administrator (log, system check); staff read
        # that PDFs cannot be made on this server now and whom to tell.
        logger.error("PDF environment: %s", " ".join(problems))
        raise PdfEnvironmentError(
            "このサーバーでは今、PDFを作成できません(日本語フォントなどの準備が"
            "整っていません)。システム管理者に連絡してください。"
            + "".join(f"\n{line}" for line in problems if "apt-get" not in line)
        )


# ---------------------------------------------------------------------------
# Print normalisation
# ---------------------------------------------------------------------------

# Japanese text: CJK punctuation, kana, kanji and full-width forms (not U+3000 itself).
_JA = "\u3001-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uffef"
_TILDE = re.compile(r"[ \t]*(?<!/)~[ \t]*")  # not the ~ of a URL path (/~user)
_SPACE_AROUND_JA = re.compile(
    rf"(?<=[{_JA}])[ \t]+(?=[0-9A-Za-z])|(?<=[0-9A-Za-z.,:;%)])[ \t]+(?=[{_JA}])"
)
# 令和5年4月1 3 日: a space inside a number that a date or count unit follows.
_SPACE_IN_NUMBER = re.compile(r"(?<=[0-9])[ \t]+(?=[0-9]+[ \t]*[年月日時分秒名人件回])")
FULLWIDTH_TILDE = "\uff5e"


def normalise_for_print(text: str) -> str:
    """Drop stray half-width spaces next to Japanese text; print ``~`` as ``～``.

    Word processors leave spaces in 令和4年6 月20 日, 計22 名, USB メモリ and
    17:30 ~ 17:45. Spaces between two Japanese words (a file name such as
    危機管理連絡会議 開催結果) or between two Latin words are kept.
    """
    if not text:
        return text
    text = _TILDE.sub(FULLWIDTH_TILDE, text)
    text = _SPACE_IN_NUMBER.sub("", text)
    return _SPACE_AROUND_JA.sub("", text)


def _normalise_items(items: list[layout.ItemData]) -> list[layout.ItemData]:
    return [
        {
            **item,
            "marker": normalise_for_print(item.get("marker") or ""),
            "text": normalise_for_print(item.get("text") or ""),
            "children": _normalise_items(item.get("children") or []),
        }
        for item in items
    ]


def print_document(data: layout.MeetingData) -> layout.Document:
    """The official display document, normalised for print.

    The PDF lists the uploaded attachments only: the generated 開催結果 PDF cannot
    state its own size, and a draft must not list the previous official PDF.
    """
    data = {
        **data,
        "attachments": [
            a for a in data.get("attachments") or [] if not a.get("is_generated")
        ],
    }
    doc = layout.build_document(data)
    n = normalise_for_print
    return dataclasses.replace(
        doc,
        title=n(doc.title),
        posted=n(doc.posted) if doc.posted else doc.posted,
        lead=n(doc.lead) if doc.lead else doc.lead,
        fields=[
            dataclasses.replace(f, value=n(f.value), lines=[n(v) for v in f.lines])
            for f in doc.fields
        ],
        blocks=[
            dataclasses.replace(
                b, heading=n(b.heading), items=_normalise_items(b.items)
            )
            for b in doc.blocks
        ],
        # File names are written as the prefecture names them: left untouched.
        attachments=copy.deepcopy(doc.attachments),
        contact_lines=[n(line) for line in doc.contact_lines],
        unparsed=[n(p) for p in doc.unparsed],
    )


def pdf_title(data: layout.MeetingData, *, draft: bool = False) -> str:
    title = normalise_for_print(data.get("title") or "")
    if data.get("is_drill"):
        title = f"{layout.DRILL_LABEL}{title}"
    return f"{title}({DRAFT_MARK})" if draft else title


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Resources:
    font_config: Any  # weasyprint.text.fonts.FontConfiguration
    stylesheet: Any  # weasyprint.CSS
    url_fetcher: Any  # weasyprint.urls.URLFetcher


_resources_lock = threading.Lock()
_render_lock = threading.Lock()
_resources: _Resources | None = None


def _no_fetching_url_fetcher() -> Any:  # a weasyprint.urls.URLFetcher (untyped)
    """A URL fetcher that fetches nothing: the PDF needs no outside resource."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> NoReturn:
            raise ValueError(f"PDF rendering fetches no URL (asked for {url})")

    return NoFetching()


def _get_resources() -> _Resources:
    global _resources
    if _resources is None:
        with _resources_lock:
            if _resources is None:
                from weasyprint import CSS
                from weasyprint.text.fonts import FontConfiguration

                font_config = FontConfiguration()
                fetcher = _no_fetching_url_fetcher()
                stylesheet = CSS(
                    filename=str(STYLESHEET),
                    font_config=font_config,
                    url_fetcher=fetcher,
                )
                _resources = _Resources(font_config, stylesheet, fetcher)
    return _resources


def _w3c(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def render_html(
    data: layout.MeetingData, *, draft: bool = False, created: datetime | None = None
) -> str:
    """The HTML that WeasyPrint prints (also used by the Chromium benchmark)."""
    moment = created or timezone.now()
    return render_to_string(
        TEMPLATE,
        {
            "doc": print_document(data),
            "data": data,
            "draft": draft,
            "title": pdf_title(data, draft=draft),
            "organisation": settings.SITE_ORGANISATION,
            "description": f"{data.get('meeting_type') or ''}の開催結果",
            "generator": settings.SITE_NAME,
            "created_iso": _w3c(moment),
            "modified_iso": _w3c(moment),
        },
    )


def render_meeting_pdf(
    data: layout.MeetingData, *, draft: bool = False, created: datetime | None = None
) -> bytes:
    """PDF bytes of a meeting's layout dict (``layout.meeting_data``).

    ``draft`` marks every page 「案」. ``created`` becomes the PDF's creation and
    modification dates (the publication time; now by default), so the same data
    and time always give the same bytes. Raises PdfRenderError (a message for staff)
    when the server cannot print Japanese correctly or WeasyPrint fails.
    """
    return write_pdf(
        render_html(data, draft=draft, created=created), what="開催結果PDF"
    )


_extra_stylesheets: dict[str, Any] = {}


def write_pdf(html: str, *, what: str, stylesheet: Path | None = None) -> bytes:
    """Print HTML with the shared font configuration, fetching no URL.

    ``stylesheet`` replaces the official layout's stylesheet (parsed once per file).
    Raises PdfRenderError with a message for staff naming ``what`` failed.
    """
    ensure_environment()
    resources = _get_resources()
    from weasyprint import CSS, HTML

    try:
        with _render_lock:
            css = resources.stylesheet
            if stylesheet is not None:
                key = str(stylesheet)
                if key not in _extra_stylesheets:
                    _extra_stylesheets[key] = CSS(
                        filename=key,
                        font_config=resources.font_config,
                        url_fetcher=resources.url_fetcher,
                    )
                css = _extra_stylesheets[key]
            return HTML(
                string=html, url_fetcher=resources.url_fetcher, base_url=None
            ).write_pdf(
                stylesheets=[css],
                font_config=resources.font_config,
                pdf_variant=PDF_VARIANT,
                pdf_tags=True,
            )
    except Exception as exc:  # WeasyPrint raises many kinds; staff need one message
        # The exception's name and text go to the log for the administrator; staff
        # read what failed and what to do.
        logger.exception("PDF rendering failed: %s", what)
        raise PdfRenderError(
            f"{what}を作成できませんでした。入力した内容はそのまま残っています。"
            "しばらくしてからもう一度試し、続く場合はシステム管理者に連絡してください"
            "(サーバーの記録に原因が残っています)。"
        ) from exc
