"""`make setup`'s system-packages step (issue 14): it waits for the apt/dpkg lock held
by another process instead of failing, and prints one line, not apt's own output.

``apt-get`` and ``dpkg-query`` are stand-ins on PATH that record their arguments (the
test must not install anything); the Makefile recipe itself is what runs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _fake_tools(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    (bin_dir / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")  # nothing installed
    (bin_dir / "apt-get").write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {log}\n'
        "echo 'Reading package lists... Done'\n"
        "echo 'Setting up fake (1.0) ...' >&2\n"
        "exit 0\n"
    )
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "LOG": str(log)}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_system_packages_waits_for_the_lock_and_prints_one_line(tmp_path):
    tools = _fake_tools(tmp_path)
    result = subprocess.run(
        ["make", "-s", "system-packages", "SYSTEM_PACKAGES=fake-one fake-two"],
        cwd=ROOT,
        env={**os.environ, "PATH": tools["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Installing system packages: fake-one fake-two"
    ]
    assert result.stderr == ""
    calls = Path(tools["LOG"]).read_text().splitlines()
    assert calls, "apt-get was not called"
    for call in calls:
        assert "DPkg::Lock::Timeout=600" in call
    assert "install" in calls[0] and "fake-one fake-two" in calls[0]
