"""Drive the staff editor to enter the 2022-06-20 seed meeting, as a person would.

Shared by the browser test and ``bench/bench_entry.py``. With JavaScript on, bullets
are typed one after another with Enter (the keyboard path); with it off, every
structural change is a button that posts the form (the no-JavaScript path).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from meetings import demo_data

SEED = demo_data.SEED
MATERIAL_LABEL = SEED["material_label"]


def login(page, base_url: str, username: str, password: str) -> None:
    """Password, then (approvers, admins) the 確認コード step or first enrolment."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/|/accounts/otp/"))
    if "/accounts/otp/setup/" in page.url:
        secret = "".join(page.locator(".otp-secret").inner_text().split())
        page.fill("#id_token", totp_now(secret))
        page.click(".otp-setup-form button[type=submit]")
        page.wait_for_selector(".backup-codes")
        page.get_by_role("link", name="控えました。続ける").click()
    elif "/accounts/otp/" in page.url:
        page.fill("#id_token", new_backup_code(username))
        page.click("form[action$='/accounts/otp/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/"))


def totp_now(base32_secret: str) -> str:
    import base64

    from django_otp.oath import totp

    return f"{totp(base64.b32decode(base32_secret)):06d}"


def new_backup_code(username: str) -> str:
    """A fresh backup code for the user, as an admin would hand out (each works once;
    a TOTP code could not be reused within its 30 seconds)."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    user = get_user_model().objects.get(username=username)
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="バックアップコード", defaults={"confirmed": True}
    )
    code = StaticToken.random_token()
    device.token_set.create(token=code)
    return code


def logout(page, base_url: str) -> None:
    page.goto(f"{base_url}/staff/")
    with page.expect_navigation():
        page.click("form[action$='/accounts/logout/'] button")


def _click(page, locator, *, js: bool) -> None:
    """Click a row button; without JavaScript it posts the form and reloads."""
    if js:
        locator.click()
        return
    with page.expect_navigation():
        locator.click()


def _last(page, selector: str):
    return page.locator(selector).last


def enter_seed_meeting(
    page, base_url: str, *, pdf_path: Path, js: bool = True
) -> float:
    """From the dashboard to the preview of the saved seed meeting.

    Returns the seconds from pressing 保存してプレビュー to the preview shown.
    """
    page.goto(f"{base_url}/staff/")
    page.get_by_role("link", name=SEED["meeting_type"], exact=True).click()
    page.wait_for_selector("#meeting-editor")

    page.fill("#id_held_on", SEED["held_on"])
    page.fill("#id_start_time", SEED["start_time"])
    page.fill("#id_end_time", SEED["end_time"])
    page.fill("#id_location", SEED["location"])
    page.fill("#id_published_on", SEED["published_on"])

    # Attendees: pasted as one list, the tail and the total included.
    tail = f"{SEED['attendee_tail']}計{SEED['attendee_total']}名"
    page.fill("#id_paste_attendees", ",".join([*SEED["attendees"], tail]))
    _click(page, page.locator("button[value='paste:attendees']"), js=js)

    page.fill("#agenda-list [name$='-text']", SEED["agenda"][0])

    for number, section in enumerate(SEED["sections"]):
        if number:
            add = "add:s:directive" if section["kind"] == "directive" else "add:s:"
            _click(page, page.locator(f"button[value='{add}']"), js=js)
        row = _last(page, "#section-list > [data-row=s]")
        _fill_section(page, row, section, js=js)

    upload = _last(page, "#upload-list > [data-row=n]")
    upload.locator("input[type=file]").set_input_files(str(pdf_path))
    upload.locator("input[name$='-label']").fill(MATERIAL_LABEL)

    page.fill("#id_contact_section", SEED["contact"]["name"])
    page.fill("#id_contact_phone", SEED["contact"]["phone"])
    started = time.perf_counter()
    with page.expect_navigation():
        page.click("#save-preview-button")
    page.wait_for_selector(".kk-draft-mark")
    return time.perf_counter() - started


def _fill_section(page, row, section: dict[str, Any], *, js: bool) -> None:
    row.locator("select[name$='-kind']").select_option(section["kind"])
    row.locator("input[name$='-speaker']").fill(section["speaker"])
    row.locator("input[name$='-recipients']").fill(section.get("recipients") or "")
    row.locator("select[name$='-group']").select_option(section["group"])
    key = row.get_attribute("data-key")
    for index, item in enumerate(section["items"]):
        assert not item["children"], "the seed has no nested items"
        section_row = page.locator(f"[data-row=s][data-key='{key}']")
        if index:
            previous = section_row.locator("[data-row=i] textarea").nth(index - 1)
            if js:
                previous.press("Enter")  # the keyboard path: a new bullet below
            else:
                _click(
                    page,
                    section_row.locator("[data-row=i] button[value^='add:i:']").nth(
                        index - 1
                    ),
                    js=js,
                )
        area = section_row.locator("[data-row=i] textarea").nth(index)
        area.fill(item["text"])
