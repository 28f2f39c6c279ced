"""python manage.py import_pages PATH... : published 開催結果 pages into meetings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings.importer import parse_page
from meetings.importer.draft import create_meeting, existing_meeting
from meetings.importer.types import ParsedMeeting
from meetings.models import Meeting

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SUFFIXES = {".txt", ".html", ".htm"}
# Archived pages are UTF-8 today; older exports are Shift_JIS or EUC-JP.
ENCODINGS = ("utf-8-sig", "cp932", "euc_jp")


def page_files(paths: list[str]) -> list[Path]:
    """The files named, and the .txt/.html files under the folders named, sorted."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in SUFFIXES
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"ファイルまたはフォルダがありません: {raw}")
    return files


def read_page(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def meeting_key(data: ParsedMeeting) -> tuple[str, str | None, str | None]:
    return (
        data.get("meeting_type") or "危機管理連絡会議",
        data.get("held_on"),
        data.get("start_time"),
    )


class Command(BaseCommand):
    help = (
        "公開済みの開催結果ページ(.txt / .html、フォルダは再帰的に)を読み込み、"
        "会議の下書きを作成します。同じ種別・開催日・開始時刻の会議は作成しません。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="下書きではなく公開まで行います(公開処理で開催結果PDFを作成)。",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="読み取り結果と件数を表示するだけで、何も保存しません。",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="入力ファイルごとに1行のJSONを標準出力に書きます。何も保存しません。",
        )
        parser.add_argument(
            "--user", help="作成者として記録するユーザー名(省略時は記録しません)。"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = page_files(options["paths"])
        as_json = options["json"]
        write = not (options["dry_run"] or as_json)
        user = self._user(options.get("user"))
        status = (
            Meeting.Status.PUBLISHED if options["publish"] else Meeting.Status.DRAFT
        )
        created = skipped = failed = warnings = 0
        seen: set[tuple] = set()
        for path in files:
            meetings = parse_page(read_page(path), filename=str(path))
            if as_json:
                self.stdout.write(
                    json.dumps(
                        {"file": str(path), "meetings": meetings}, ensure_ascii=False
                    )
                )
            for data in meetings:
                warnings += len(data["warnings"])
                for warning in data["warnings"]:
                    self.stderr.write(f"{path}: {warning}")
                key = meeting_key(data)
                if not data.get("held_on"):
                    failed += 1
                    self.stderr.write(f"{path}: 開催日が読み取れないため作成しません")
                    continue
                if key in seen or existing_meeting(data) is not None:
                    skipped += 1
                    self._note(as_json, f"skipped (already exists): {path}")
                    continue
                seen.add(key)
                if not write:
                    created += 1
                    self._note(as_json, f"would create: {path} {data['title']}")
                    continue
                try:
                    meeting, extra = create_meeting(data, user=user, status=status)
                except ValidationError as error:
                    failed += 1
                    self.stderr.write(f"{path}: 作成できません: {error.messages}")
                    continue
                created += 1
                warnings += len(extra) - len(data["warnings"])
                for warning in extra[len(data["warnings"]) :]:
                    self.stderr.write(f"{path}: {warning}")
                self._note(as_json, f"created: {path} -> {meeting.pk} {meeting.title}")
        verb = "created" if write else "would create"
        summary = f"{verb} {created}, skipped {skipped}, warnings {warnings}"
        if failed:
            summary += f", failed {failed}"
        if as_json:
            self.stderr.write(summary)
        else:
            self.stdout.write(summary)

    def _note(self, as_json: bool, message: str) -> None:
        # With --json, stdout carries only the JSON lines.
        (self.stderr if as_json else self.stdout).write(message)

    def _user(self, username: str | None) -> User | None:
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"ユーザーがいません: {username}") from None
