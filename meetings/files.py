"""Facts about a stored file, worked out in one place: its size as the official pages
print it, and its size and SHA-256 as stored with an attachment or publication."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class FileFacts:
    size: int
    sha256: str


def facts(content: bytes) -> FileFacts:
    """Size and SHA-256 of a file's bytes (never taken from user input)."""
    return FileFacts(size=len(content), sha256=hashlib.sha256(content).hexdigest())


_KIB = 1024
_MIB = 1024 * 1024


def _divide_round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def format_file_size(n_bytes: int) -> str:
    """Attachment size as official pages print it: 141KB, 1MB.

    Units are binary (1KB = 1024 bytes, 1MB = 1024KB) and always whole numbers,
    rounded half up:
    - under 1024 bytes, including an empty file, is 1KB (never 0KB);
    - below 1MB it is whole KB: 144,000 bytes -> 141KB;
    - from 1MB on it is whole MB: 1,300,000 bytes -> 1MB, 1.5MB -> 2MB, 15MB -> 15MB.
    A size that rounds to 1024KB (1,048,064 to 1,048,575 bytes) is printed 1MB,
    never 1024KB.
    """
    if n_bytes < 0:
        raise ValueError(f"negative file size: {n_bytes}")
    if n_bytes < _MIB:
        kilobytes = max(1, _divide_round_half_up(n_bytes, _KIB))
        if kilobytes < 1024:
            return f"{kilobytes}KB"
    return f"{_divide_round_half_up(n_bytes, _MIB)}MB"
