"""The type checker's rules (issue 13): every module of meetings/ and incidents/ is
checked with disallow_untyped_defs, and each ``type: ignore`` names its error code
and says why on the same line. mypy itself runs in ``make test``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("meetings", "incidents")
# "# type: ignore[code]  # reason": a code, then a comment of its own.
REASONED = re.compile(r"#\s*type:\s*ignore\[[\w\-, ]+\]\s+#\s*\S")


def _sources() -> list[Path]:
    return [
        path
        for package in CHECKED
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_no_checked_module_has_its_errors_ignored() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mypy = config["tool"]["mypy"]
    assert sorted(mypy["files"]) == sorted(CHECKED)
    untyped_defs_on = []
    for override in mypy.get("overrides", []):
        modules = override["module"]
        modules = [modules] if isinstance(modules, str) else modules
        checked = [m for m in modules if m.split(".")[0] in CHECKED]
        if override.get("disallow_untyped_defs"):
            untyped_defs_on += checked
        assert not (checked and override.get("ignore_errors")), checked
        assert not (checked and override.get("disallow_untyped_defs") is False)
    assert sorted(untyped_defs_on) == ["incidents.*", "meetings.*"]


def test_every_type_ignore_names_its_code_and_its_reason() -> None:
    bare = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore" in line and not REASONED.search(line)
    ]
    assert bare == []


def test_the_rule_tells_a_bare_ignore_from_a_reasoned_one() -> None:
    assert REASONED.search("x = 1  # type: ignore[misc]  # the six columns below")
    assert not REASONED.search("x = 1  # type: ignore[misc]")
    assert not REASONED.search("x = 1  # type: ignore  # no code")
