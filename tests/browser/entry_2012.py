"""Enter the 2012 page (危機管理会議, 年末年始の危機事象対応) by keyboard alone (issue 14).

Shared by ``tests/browser/test_entry_2012.py`` and ``bench/bench_entry.py``. Every
field is reached with Tab (the count is what a person who knows the page presses),
text goes in as one insertion per field (what a paste or an IME commit does), and
structure comes from keys: Enter for the next bullet, Alt+Shift+→ to nest. Without
JavaScript the row buttons are pressed with Enter (each posts the form).

The page itself is ``tests/fixtures/entry_2012-12-26_kiki-kanri-kaigi.txt`` (outside
pages/: the importer reads ● headings only after issue 14 point 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PAGE = (
    Path(__file__).resolve().parent.parent
    / "fixtures/entry_2012-12-26_kiki-kanri-kaigi.txt"
)
MEETING_TYPE_SLUG = "kiki-kanri-kaigi"

HEADER = {
    "held_on": "平成24年12月26日(水)",
    "start_time": "1715",
    "end_time": "1740",
    "location": "県庁10階 大会議室",
    "published_on": "2012-12-26",
    "attendees": "知事、副知事、政策監、危機管理部長、県土整備部長、"
    "警察本部長ほか 計21名",
    "agenda": "年末年始の危機事象対応について",
}

# Each section: the heading as written (● …), then items as (depth, marker, text).
SECTIONS: list[dict] = [
    {
        "heading": "●放射性物質の拡散予測について",
        "speaker": "危機管理部",
        "items": [
            (0, "(1)", "原子力規制委員会が公表した拡散シミュレーションの概要"),
            (
                0,
                "",
                "(概要)",
            ),  # a label line: no marker (a sub-heading after h14-import)
            (1, "・", "四国電力伊方発電所での事故を想定したもの"),
            (1, "・", "本県内で基準を超える地点はなかった"),
            (1, "・", "県の地域防災計画(原子力災害対策編)に反映する"),
        ],
    },
    {
        "heading": "●年末年始の危機事象対応について",
        "speaker": "危機管理部",
        "items": [
            (0, "・", "12月29日から1月3日までの連絡体制を確認した。"),
            (0, "・", "大雪や鳥インフルエンザの発生に備え、動員体制を再確認すること。"),
        ],
    },
]


@dataclass
class Counter:
    """Page loads, keys pressed, text insertions and mouse clicks of one entry."""

    keys: int = 0
    texts: int = 0
    clicks: int = 0
    loads: list[str] = field(default_factory=list)


class Keyboard:
    """The page's keyboard, counted."""

    def __init__(self, page, counter: Counter) -> None:
        self.page = page
        self.counter = counter

    def press(self, key: str) -> None:
        self.counter.keys += 1
        self.page.keyboard.press(key)

    def text(self, value: str) -> None:
        if value:
            self.counter.texts += 1
            self.page.keyboard.insert_text(value)

    def tab_to(self, selector: str, limit: int = 600) -> None:
        """Tab (forward) until the element matching ``selector`` has the focus."""
        for _ in range(limit):
            if self.page.evaluate(
                "(s) => !!document.activeElement && document.activeElement.matches(s)",
                selector,
            ):
                return
            self.press("Tab")
        raise AssertionError(f"{selector} cannot be reached with Tab")

    def back_to(self, selector: str, limit: int = 50) -> None:
        """Shift+Tab until the element matching ``selector`` has the focus."""
        for _ in range(limit):
            if self.page.evaluate(
                "(s) => !!document.activeElement && document.activeElement.matches(s)",
                selector,
            ):
                return
            self.press("Shift+Tab")
        raise AssertionError(f"{selector} cannot be reached with Shift+Tab")

    def replace(self, selector: str, value: str, *, back: bool = False) -> None:
        if back:
            self.back_to(selector)
        else:
            self.tab_to(selector)
        self.press("Control+a")
        if value:
            self.text(value)
        else:
            self.press("Delete")

    def enter_and_wait(self) -> None:
        with self.page.expect_navigation():
            self.press("Enter")


def enter_2012_page(page, base_url: str, counter: Counter, *, js: bool = True) -> None:
    """From the dashboard to the saved preview, keyboard only."""
    keys = Keyboard(page, counter)
    page.goto(f"{base_url}/staff/")
    keys.tab_to(f"a[href$='/meetings/new/{MEETING_TYPE_SLUG}/']")
    keys.enter_and_wait()
    page.wait_for_selector("#meeting-editor")

    keys.replace("#id_held_on", HEADER["held_on"])
    keys.replace("#id_start_time", HEADER["start_time"])
    keys.replace("#id_end_time", HEADER["end_time"])
    keys.replace("#id_location", HEADER["location"])
    keys.replace("#id_published_on", HEADER["published_on"])

    keys.tab_to("#id_paste_attendees")
    keys.text(HEADER["attendees"])
    keys.tab_to("button[value='paste:attendees:replace']")
    if js:
        keys.press("Enter")
    else:
        keys.enter_and_wait()

    keys.tab_to("#agenda-list input[name$='-text']")
    keys.text(HEADER["agenda"])

    for number, section in enumerate(SECTIONS):
        if number:
            keys.tab_to("#add-s")
            if js:
                keys.press("Enter")
            else:
                keys.enter_and_wait()
        row = "#section-list > [data-row=s]:last-child"
        keys.replace(f"{row} input[name$='-speaker']", section["speaker"])
        keys.tab_to(f"{row} input[name$='-heading']")
        keys.text(section["heading"])
        _items(page, keys, row, section["items"], js=js)

    # Save and preview: Tab to the button, Enter.
    keys.tab_to("#save-preview-button")
    keys.enter_and_wait()
    page.wait_for_selector(".kk-draft-mark")


def _items(page, keys: Keyboard, row: str, items, *, js: bool) -> None:
    previous_depth = 0
    for index, (depth, marker, text) in enumerate(items):
        area = f"{row} [data-row=i]:nth-child({index + 1})"
        if index:
            if js:
                keys.press("Enter")  # the next bullet, same marker and depth
            else:
                keys.tab_to(
                    f"{row} [data-row=i]:nth-child({index}) button[value^='add:i:']"
                )
                keys.enter_and_wait()
        if js and depth > previous_depth:
            keys.press("Alt+Shift+ArrowRight")
        elif not js and depth > previous_depth:
            keys.tab_to(f"{area} button[value^='indent:i:']")
            keys.enter_and_wait()
        current_marker = page.locator(f"{area} input[name$='-marker']").input_value()
        if marker != current_marker:
            # The marker field sits just before the text: Shift+Tab back to it.
            keys.replace(f"{area} input[name$='-marker']", marker, back=bool(index))
        keys.tab_to(f"{area} textarea")
        keys.text(text)
        previous_depth = depth
