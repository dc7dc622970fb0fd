"""Driving the Flutter web client through its accessibility tree, as a screen reader would."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page

CHROMIUM_PATH = "/usr/bin/chromium"
# --disable-dev-shm-usage: in a container /dev/shm may be 64 MB, and a renderer that
# runs out of it can hang instead of failing (a suspect for one CI run that stalled).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000
# Playwright's 5 s default for `expect` is tight for a Flutter app on a busy 2-core CI
# machine; a screen that never appears still fails, just later.
EXPECT_TIMEOUT_MS = 15_000


def open_app(page: Page, url: str) -> None:
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=TIMEOUT_MS)
    # Flutter builds its semantics tree only when asked; this is what a screen reader does.
    page.evaluate("document.querySelector('flt-semantics-placeholder').click()")


def button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def tab(page: Page, name: str) -> Locator:
    return page.get_by_role("tab", name=name, exact=True)


def field(page: Page, name: str) -> Locator:
    return page.get_by_role("textbox", name=name, exact=True)


def reveal(page: Page, target: Locator, *, max_scrolls: int = 10) -> Locator:
    """Scroll the screen the way a person would (mouse wheel) until `target` shows.

    Flutter leaves off-screen parts of a scrolling list out of the accessibility
    tree, so a control below (or above) the fold cannot be found until it is
    scrolled to. Looks downwards first, then upwards.
    """
    for direction in (300, -300):
        for _ in range(max_scrolls):
            if target.count() and target.first.is_visible():
                return target.first
            # The left margin: over a text field the wheel would scroll the field instead.
            page.mouse.move(6, 500)
            page.mouse.wheel(0, direction)
            page.wait_for_timeout(250)
    return target.first


def wait_until_still(page: Page, target: Locator, *, tries: int = 20) -> None:
    """Wait until `target` stops moving: focusing a field makes Flutter scroll it into
    view, and a tap aimed at where a field was lands on its neighbour."""
    last = None
    for _ in range(tries):
        box = target.bounding_box()
        if box is not None and box == last:
            return
        last = box
        page.wait_for_timeout(120)


def tap_until(page: Page, target: Locator, shows: Locator, *, tries: int = 3) -> None:
    """Tap `target` until `shows` appears. A tap that lands while the screen is being
    drawn again (after a save, an undo, a search) reaches nothing; a person would tap
    again, and so does this. Only for taps that are safe to repeat."""
    for _ in range(tries):
        reveal(page, target).click()
        for _ in range(25):  # about 5 s
            if shows.count() and shows.first.is_visible():
                return
            page.wait_for_timeout(200)
        if not target.count():
            break  # the tap worked and the screen moved on: look for `shows` below
    reveal(page, shows).wait_for(state="visible", timeout=10000)


def fill(page: Page, name: str, value: str) -> None:
    """Type into a field as a person does: tap it, wait for the cursor, type keys.

    Flutter starts editing a field only once its own focus has settled on it; text
    set programmatically before that never reaches the app. Real key presses into
    the focused field do, so tap, wait until the field is the focused element,
    clear it, type, and check the field shows what was typed.
    """
    target = reveal(page, field(page, name))
    for _ in range(3):
        wait_until_still(page, target)
        # A click event on the field's own accessibility node (what a screen reader
        # sends), not a tap at screen coordinates: those can land on a neighbour while
        # Flutter is still scrolling the list.
        _focus(page, target)
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        page.keyboard.type(value, delay=15)
        page.wait_for_timeout(150)
        if target.input_value() == value:
            # Done typing, as a person taps away from a field. A field left focused
            # loses its text in Flutter's web accessibility mode when scrolling takes
            # its DOM node away (a Flutter web issue), and pulls the list back to itself.
            target.evaluate("e => e.blur()")
            page.wait_for_timeout(150)
            return
    raise AssertionError(f"the field {name!r} did not keep the text typed into it")


def focused_field(page: Page, name: str) -> Locator:
    """The field, focused as a person would tap it before reading it back.

    Flutter's web accessibility layer copies a field's text into the DOM only while the
    field has focus; a value the app put there (a restored draft) shows on screen but
    reads as empty until then.
    """
    target = reveal(page, field(page, name))
    wait_until_still(page, target)
    _focus(page, target)
    return target


def _focus(page: Page, target: Locator) -> None:
    """A click event on the field's own accessibility node (what a screen reader sends),
    then wait until the browser's focus is really on it."""
    target.dispatch_event("click")
    for _ in range(30):
        if target.evaluate("e => document.activeElement === e"):
            return
        page.wait_for_timeout(100)


def text(page: Page, content: str) -> Locator:
    """Text on screen; Flutter puts a card's text in its node's label, so look there too."""
    return page.get_by_text(content).or_(page.get_by_label(content)).first


def shot(page: Page, folder: Path, name: str) -> None:
    page.wait_for_timeout(400)  # let the last frame paint
    page.screenshot(path=str(folder / f"{name}.png"))


# How the recovery code screen names the code for a screen reader (groups of 4).
RECOVERY_CODE_SPOKEN = re.compile(r"Recovery code: ((?:[A-Z0-9]{4} - )+[A-Z0-9]{4})")


def recovery_code_on_screen(page: Page) -> str:
    """The recovery code the screen shows (XXXX-XXXX-...), read as a screen reader hears it."""
    code = reveal(page, page.get_by_text(RECOVERY_CODE_SPOKEN)
                  .or_(page.get_by_label(RECOVERY_CODE_SPOKEN)))
    code.wait_for()
    spoken = code.text_content() or code.get_attribute("aria-label") or ""
    match = RECOVERY_CODE_SPOKEN.search(spoken)
    assert match, f"no recovery code in {spoken!r}"
    return match.group(1).replace(" - ", "-")


def complete_first_run(page: Page, pin: str, enrolment_code: str | None) -> None:
    """Welcome -> participant -> PIN -> recovery code -> clinic (or skip) -> Today."""
    button(page, "I'm in a program").click()
    fill(page, "New PIN", pin)
    fill(page, "Type the PIN again", pin)
    button(page, "Save PIN").click()
    reveal(page, button(page, "I wrote it down")).click()
    field(page, "Enrolment code").wait_for()
    if enrolment_code is None:
        button(page, "Continue without a clinic").click()
    else:
        fill(page, "Enrolment code", enrolment_code)
        button(page, "Connect").click()
    # Enrolment talks to the clinic and fetches the schedule: allow it a generous minute.
    tab(page, "Today").wait_for(timeout=60_000)


def _set_page_hidden(page: Page, hidden: bool) -> None:
    page.evaluate("""hidden => {
        const state = hidden ? 'hidden' : 'visible';
        Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
        Object.defineProperty(document, 'hidden', {value: hidden, configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""", hidden)
    page.wait_for_timeout(800)


def leave_app(page: Page) -> None:
    """What the browser does when the person switches away (as a call from the app
    does on a phone): the page becomes hidden, and Flet reports HIDE to the app."""
    _set_page_hidden(page, True)


def return_to_app(page: Page) -> None:
    _set_page_hidden(page, False)
