"""The speech files follow the meeting pages of the tree (written or removed)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from django.conf import settings
from django.dispatch import receiver

from meetings.site.render import UUID
from meetings.site.signals import tree_changed

logger = logging.getLogger(__name__)
MEETING_PAGE = re.compile(rf"^meetings/({UUID})/index\.html$")


@receiver(tree_changed)
def _meeting_pages_changed(
    sender: object,
    written: Sequence[str] = (),
    removed: Sequence[str] = (),
    **kwargs: object,
) -> None:
    if not getattr(settings, "READING_SPEECH", False):
        return
    from meetings.reading import tasks

    for path in [*written, *removed]:
        match = MEETING_PAGE.match(path)
        if match is None:
            continue
        try:
            tasks.speak_meeting.delay(match.group(1))
        except Exception:  # a broker down: the page stays without (new) audio
            logger.exception("could not queue speech for %s", path)
