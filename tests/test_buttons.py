"""The button rule of docs/glossary.md (issue 19): nouns for routine actions, a verb
(〜する, 差し戻す, 取り下げる…) for consequential ones; links that look like buttons
are nouns (they only open a page), except the ones that go back (〜戻る).

Crawls every page of the demo as the public and each role sees it and collects the
text of every <button>, submit input and button-styled link; our admin actions are
held to the same rule. Forms: no placeholders that look like typed values, no (任意)
or ``*`` beside labels, no ``---------`` as the empty choice.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.test import Client

# A label ends in a verb in its plain form: する, 差し戻す, 取り下げる, 送る…
VERB_END = re.compile(r"[うくぐすずつぬぶむる]$")
# Consequential: reaches other people or the public, or cannot be undone. The
# glossary's list (「ボタンとリンクのきまり」); a label holding one of these words is
# consequential whatever else it says.
CONSEQUENTIAL_WORDS = (
    "公開",
    "差し戻",
    "差戻",
    "取り下げ",
    "取下げ",
    "承認を依頼",
    "原稿を依頼",
    "提出",
    "反映",
    "関連付け",
    "割り当て",
    "送る",
    "配信を停止",
    "登録",
    "記録",
    "消去",
    "無効化",
    "解除",
    "作り直",
    "をやめる",
)
# Routine: only the person at the screen sees the effect, and it can be undone.
ROUTINE_WORDS = (
    "保存",
    "プレビュー",
    "検索",
    "絞り込",
    "表示",
    "追加",
    "上へ",
    "下へ",
    "字下げ",
    "変換",
    "入力",
    "復元",
    "選択",
    "既読",
    "解析",
    "作成",
    "出力",
    "ログイン",
    "ログアウト",
    "読み上げ",
)
# Labels no word above decides: 削除 and 変更 are routine on a row of the form being
# edited (nothing is stored until 保存) and consequential on a stored record.
CONSEQUENTIAL_LABELS = {"削除する", "この変更を削除する", "変更する"}
ROUTINE_LABELS = {"削除"}
ROUTINE_PATTERNS = (re.compile(r"^×.+を削除$"),)  # a row of the form (editor)
LEADING_MARKS = re.compile(r"^[+×←→↑↓\s]+")
# 「保存 (Ctrl+S)」「ログアウト(ログインをやめる)」: the words in brackets at the end
# explain; the label is what stands before them.
TRAILING_NOTE = re.compile(r"\s*[((][^()()]*[))]$")


def core(label: str) -> str:
    # 「復元:(会議の題名)」: the words after the colon name the object (hidden text
    # for screen readers), the label is before it.
    text = LEADING_MARKS.sub("", re.split(r"[:：]", label.strip(), maxsplit=1)[0])
    while TRAILING_NOTE.search(text) and TRAILING_NOTE.sub("", text):
        text = TRAILING_NOTE.sub("", text)
    return text


def kind(label: str) -> str | None:
    """ "consequential", "routine" or None (not classified: add it to the glossary
    and here)."""
    text = core(label)
    if any(word in text for word in CONSEQUENTIAL_WORDS):
        return "consequential"
    if text in CONSEQUENTIAL_LABELS:
        return "consequential"
    if any(word in text for word in ROUTINE_WORDS) or text in ROUTINE_LABELS:
        return "routine"
    if any(pattern.match(label.strip()) for pattern in ROUTINE_PATTERNS):
        return "routine"
    return None


def button_problem(label: str) -> str | None:
    """What is wrong with a button's label, or None."""
    found = kind(label)
    verb = bool(VERB_END.search(core(label)))
    if found is None:
        return "not classified (docs/glossary.md: routine or consequential?)"
    if found == "consequential" and not verb:
        return "consequential: must end in 〜する (a verb)"
    if found == "routine" and verb:
        return "routine: must be a noun, not 〜する"
    return None


def link_problem(label: str) -> str | None:
    """A button-styled link opens a page: a noun, or 〜戻る back to where one was."""
    text = core(label)
    if VERB_END.search(text) and not text.endswith("戻る"):
        return "a link opens a page: a noun (or 〜戻る), not 〜する"
    return None


def test_the_rule_refuses_bare_consequential_and_verb_routine_labels():
    assert button_problem("保存する") == "routine: must be a noun, not 〜する"
    assert button_problem("公開") == "consequential: must end in 〜する (a verb)"
    assert button_problem("差戻し") == "consequential: must end in 〜する (a verb)"
    assert button_problem("絞り込む") == "routine: must be a noun, not 〜する"
    assert button_problem("削除する") is None
    assert button_problem("×項目を削除") is None
    assert button_problem("公開を取り下げる") is None
    assert button_problem("保存 (Ctrl+S)") is None
    assert button_problem("ログアウト(ログインをやめる)") is None
    assert button_problem("前回の出席者(5名)を入力") is None
    assert button_problem("何かをする") is not None  # unknown: classify it first
    assert link_problem("認証アプリを登録する") is not None
    assert link_problem("入力をやめて戻る") is None
    assert link_problem("公開ページを表示") is None


class Controls(HTMLParser):
    """Buttons, submit inputs and button-styled links with their visible text
    (ruby readings left out), links to follow, and the form fields' markings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.buttons: list[str] = []
        self.button_links: list[str] = []
        self.links: list[str] = []
        self.placeholders: list[str] = []
        self.options: list[str] = []
        self._open: tuple[str, list[str]] | None = None
        self._ruby = 0
        self._option = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag in ("rt", "rp"):
            self._ruby += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "button" or (tag == "a" and "btn" in classes):
            self._open = (tag, [])
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.buttons.append(attrs.get("value") or "")
        if tag in ("input", "textarea") and attrs.get("placeholder"):
            self.placeholders.append(attrs["placeholder"])
        self._option = tag == "option"

    def handle_endtag(self, tag):
        if tag in ("rt", "rp"):
            self._ruby -= 1
        if self._open and tag == self._open[0]:
            text = re.sub(r"\s+", " ", "".join(self._open[1])).strip()
            (self.buttons if tag == "button" else self.button_links).append(text)
            self._open = None
        if tag == "option":
            self._option = False

    def handle_data(self, data):
        if self._open and not self._ruby:
            self._open[1].append(data)
        if self._option:
            self.options.append(data.strip())


NOT_A_PAGE = re.compile(
    r"(^/data/|^/api/|\.pdf|\.csv|\.svg|\.xml|\.zip|\.txt|/download/|/files/|/feed/"
    r"|/logout/|/progress/|/attachments/)"
)


def _crawl(client: Client, starts: list[str], prefixes: tuple[str, ...], into: dict):
    seen: set[str] = set()
    queue = list(starts)
    while queue:
        path = queue.pop(0)
        if path in seen or len(seen) > 400:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code in (HTTPStatus.FOUND, HTTPStatus.MOVED_PERMANENTLY):
            queue.append(urlsplit(response["Location"]).path)
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        parser = Controls()
        parser.feed(body.decode())
        for label in parser.buttons:
            into.setdefault(("button", label), set()).add(path)
        for label in parser.button_links:
            into.setdefault(("link", label), set()).add(path)
        for text in parser.placeholders:
            into.setdefault(("placeholder", text), set()).add(path)
        for text in parser.options:
            if text.startswith("---") or "任意" in text:
                into.setdefault(("option", text), set()).add(path)
        for href in parser.links:
            parts = urlsplit(href)
            if (
                not parts.netloc
                and parts.path.startswith(prefixes)
                and not NOT_A_PAGE.search(parts.path)
            ):
                queue.append(parts.path)
    return seen


@pytest.fixture
def demo(shared_demo, db):
    """The demo, loaded once for all tests on it (``shared_demo``); what a test
    writes is undone."""


@pytest.mark.django_db
def test_every_button_of_the_demo_follows_the_rule(demo, settings):
    from django.contrib.auth import get_user_model

    settings.DEBUG = False
    found: dict[tuple[str, str], set[str]] = {}
    pages = _crawl(
        Client(),
        ["/", "/search/?q=停電", "/incidents/", "/accounts/login/", "/mail/"],
        ("/",),
        found,
    )
    assert len(pages) > 8
    users = get_user_model().objects
    # An unread notification with a page to open: its buttons are judged too (the
    # demo's own notifications wait for the commit that a test never makes).
    from crisis_meetings.notifications.models import Event
    from crisis_meetings.notifications.services import notify

    notify(
        recipients=[users.get(username="editor")],
        event=Event.MEETING_PUBLISHED,
        key="test-buttons",
        title="公開:会議",
        url="/staff/",
    )
    for username in ["editor", "approver", "admin", "iryo"]:
        client = Client()
        client.force_login(users.get(username=username))
        pages = _crawl(
            client,
            ["/staff/", "/staff/notifications/", "/accounts/security/"],
            ("/staff/", "/accounts/"),
            found,
        )
        assert len(pages) > 5, username
    labels = {label for what, label in found if what == "button"}
    # The crawl met the consequential steps and the routine ones it must judge.
    for expected in [
        "承認を依頼する",
        "公開を取り下げる",
        "下書きに差し戻す",
        "削除する",
        "提出する",
        "保存",
        "検索",
        "×項目を削除",
        "既読に変更",
        "表示",
    ]:
        assert expected in labels, expected
    assert any(label.endswith("を公開する") for label in labels)
    wrong = {}
    for (what, label), where in sorted(found.items()):
        if what == "button":
            problem = button_problem(label)
        elif what == "link":
            problem = link_problem(label)
        elif what == "placeholder":
            problem = "a placeholder looks like a typed value: write a hint under it"
        else:
            problem = "the empty choice is 「(選択してください)」"
        if problem:
            wrong[f"{what} 「{label}」"] = f"{problem} {sorted(where)[:2]}"
    assert wrong == {}


def test_our_admin_actions_follow_the_rule():
    from django.contrib import admin

    ours = ("meetings", "incidents", "crisis_meetings")
    actions = {}
    for model_admin in admin.site._registry.values():
        for action in model_admin.actions or ():
            function = (
                getattr(model_admin, action, None)
                if isinstance(action, str)
                else action
            )
            if function is not None and function.__module__.startswith(ours):
                actions[function.__qualname__] = function.short_description
    assert len(actions) >= 3
    wrong = {name: (label, button_problem(label)) for name, label in actions.items()}
    assert {name: v for name, v in wrong.items() if v[1]} == {}
