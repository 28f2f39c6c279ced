"""Throwaway instances of the production stack for deploy tests and benchmarks.

Each service is a process of its own on a free loopback port, in a temporary folder:
a PostgreSQL cluster made by ``initdb``, ``redis-server --port N``, gunicorn and nginx
with ``deploy/nginx.conf``. Stopping one never touches the machine's own services.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# initdb refuses to run as root; as root the cluster belongs to this user.
PG_USER = "postgres"


def nginx_missing() -> str | None:
    """Why nginx cannot be started here, or None."""
    if not os.access(NGINX, os.X_OK):
        return "nginx is not installed (`make test` installs the Debian package)"
    if not Path("/etc/nginx/mime.types").exists():
        return "/etc/nginx/mime.types is missing (Debian's nginx package installs it)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def port_is_closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return True
    return False


def shared_tempdir(prefix: str) -> Path:
    """A temp folder other users can traverse (nginx workers, the postgres user)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def _as_pg_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        return [runuser, "-u", PG_USER, "--", *command]
    return command


@dataclass
class Postgres:
    """A PostgreSQL cluster of its own (initdb), trust auth, user postgres."""

    folder: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> Postgres:
        if os.geteuid() == 0:
            user = pwd.getpwnam(PG_USER)
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        if not self.data.exists():
            subprocess.run(
                _as_pg_user(
                    [
                        str(PG_BIN / "initdb"),
                        "-D",
                        str(self.data),
                        "-A",
                        "trust",
                        "-U",
                        "postgres",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                        "--no-sync",
                    ]
                ),
                check=True,
                capture_output=True,
            )
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.folder} "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        subprocess.run(
            _as_pg_user(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-l",
                    str(self.folder / "postgres.log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        return self

    def createdb(self, name: str) -> str:
        subprocess.run(
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                name,
            ],
            check=True,
            capture_output=True,
        )
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                _as_pg_user(
                    [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast"]
                    + ["-w", "stop"]
                ),
                check=False,
                capture_output=True,
            )


@dataclass
class Process:
    """A child process in a process group of its own, stopped by its own id."""

    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    log: Path
    cwd: Path = ROOT
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Process:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            wait_for_port(self.port, timeout=timeout, process=self.process)
        except Exception as error:
            raise RuntimeError(
                f"{self.name} did not start: {error}\n{self.log.read_text()[-3000:]}"
            ) from error
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def redis(folder: Path) -> Process:
    port = free_port()
    return Process(
        "redis",
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        dict(os.environ),
        port,
        folder / "redis.log",
    )


def gunicorn(env: dict[str, str], folder: Path, *, workers: int = 2) -> Process:
    port = free_port()
    return Process(
        "gunicorn",
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "crisis_meetings.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "2",
        ],
        env,
        port,
        folder / "gunicorn.log",
    )


def nginx(
    folder: Path, *, site_root: Path, static_root: Path, upstream_port: int
) -> Process:
    """nginx in the foreground with deploy/nginx.conf rendered for these folders."""
    port = free_port()
    runtime = folder / "nginx"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy" / "render_nginx.py"),
            "--site-root",
            str(site_root),
            "--static-root",
            str(static_root),
            "--listen",
            f"127.0.0.1:{port}",
            "--upstream",
            f"127.0.0.1:{upstream_port}",
            "--runtime-dir",
            str(runtime),
            "--output",
            str(folder / "nginx.conf"),
        ],
        check=True,
    )
    return Process(
        "nginx",
        [
            NGINX,
            "-c",
            str(folder / "nginx.conf"),
            # Before it reads the config nginx opens its compiled-in error log.
            "-e",
            str(runtime / "error.log"),
            "-g",
            "daemon off;",
        ],
        dict(os.environ),
        port,
        folder / "nginx.out",
    )


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def get(base: str, path: str, *, timeout: float = 30) -> Response:
    """GET without following redirects; errors are responses too."""
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": ""})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Response(
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return Response(
            error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()
        )


@contextlib.contextmanager
def stopped_on_exit(*processes) -> Iterator[None]:
    try:
        yield
    finally:
        for process in reversed(processes):
            process.stop()
