"""Browser steps for connecting an app that knows no clinic: a PIN first, then the
clinic's enrolment link (pasted, as from a message or a scanned QR code), or its
address and the code typed by hand."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.driver import _focus, button, field, fill, reveal, tab, wait_until_still

PARTICIPANT = "I'm in a program"
FAMILY_MEMBER = "I'm a family member"


def set_up_pin(page: Page, pin: str, role: str = PARTICIPANT) -> None:
    """Welcome -> role -> PIN -> recovery code, up to the clinic (or invite) screen."""
    button(page, role).click()
    fill(page, "New PIN", pin)
    fill(page, "Type the PIN again", pin)
    button(page, "Save PIN").click()
    reveal(page, button(page, "I wrote it down")).click()


def paste(page: Page, name: str, text: str) -> None:
    """Put `text` into the field in one piece, as pasting does (not key by key)."""
    target = reveal(page, field(page, name))
    for _ in range(3):
        wait_until_still(page, target)
        _focus(page, target)
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        page.keyboard.insert_text(text)
        page.wait_for_timeout(200)
        if target.input_value() == text:
            target.evaluate("e => e.blur()")
            page.wait_for_timeout(150)
            return
    raise AssertionError(f"the field {name!r} did not keep the pasted text")


def connect_with_link(page: Page, link: str) -> None:
    paste(page, "Enrolment link", link)
    button(page, "Connect").click()


def connect_by_hand(page: Page, address: str, code: str) -> None:
    if not field(page, "Clinic address").count():
        reveal(page, button(page, "Type the address and code")).click()
    fill(page, "Clinic address", address)
    fill(page, "Enrolment code", code)
    button(page, "Connect").click()


def wait_for_today(page: Page) -> None:
    # Enrolment talks to the clinic and fetches the schedule: allow it a generous minute.
    tab(page, "Today").wait_for(timeout=60_000)
