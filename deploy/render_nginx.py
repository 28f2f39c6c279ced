#!/usr/bin/env python3
"""Render deploy/nginx.conf (a template) into a config for `nginx -c`.

Substitutes only the ${NGINX_*} names the template uses (nginx's own $variables stay)
and refuses a template that names one it does not know, or a value with a character
that would break out of the directive. Standard library only: runs on a public web
server that has no virtualenv.

    python3 deploy/render_nginx.py --site-root /srv/crisis/public_site \
        --static-root /srv/crisis/staticfiles --listen 80 \
        --upstream 127.0.0.1:8000 --runtime-dir /run/crisis-nginx [--user www-data] \
        [--output /etc/nginx/crisis.conf]

With --output the runtime directory and its temp folders are created as well.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().with_name("nginx.conf")
NAME = re.compile(r"\$\{(NGINX_[A-Z_]+)\}")
# Paths and addresses only: no spaces, quotes, semicolons or braces.
SAFE_VALUE = re.compile(r"[A-Za-z0-9_./:\[\]@-]+")
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def render(
    *,
    site_root: str,
    static_root: str,
    listen: str,
    upstream: str,
    runtime_dir: str,
    user: str | None = None,
    mime_types: str = "/etc/nginx/mime.types",
    template: Path = TEMPLATE,
) -> str:
    values = {
        "NGINX_SITE_ROOT": site_root.rstrip("/") or "/",
        "NGINX_STATIC_ROOT": static_root.rstrip("/") or "/",
        "NGINX_LISTEN": listen,
        "NGINX_UPSTREAM": upstream,
        "NGINX_RUNTIME_DIR": runtime_dir.rstrip("/") or "/",
        "NGINX_MIME_TYPES": mime_types,
    }
    for name, value in [*values.items(), ("user", user or "")]:
        if value and not SAFE_VALUE.fullmatch(value):
            raise ValueError(f"{name}: {value!r} is not a plain path or address")
    values["NGINX_USER_DIRECTIVE"] = f"user {user};" if user else ""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"the template names an unknown variable ${{{name}}}")
        return values[name]

    return NAME.sub(substitute, template.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--site-root", required=True, help="PUBLIC_SITE_ROOT (the tree)"
    )
    parser.add_argument("--static-root", required=True, help="STATIC_ROOT")
    parser.add_argument("--listen", default="80", help="port or address:port")
    parser.add_argument("--upstream", default="127.0.0.1:8000", help="gunicorn")
    parser.add_argument("--runtime-dir", required=True, help="pid, logs, temp files")
    parser.add_argument("--user", help="worker user when started as root")
    parser.add_argument("--mime-types", default="/etc/nginx/mime.types")
    parser.add_argument("--output", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    try:
        config = render(
            site_root=args.site_root,
            static_root=args.static_root,
            listen=args.listen,
            upstream=args.upstream,
            runtime_dir=args.runtime_dir,
            user=args.user,
            mime_types=args.mime_types,
        )
    except ValueError as error:
        print(f"render_nginx: {error}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(config)
        return 0
    for name in ("", *TEMP_DIRS):
        Path(args.runtime_dir, name).mkdir(parents=True, exist_ok=True)
    args.output.write_text(config, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
