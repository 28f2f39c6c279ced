"""The page foot: attachments with their sizes, and the お問い合わせ block."""

from __future__ import annotations

import re
from typing import Literal

from meetings.importer.text import tidy
from meetings.importer.types import ParsedAttachment
from meetings.layout import ContactData

_SIZE = (
    r"\d[\d,.]*\s*(?:KB|MB|GB|kB|Kb|KByte|MByte|Kbyte|Mbyte|KBytes|キロバイト|"
    r"メガバイト|バイト|bytes?|B)"
)
_ATTACHMENT = re.compile(
    r"^[・•]?\s*(?P<label>.+?)(?P<ext>\.(?:pdf|PDF|docx?|xlsx?|pptx?|zip))?\s*"
    r"[(([]\s*(?:(?:PDF|pdf|Word|Excel|ワード|エクセル)(?:ファイル|形式)?"
    r"\s*[;:;:,、//]?\s*)?"
    rf"(?P<size>{_SIZE})\s*[))\]]\s*$"
)
_ATTACHMENT_HINT = re.compile(
    r"(?i)\.pdf|[KMG]B|byte|バイト|\.(?:docx?|xlsx?|pptx?|zip)"
)
_ATTACHMENT_NO_SIZE = re.compile(r"^[・•]?\s*(?P<label>.+?)\.(?:pdf|PDF)$")


def parse_attachment(text: str) -> ParsedAttachment | None:
    """危機管理連絡会議 開催結果(R4.6.20).pdf(141KB) -> label, size, kind."""
    if not _ATTACHMENT_HINT.search(text):
        return None  # most lines: skip the slower full patterns
    match = _ATTACHMENT.match(text) or _ATTACHMENT_NO_SIZE.match(text)
    if match is None:
        return None
    label = match["label"].strip()
    size = re.sub(r"\s", "", match.groupdict().get("size") or "") or None
    if "。" in label or len(label) > 120:
        return None
    if "開催結果" in label or "会議結果" in label:
        kind = "result"
    elif "資料" in label or "別紙" in label or "別添" in label:
        kind = "material"
    else:
        kind = "other"
    return {"label": label, "size": size, "kind": kind}


_CONTACT_HEADING = re.compile(
    r"^[【(\[〔<<]?\s*(?:このページに関する|本件に関する|本件についての)?"
    r"(?:お問い?合わ?せ|問い?合わ?せ|担当課|担当)(?:先)?\s*[】)\]〕>>]?\s*[::]?\s*"
    r"(?P<rest>.*)$"
)
_PHONE = re.compile(
    r"(?:電話|TEL|Tel|tel|℡)(?:番号)?\s*[::]?\s*"
    r"(?P<value>\d[\d\-()() ]{4,}\d(?:\s*[((](?:内線|直通|代表)[^))]*[))])?)"
)
_FAX = re.compile(
    r"(?:FAX|Fax|fax|ファクス|ファックス|ファクシミリ)(?:番号)?\s*[::]?\s*"
    r"(?P<value>\d[\d\-()() ]{4,}\d)"
)
_EMAIL = re.compile(
    r"(?:(?:E-?mail|e-?mail|メールアドレス|メール|Mail|mail)\s*[::]?\s*)?"
    r"(?P<value>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
)
_NAME_LIKE = re.compile(r"(?:課|室|部|局|班|係|センター|本部|担当|チーム|グループ)$")


def contact_heading(text: str) -> str | None:
    """The rest of the line when it opens the お問い合わせ block, else None."""
    match = _CONTACT_HEADING.match(text)
    if match is None:
        return None
    rest = match["rest"].strip()
    if rest.endswith(("ください。", "下さい。")):
        return None
    if text.startswith(("担当", "(担当", "(担当", "【担当")) and not _PHONE.search(
        text
    ):
        return None  # 担当:… inside a block is a note, unless it opens one
    return rest


# The contact's fields read by a pattern, in the order they are looked for.
_NUMBERS: tuple[tuple[Literal["fax", "phone", "email"], re.Pattern[str]], ...] = (
    ("fax", _FAX),
    ("phone", _PHONE),
    ("email", _EMAIL),
)


def parse_contact(texts: list[str]) -> ContactData:
    contact: ContactData = {
        "name": None,
        "phone": None,
        "fax": None,
        "email": None,
        "note": None,
    }
    notes: list[str] = []
    for raw in texts:
        text = raw
        for key, pattern in _NUMBERS:
            match = pattern.search(text)
            if match is None:
                continue
            value = tidy(match["value"])
            if contact[key] is None:
                contact[key] = value
            elif key == "phone" and "代表" in text:
                pass  # the switchboard number of the site footer
            else:
                notes.append(match[0].strip())
            text = f"{text[: match.start()].rstrip()} {text[match.end() :].lstrip()}"
            text = text.strip()
        text = text.strip(" 、,/")
        if not text:
            continue
        if contact["name"] is None and not any(c.isdigit() for c in text[:1]):
            contact["name"] = text
        elif (
            contact["phone"] is None
            and contact["name"]
            and _NAME_LIKE.search(contact["name"])
            and _NAME_LIKE.search(text)
            and not notes
        ):
            contact["name"] = f"{contact['name']} {text}"
        else:
            notes.append(text)
    if notes:
        contact["note"] = " ".join(notes)
    return contact
