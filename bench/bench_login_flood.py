"""Benchmark: the public site while wrong passwords flood the login (issue 10).

Serves the app with gunicorn (production settings, DEBUG off, real PBKDF2 password
hashing, PostgreSQL) behind a pretend proxy (TRUSTED_PROXY_COUNT=1, one
X-Forwarded-For address per attacking client). Measures the public archive page's
latency alone (baseline), then while 8 clients post wrong passwords for `editor`
(200 attempts in all), once with the login throttling (django-axes) on and once with
it off (the same settings with AXES_ENABLED=False, as before issue 10). Prints
medians and 90th percentiles, their ratios against the baseline of the same run, and
how many attempts reached the password check.

    .venv/bin/python bench/bench_login_flood.py [--attempts 200] [--clients 8]
        [--database postgres://postgres@127.0.0.1:5432/cm_bench_login]

The database is dropped and created again; media and static files go to a temporary
folder; nothing else is touched.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_OFF = "bench._settings_no_throttle"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 60) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
        response.read()
    return time.perf_counter() - started


def _attacker(base: str, address: str, attempts: int, statuses: list[int]) -> None:
    # Production settings: the proxy says HTTPS, so the CSRF cookie is Secure and is
    # sent by hand (urllib's cookie jar keeps Secure cookies off plain http).
    headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}
    with urllib.request.urlopen(  # noqa: S310 - loopback only
        urllib.request.Request(f"{base}/accounts/login/", headers=headers), timeout=60
    ) as response:
        page = response.read().decode()
        cookie = re.search(r"csrftoken=([^;]+)", response.headers["Set-Cookie"])[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    origin = base.replace("http://", "https://")
    for n in range(attempts):
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": "editor",
                "password": f"wrong-{address}-{n}",
            }
        ).encode()
        request = urllib.request.Request(
            f"{base}/accounts/login/",
            data=data,
            headers={
                **headers,
                "Cookie": f"csrftoken={cookie}",
                "Origin": origin,
                "Referer": f"{origin}/accounts/login/",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                response.read()
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)


def _measure(base: str, seconds: float | None, count: int | None) -> list[float]:
    times = []
    deadline = time.monotonic() + (seconds or 1e9)
    while time.monotonic() < deadline and (count is None or len(times) < count):
        times.append(_get(f"{base}/"))
    return times


def _run_server(env: dict, settings: str, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "crisis_meetings.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": settings},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            _get(f"http://127.0.0.1:{port}/", timeout=5)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def _round(env, settings, args) -> dict:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _run_server(env, settings, port)
    try:
        _measure(base, None, 5)  # warm every worker
        baseline = _measure(base, None, args.requests)
        statuses: list[int] = []
        per_client = args.attempts // args.clients
        threads = [
            threading.Thread(
                target=_attacker,
                args=(base, f"198.51.100.{i + 1}", per_client, statuses),
            )
            for i in range(args.clients)
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        during: list[float] = []
        while any(t.is_alive() for t in threads):
            during.append(_get(f"{base}/"))
        for t in threads:
            t.join()
        flood_seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {
        "baseline": baseline,
        "during": during,
        "statuses": statuses,
        "flood_seconds": flood_seconds,
    }


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432/cm_bench_login",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-login-"))
    db_name = urllib.parse.urlsplit(args.database).path.lstrip("/")
    admin_url = args.database.rsplit("/", 1)[0] + "/postgres"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "CACHE_URL"}},
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": args.database,
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "TRUSTED_PROXY_COUNT": "1",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "ERROR",
    }
    import psycopg2

    parts = urllib.parse.urlsplit(admin_url)
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
        cur.execute(f'CREATE DATABASE "{db_name}"')
    conn.close()
    python = str(ROOT / ".venv/bin/python")
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [
            python,
            "-c",
            "import django; django.setup();"
            "from meetings.demo import load_master_data, load_users;"
            "load_master_data(); load_users()",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "crisis_meetings.settings"},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = {}
    try:
        for label, settings in (
            ("throttling on", "crisis_meetings.settings"),
            ("throttling off", SETTINGS_OFF),
        ):
            subprocess.run(
                [
                    python,
                    "-c",
                    "import django; django.setup();"
                    "from axes.models import AccessAttempt; AccessAttempt.objects.all().delete()",
                ],
                cwd=ROOT,
                env={**env, "DJANGO_SETTINGS_MODULE": settings},
                check=True,
            )
            results[label] = _round(env, settings, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"{args.attempts} wrong passwords from {args.clients} clients, gunicorn 3 workers"
    )
    base_median = None
    for label, r in results.items():
        b, d = r["baseline"], r["during"]
        if base_median is None:
            base_median = statistics.median(b)
        checked = sum(1 for s in r["statuses"] if s == 200)
        refused = sum(1 for s in r["statuses"] if s == 429)
        other = len(r["statuses"]) - checked - refused
        print(
            f"{label:15} public page alone: median {statistics.median(b) * 1000:6.1f} ms"
            f" | during the flood: median {statistics.median(d) * 1000:7.1f} ms,"
            f" p90 {_p90(d) * 1000:7.1f} ms ({len(d)} requests)"
            f" = {statistics.median(d) / base_median:5.1f}x the baseline"
        )
        print(
            f"{'':15} attempts: {checked} passwords checked, {refused} refused "
            f"(429) without hashing, {other} other; flood lasted "
            f"{r['flood_seconds']:.1f} s"
        )


if __name__ == "__main__":
    main()
