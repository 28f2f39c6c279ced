"""Reading PDFs back in tests: text per page, fonts, metadata."""

from __future__ import annotations

import io
import re

import pypdf

WHITESPACE = re.compile(r"\s+")


def compact(text: str) -> str:
    """Text without any whitespace: lines wrap differently in a PDF."""
    return WHITESPACE.sub("", text)


def reader(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(content))


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in reader(content).pages]


def pdf_text(content: bytes) -> str:
    return "\n".join(page_texts(content))


def embedded_fonts(content: bytes) -> dict[str, dict[str, object]]:
    """Base font name -> facts about the font program embedded for it."""
    fonts: dict[str, dict[str, object]] = {}
    for page in reader(content).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            program = next(
                (
                    descriptor[key].get_object()
                    for key in ("/FontFile2", "/FontFile3", "/FontFile")
                    if key in descriptor
                ),
                None,
            )
            fonts[str(font["/BaseFont"])] = {
                "embedded": program is not None,
                "program_bytes": len(program.get_data()) if program else 0,
                "to_unicode": "/ToUnicode" in font,
            }
    return fonts
