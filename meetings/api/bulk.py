"""Bulk downloads per 年度 and for everything: CSV (UTF-8 with BOM) and JSON Lines.

Files of a scope (a 年度 such as ``2022``, or ``all``)::

    data/<scope>/meetings.csv    one row per meeting
    data/<scope>/sections.csv    one row per ■ section       (meeting_id, section_index)
    data/<scope>/items.csv       one row per item            (meeting_id, section_index, item_id)
    data/<scope>/meetings.jsonl  one API detail record per line

Every row comes from ``records.full_records``: the current publication of each
published meeting, exactly what the API and the public page show. The ``all`` files
are the 年度 files joined in order (meetings sorted by date), so everything is built
in one pass over the archive (``generate_all``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import Max, Min

from meetings import csv_safe, wareki
from meetings.api import records
from meetings.extensions import related
from meetings.models import Meeting, MeetingQuerySet

CHUNK = 500
BOM = "\ufeff"
ALL = "all"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSONL_CONTENT_TYPE = "application/jsonl; charset=utf-8"

# (column, 日本語の項目名, 説明) — the data dictionary page lists these.
MEETING_COLUMNS: list[tuple[str, str, str]] = [
    (
        "meeting_id",
        "会議ID",
        "公開ID(UUID)。変わらず、再利用されない。他のファイルと結合するキー",
    ),
    ("version", "版", "公開版の番号。訂正して再公開するたびに1増える"),
    ("published_at", "公開日時", "この版の公開日時(ISO 8601、日本時間)"),
    ("title", "タイトル", "公開ページの見出し"),
    ("meeting_type", "会議種別", "例: 危機管理連絡会議"),
    ("meeting_type_slug", "会議種別ID", "APIの type パラメータに使う識別子"),
    ("is_drill", "訓練", "訓練の会議なら true"),
    ("held_on", "開催日", "YYYY-MM-DD"),
    ("held_on_wareki", "開催日(和暦)", "例: 令和4年6月20日(月)"),
    ("fiscal_year", "年度", "4月始まりの年度(開始年の西暦)"),
    ("start_time", "開始時刻", "HH:MM(24時間)"),
    ("end_time", "終了時刻", "HH:MM(24時間)。空欄は記載なし"),
    ("end_next_day", "終了が翌日", "日付をまたいで終了したら true"),
    ("datetime_text", "日時(表示)", "公開ページの「1 日時」の表記"),
    ("mode", "開催方法", "in_person(対面)/online(オンライン)/written(書面開催)"),
    ("venue", "場所", "公開ページの「2 場所」"),
    ("attendees_text", "出席者(表示)", "公開ページの「3 出席者」の表記"),
    ("attendee_total", "出席者数", "計n名のn。空欄は記載なし"),
    ("agenda", "協議概要", "「4 協議概要」。複数あるときは改行区切り"),
    ("section_count", "説明・報告・指示の数", "sections.csv の行数"),
    (
        "attachments",
        "添付ファイル",
        "ファイル名(大きさ)を改行区切り。URLとSHA-256はJSON Lines",
    ),
    ("contact_name", "問い合わせ先", "担当課"),
    ("contact_phone", "電話番号", ""),
    ("corrections", "訂正", "訂正の日付と内容(版:日付:内容)を改行区切り"),
    ("incident_ids", "関係する事案ID", "事案の公開ID(空白区切り)"),
    ("html_url", "公開ページURL", ""),
    ("json_url", "JSONのURL", "APIの詳細(meetings.jsonl の1行と同じ内容)"),
]
SECTION_COLUMNS: list[tuple[str, str, str]] = [
    ("meeting_id", "会議ID", "meetings.csv の meeting_id"),
    ("section_index", "区分番号", "会議内の順番(0から)。APIの sections[].index"),
    ("group", "グループ", "main(本体)/other_reports(その他報告事項)"),
    ("kind", "種別", "explanation(説明)/report(報告)/directive(指示)/other"),
    ("speaker", "説明・報告・指示した者", "課・職名など"),
    ("recipients", "指示の相手", "指示のとき。例: 各部局"),
    ("topic", "題目", ""),
    ("heading_text", "見出し", "■の見出し(公開ページの表記)"),
    ("agenda_index", "協議概要の番号", "関係する協議概要(0から)。空欄はなし"),
    ("item_count", "項目数", "items.csv の行数(入れ子を含む)"),
]
ITEM_COLUMNS: list[tuple[str, str, str]] = [
    ("meeting_id", "会議ID", "meetings.csv の meeting_id"),
    ("section_index", "区分番号", "sections.csv の section_index"),
    (
        "item_id",
        "項目番号",
        "区分内の位置。1, 2 … 入れ子は 2.1, 2.1.3 のように親の番号に続ける",
    ),
    ("parent_item_id", "親の項目番号", "入れ子の項目のとき親の item_id。最上位は空欄"),
    ("depth", "深さ", "最上位が0"),
    ("marker", "記号", "・、○、① など"),
    ("text", "本文", ""),
]
FILES: list[tuple[str, str, list[tuple[str, str, str]] | None]] = [
    ("meetings.csv", "会議(1行に1会議)", MEETING_COLUMNS),
    ("sections.csv", "説明・報告・指示(1行に1区分)", SECTION_COLUMNS),
    ("items.csv", "項目(1行に1項目)", ITEM_COLUMNS),
    ("meetings.jsonl", "会議の全項目(1行に1会議、APIの詳細と同じJSON)", None),
]
FILE_NAMES = [name for name, _, _ in FILES]


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _csv_writer(buffer: io.StringIO) -> csv_safe.SafeWriter:
    """A csv writer whose cells cannot run as spreadsheet formulas."""
    return csv_safe.writer(buffer)


def _walk_items(
    items: list[dict[str, Any]], parent: str = "", depth: int = 0
) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
    for n, item in enumerate(items, 1):
        item_id = f"{parent}.{n}" if parent else str(n)
        yield item_id, parent, depth, item
        yield from _walk_items(item["children"], item_id, depth + 1)


def meeting_row(record: dict[str, Any]) -> list[Any]:
    contact = record["contact"]
    return [
        record["id"],
        record["version"],
        record["published_at"],
        record["title"],
        record["meeting_type"]["name"],
        record["meeting_type"]["slug"],
        _bool(record["is_drill"]),
        record["held_on"],
        record["held_on_wareki"],
        record["fiscal_year"],
        _blank(record["start_time"]),
        _blank(record["end_time"]),
        _bool(record["end_next_day"]),
        record["datetime_text"],
        record["mode"],
        record["venue_text"],
        record["attendees"]["text"],
        _blank(record["attendees"]["total"]),
        "\n".join(a["marker"] + a["text"] for a in record["agenda"]),
        len(record["sections"]),
        "\n".join(f"{a['filename']}({a['size_text']})" for a in record["attachments"]),
        _blank(contact["name"]),
        _blank(contact["phone"]),
        "\n".join(
            f"{c['version']}:{c['published_on_wareki']}:{c['note']}"
            for c in record["corrections"]
        ),
        " ".join(i["id"] for i in record["incidents"]),
        record["html_url"],
        record["url"],
    ]


def section_rows(record: dict[str, Any]) -> Iterator[list[Any]]:
    for section in record["sections"]:
        yield [
            record["id"],
            section["index"],
            section["group"],
            section["kind"],
            _blank(section["speaker"]),
            _blank(section["recipients"]),
            _blank(section["topic"]),
            section["heading_text"],
            _blank(section["agenda_index"]),
            sum(1 for _ in _walk_items(section["items"])),
        ]


def item_rows(record: dict[str, Any]) -> Iterator[list[Any]]:
    for section in record["sections"]:
        for item_id, parent, depth, item in _walk_items(section["items"]):
            yield [
                record["id"],
                section["index"],
                item_id,
                parent,
                depth,
                item["marker"],
                item["text"],
            ]


class ScopeFiles:
    """The four files of one scope, written as records come."""

    def __init__(self) -> None:
        self.buffers = {name: io.StringIO() for name in FILE_NAMES}
        self.writers = {
            name: _csv_writer(self.buffers[name])
            for name in FILE_NAMES
            if name.endswith(".csv")
        }

    def header(self) -> None:
        for name, _, columns in FILES:
            if columns is not None:
                self.writers[name].writerow([column for column, _, _ in columns])

    def add(self, record: dict[str, Any]) -> None:
        self.writers["meetings.csv"].writerow(meeting_row(record))
        self.writers["sections.csv"].writerows(section_rows(record))
        self.writers["items.csv"].writerows(item_rows(record))
        self.buffers["meetings.jsonl"].write(
            json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        )

    def body(self, name: str) -> str:
        return self.buffers[name].getvalue()


def _encode(name: str, text: str) -> bytes:
    # Excel needs the BOM to read UTF-8; JSON Lines must not have one.
    return ((BOM if name.endswith(".csv") else "") + text).encode("utf-8")


def published_in(year: int | None) -> MeetingQuerySet:
    meetings = records.published_meetings().order_by(
        "current_publication__held_on", "current_publication_id"
    )
    if year is not None:
        first, last = wareki.fiscal_year_range(year)
        meetings = meetings.filter(current_publication__held_on__range=(first, last))
    return meetings


def iter_records(year: int | None, *, base: str = "") -> Iterator[dict[str, Any]]:
    """Full records of the published meetings of ``year`` (None: all), oldest
    first, fetched in chunks (a fixed number of queries per chunk)."""
    pks = list(published_in(year).values_list("pk", flat=True))
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        by_pk = {m.pk: m for m in published_in(None).filter(pk__in=chunk)}
        meetings = [by_pk[pk] for pk in chunk if pk in by_pk]
        yield from records.full_records(meetings, base=base)


def fiscal_years() -> list[int]:
    """Every 年度 with a published meeting, newest first."""
    span = Meeting.objects.published().aggregate(
        first=Min("current_publication__held_on"),
        last=Max("current_publication__held_on"),
    )
    if span["first"] is None:
        return []
    years = range(
        wareki.fiscal_year(span["last"]), wareki.fiscal_year(span["first"]) - 1, -1
    )
    return [year for year in years if published_in(year).exists()]


def build_file(scope: str, name: str, *, base: str = "") -> bytes:
    """One file of one scope (the dynamic view; ``generate_all`` builds them all)."""
    year = None if scope == ALL else int(scope)
    files = ScopeFiles()
    files.header()
    for record in iter_records(year, base=base):
        files.add(record)
    return _encode(name, files.body(name))


def _headers() -> dict[str, str]:
    header = ScopeFiles()
    header.header()
    return {name: header.body(name) for name in FILE_NAMES}


def year_files(year: int, *, base: str = "") -> dict[str, bytes]:
    """The four files of one 年度 (name -> bytes)."""
    files = ScopeFiles()
    for record in iter_records(year, base=base):
        files.add(record)
    headers = _headers()
    return {
        name: _encode(name, headers[name] + files.body(name)) for name in FILE_NAMES
    }


def _body(name: str, content: bytes) -> bytes:
    """A file's rows without its header (and BOM): what ``all`` joins."""
    if not name.endswith(".csv"):
        return content
    text = content.decode("utf-8-sig")
    return text[text.index("\r\n") + 2 :].encode("utf-8")


def joined_all(year_contents: Iterable[dict[str, bytes]]) -> dict[str, bytes]:
    """The ``all`` files from the 年度 files, oldest 年度 first."""
    headers = _headers()
    parts: dict[str, list[bytes]] = {
        name: [_encode(name, headers[name])] for name in FILE_NAMES
    }
    for contents in year_contents:
        for name in FILE_NAMES:
            parts[name].append(_body(name, contents[name]))
    return {name: b"".join(parts[name]) for name in FILE_NAMES}


def generate_all(*, base: str = "") -> Iterator[tuple[str, bytes]]:
    """Every bulk file as (path under data/, bytes), in one pass over the archive.

    Each 年度's files are yielded as soon as the 年度 is done; the ``all`` files are
    the 年度 files joined, oldest first, under one header.
    """
    done: list[dict[str, bytes]] = []
    for year in sorted(fiscal_years()):
        contents = year_files(year, base=base)
        done.append(contents)
        for name in FILE_NAMES:
            yield f"{year}/{name}", contents[name]
    for name, content in joined_all(done).items():
        yield f"{ALL}/{name}", content


def update_years(
    years: Iterable[int],
    read: Callable[[str], bytes | None],
    *,
    base: str = "",
) -> Iterator[tuple[str, bytes | None]]:
    """The files to write after a change within ``years`` (a publication, a
    correction, a withdrawal): those 年度 again (None: the 年度 has no published
    meeting left, remove its files) and ``all``, joined from every 年度's files as
    ``read(path)`` gives them (the ones written here included)."""
    current = set(fiscal_years())
    fresh: dict[int, dict[str, bytes]] = {}
    for year in sorted(set(years)):
        if year in current:
            fresh[year] = year_files(year, base=base)
            for name in FILE_NAMES:
                yield f"{year}/{name}", fresh[year][name]
        else:
            for name in FILE_NAMES:
                yield f"{year}/{name}", None
    stored: list[dict[str, bytes]] = []
    for year in sorted(current):
        if year in fresh:
            stored.append(fresh[year])
            continue
        found = {name: read(f"{year}/{name}") for name in FILE_NAMES}
        contents = {name: c for name, c in found.items() if c is not None}
        if len(contents) < len(found):
            contents = year_files(year, base=base)  # missing: build it too
            for name in FILE_NAMES:
                yield f"{year}/{name}", contents[name]
        stored.append(contents)
    for name, content in joined_all(stored).items():
        yield f"{ALL}/{name}", content


def file_urls() -> list[str]:
    """Site URLs of every bulk file and of the data page (for trees and sitemaps)."""
    from django.urls import reverse

    index = reverse("data:index")
    return [index] + [
        f"{index}{scope}/{name}"
        for scope in [ALL, *(str(y) for y in fiscal_years())]
        for name in FILE_NAMES
    ]


def content_type(name: str) -> str:
    return CSV_CONTENT_TYPE if name.endswith(".csv") else JSONL_CONTENT_TYPE


def write_all(put: Callable[[str, bytes], None], *, base: str = "") -> int:
    """Write every bulk file through ``put(path, content)``; how many."""
    count = 0
    for path, content in generate_all(base=base):
        put(path, content)
        count += 1
    return count


__all__: list[str] = [
    "build_file",
    "file_urls",
    "generate_all",
    "write_all",
    "MEETING_COLUMNS",
    "SECTION_COLUMNS",
    "ITEM_COLUMNS",
]


# ---------------------------------------------------------------------------
# In a file tree (the publication tree): what changed since the files were made
# ---------------------------------------------------------------------------

FINGERPRINTS = ".fingerprints.json"


def fingerprints(*, base: str = "") -> dict[str, str]:
    """For each 年度 with published meetings, a digest of everything its files
    show: which meetings, which publication of each, their public incidents
    (titles included), and the origin of the URLs. Two queries."""
    import hashlib

    rows = (
        Meeting.objects.published()
        .order_by("pk")
        .values_list(
            "pk", "public_id", "current_publication_id", "current_publication__held_on"
        )
    )
    by_year: dict[int, list[str]] = {}
    year_of: dict[int, int] = {}
    for pk, public_id, publication_id, held_on in rows:
        year = wareki.fiscal_year(held_on)
        year_of[pk] = year
        by_year.setdefault(year, []).append(f"{public_id}:{publication_id}")
    for meeting_id, refs in related().refs_by_meeting(list(year_of)).items():
        for ref in refs:
            by_year[year_of[meeting_id]].append(
                repr([ref.public_id, ref.title, ref.is_drill, ref.started_at])
            )
    return {
        str(year): hashlib.sha256(
            "\n".join([base, *sorted(parts)]).encode()
        ).hexdigest()
        for year, parts in by_year.items()
    }


def refresh(
    read: Callable[[str], bytes | None],
    *,
    base: str = "",
    now: dict[str, str] | None = None,
) -> Iterator[tuple[str, bytes | None]]:
    """The files to write (None: to remove) so that a tree read through ``read``
    (paths under data/) matches the database; only changed 年度 are rebuilt.

    Changed: the 年度 whose fingerprint differs from the one stored with the files
    (FINGERPRINTS, written by the caller once the files are in place), or whose
    files are missing. ``now``: the fingerprints, when the caller took them first.
    """
    now = fingerprints(base=base) if now is None else now
    try:
        before = json.loads(read(FINGERPRINTS) or b"{}")
    except ValueError:
        before = {}
    changed = {
        int(year)
        for year in set(now) | set(before)
        if now.get(year) != before.get(year)
    }
    missing = {
        int(year)
        for year in now
        if any(read(f"{year}/{name}") is None for name in FILE_NAMES)
    }
    stale = changed | missing
    if not stale and all(read(f"{ALL}/{name}") is not None for name in FILE_NAMES):
        return
    yield from update_years(stale, read, base=base)


def expected_paths() -> set[str]:
    """Paths under data/ that the files of the current database occupy."""
    scopes = [ALL, *(str(year) for year in fiscal_years())]
    return {f"{scope}/{name}" for scope in scopes for name in FILE_NAMES}


class TreeFiles:
    """The bulk files as a generator of the publication tree (``meetings.site``):
    paths under ``prefix``; ``state()`` the fingerprints to keep beside them
    (at ``state_path``, written once the files are), ``full`` for a whole build,
    ``refresh`` after a change (only the 年度 that changed), ``expected`` the paths
    that must exist."""

    prefix = "data/"
    state_path = FINGERPRINTS

    @staticmethod
    def _base() -> str:
        from django.conf import settings

        return getattr(settings, "PUBLIC_SITE_URL", "")

    def state(self) -> bytes:
        return json.dumps(fingerprints(base=self._base()), sort_keys=True).encode()

    def full(self) -> Iterator[tuple[str, bytes]]:
        return generate_all(base=self._base())

    def refresh(
        self, read: Callable[[str], bytes | None], state: bytes
    ) -> Iterator[tuple[str, bytes | None]]:
        return refresh(read, base=self._base(), now=json.loads(state))

    def expected(self) -> set[str]:
        return expected_paths()


tree_files = TreeFiles()
