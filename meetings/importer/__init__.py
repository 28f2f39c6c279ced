"""Read published 開催結果 pages (text or HTML) into the meeting dict schema.

``parse_page`` is pure (no database, no Django set-up needed). ``parse_to_draft`` saves
the first meeting of a page as a draft through the services layer, for the editor's
「テキストから作成」; it is imported lazily so that the parser stays usable alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meetings.importer.page import parse_page

if TYPE_CHECKING:
    from meetings.models import Meeting
    from meetings.permissions import Actor

__all__ = ["parse_page", "parse_to_draft"]


def parse_to_draft(text: str, *, user: Actor) -> tuple[Meeting, list[str]]:
    """Parse pasted page text (or HTML) and save its first meeting as a draft.

    Returns the draft and the warnings to show next to it (line numbers included);
    text that could not be placed is kept in the draft's 「項目に分けられなかった本文」.
    """
    from meetings.importer.draft import parse_to_draft as save_draft

    return save_draft(text, user=user)
