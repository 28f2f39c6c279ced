"""Is an uploaded PDF safe to publish? Active content is refused with a message.

The public downloads attachments; a PDF that runs JavaScript, launches programs,
carries other files or runs actions when opened is refused, whatever its name says.
The whole object graph reachable from the trailer (what a viewer reads) is walked
with pypdf; a PDF that pypdf cannot read, or cannot read without a password, is
refused as well (its content could not be checked).
"""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Keys whose presence anywhere means active content, with the reason shown.
JAVASCRIPT = "JavaScript(スクリプト)"
ACTIONS = "開いたときなどに自動で動く処理(アクション)"
EMBEDDED = "埋め込みファイル"
LAUNCH = "他のプログラムを起動する処理"

KEYS = {
    "/JS": JAVASCRIPT,
    "/JavaScript": JAVASCRIPT,
    "/AA": ACTIONS,
    "/EmbeddedFiles": EMBEDDED,
    "/EmbeddedFile": EMBEDDED,
    "/EF": EMBEDDED,  # a file specification's embedded file
    "/RichMedia": EMBEDDED,
    "/XFA": JAVASCRIPT,  # XML forms run scripts
}
# Action types (/S) refused wherever they appear (links, outlines, OpenAction).
ACTION_TYPES = {
    "/JavaScript": JAVASCRIPT,
    "/Launch": LAUNCH,
    "/SubmitForm": ACTIONS,
    "/ImportData": ACTIONS,
    "/GoToE": EMBEDDED,
    "/RichMediaExecute": EMBEDDED,
}
# Names used as a /Type value.
TYPES = {"/EmbeddedFile": EMBEDDED}
# /OpenAction is refused unless it only shows a page (an explicit destination or GoTo).
MAX_OBJECTS = 500_000


class UnsafePdf(ValueError):
    pass


def _open_action_problem(value: object) -> str | None:
    value = value.get_object() if isinstance(value, IndirectObject) else value
    if isinstance(value, ArrayObject):
        return None  # an explicit destination: open at a page
    if isinstance(value, DictionaryObject) and value.get("/S") == "/GoTo":
        return None
    return ACTIONS


def active_content(reader: PdfReader) -> list[str]:
    """The kinds of active content found, each once, in the order found."""
    found: dict[str, None] = {}
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            raise UnsafePdf("too many objects to check")
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too
            for name, value in obj.items():
                if name in KEYS:
                    found[KEYS[name]] = None
                if name == "/S" and isinstance(value, NameObject):
                    if value in ACTION_TYPES:
                        found[ACTION_TYPES[value]] = None
                if name == "/Type" and value in TYPES:
                    found[TYPES[value]] = None
                if name == "/OpenAction":
                    problem = _open_action_problem(value)
                    if problem:
                        found[problem] = None
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return list(found)


def pdf_problem(content: bytes) -> str | None:
    """A Japanese message when ``content`` is not a PDF the public may download."""
    unreadable = (
        "PDFとして読み取れませんでした(壊れているか、PDFではありません)。"
        "ファイル名ではなく中身で確認しています。PDFとして保存し直したファイルを"
        "選んでください。"
    )
    if b"%PDF-" not in content[:1024]:
        return unreadable
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            return (
                "パスワードや暗号化で保護されたPDFは、中身を確認できないため受け付け"
                "られません。保護を解除したPDFを選んでください。"
            )
        if len(reader.pages) == 0:
            return unreadable
        found = active_content(reader)
    except Exception:  # noqa: BLE001 - any parser failure means: not checkable
        return unreadable
    if found:
        return (
            f"このPDFには{'・'.join(found)}が含まれているため、公開する添付ファイル"
            "として受け付けられません。印刷機能の「PDFとして保存」などで保存し直した"
            "PDFを選んでください。"
        )
    return None
