"""The marks that start a bullet, in one place.

The editor splits a typed or pasted mark from a bullet's text (on the server in
``meetings.forms`` and in the page's script, which reads ``EDITOR_PATTERN`` from the
page), and the importer finds items and agenda topics in a pasted public page.
"""

from __future__ import annotations

# Symbols that start a bullet on the official pages and in typed text. ■ is not one:
# it starts a section heading.
BULLET_SYMBOLS = "・○●◎◆◇□▪▫◦※•➢➤→▶▷☆★◯"
# The few of them that number agenda topics (協議概要): ※ or → there is a note.
AGENDA_SYMBOLS = "○●◎◆◇□・"

# Numbered marks: ① ⑴ (1) 1. (full width too).
NUMBERED = r"[①-⑳]|[⑴-⒇]|[((][0-90-9]+[))]|[0-90-9]+[..](?!\d)"

# A mark typed at the start of a bullet in the editor, group 1: valid both as a Python
# and as a JavaScript regular expression (the page's script compiles the same text).
EDITOR_PATTERN = rf"^\s*([{BULLET_SYMBOLS}]|{NUMBERED}|-)\s*"
