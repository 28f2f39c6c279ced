from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from meetings.reading.pages import has_reading_version, kana_url, speech_base

register = template.Library()


@register.simple_tag(takes_context=True)
def reading_aids(context: Any) -> SafeString:
    """The ふりがな switch (and, on a meeting page, the 読み上げ control) of a
    public page; nothing on other pages (staff, search, error pages)."""
    request = context.get("request")
    path = getattr(request, "path", "")
    if not path or getattr(request, "GET", None) or not has_reading_version(path):
        return mark_safe("")
    speech = speech_base(path)
    if speech and not context.get("publication"):
        # A withdrawn meeting's 410 notice: no reading version, nothing to speak.
        return mark_safe("")
    return mark_safe(  # noqa: S308 (an escaped template)
        render_to_string(
            "reading/_aids.html",
            {
                "kana": False,
                "kana_url": kana_url(path),
                "speech_base": speech_base(path),
            },
        )
    )
