"""System checks: refuse to run a server that would print tofu or take seconds per PDF."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from meetings import pdf

PDF_ENVIRONMENT_ID = "meetings.E001"


@register()
def pdf_environment_check(
    app_configs: Any = None,
    *,
    font_lookup: pdf.FontLookup | None = None,
    library_lookup: pdf.LibraryLookup | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """Error when the Japanese PDF fonts or libharfbuzz-subset0 are missing.

    The lookups are injectable so that tests can simulate a mis-set server.
    """
    try:
        problems = pdf.environment_problems(
            font_lookup=font_lookup or pdf.installed_font_families,
            library_lookup=library_lookup or pdf.harfbuzz_subset_available,
        )
    except (ImportError, OSError) as exc:  # WeasyPrint's own libraries are missing
        problems = [f"WeasyPrint を読み込めません({exc})。PDF を作成できません。"]
    return [
        Error(
            problem,
            hint="開催結果PDFの作成に必要です。`make setup` がインストールします(README 参照)。",
            id=PDF_ENVIRONMENT_ID,
        )
        for problem in problems
    ]
