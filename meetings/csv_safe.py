"""CSV for Excel without formula injection (the OWASP rule), for every CSV writer.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is run as a formula by spreadsheet programs (``=HYPERLINK(...)``, ``=cmd|...``):
such a cell gets a leading ``'`` so that it is shown as the text it is. Numbers
(int, float) are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows are neutralised cell by cell."""

    def __init__(self, buffer: SupportsWrite[str], **kwargs: Any) -> None:
        self._writer = csv.writer(buffer, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(buffer: SupportsWrite[str], **kwargs: Any) -> SafeWriter:
    return SafeWriter(buffer, **kwargs)
