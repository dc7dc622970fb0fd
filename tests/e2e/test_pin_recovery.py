"""The PIN's safety nets in a real browser: the recovery code shown once at set-up,
"Forgot PIN?" setting a new PIN without losing anything, wrong codes refused like
wrong PINs, a new code and the wipe option from Settings, and the wipe itself."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iop_companion.store import Vault
from iop_companion.store.attempts import delay_after
from iop_companion.store.crypto import DEFAULT_KDF, DataKeys, PinWrapper, b64e
from tests.e2e.conftest import RunningApp
from tests.e2e.driver import (
    button,
    field,
    fill,
    open_app,
    recovery_code_on_screen,
    reveal,
    shot,
    tab,
    text,
)

PIN = "482913"
NEW_PIN = "739184"
WRONG_PIN = "135924"
CODE_SHAPE = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){4}$")


def set_up_and_keep_the_code(page: Page) -> str:
    """First run without a clinic, reading the recovery code off its screen."""
    button(page, "I'm in a program").click()
    fill(page, "New PIN", PIN)
    fill(page, "Type the PIN again", PIN)
    button(page, "Save PIN").click()
    expect(text(page, "Write this code down on paper now.")).to_be_visible()
    code = recovery_code_on_screen(page)
    reveal(page, button(page, "I wrote it down")).click()
    reveal(page, button(page, "Continue without a clinic")).click()
    expect(tab(page, "Today")).to_be_visible()
    return code


def check_in_with_note(page: Page, note: str) -> None:
    button(page, "Check in").click()
    fill(page, "Hours of sleep last night", "8")
    reveal(page, button(page, "Sleep: Well")).click()
    reveal(page, button(page, "Medicines: I don't take any")).click()
    reveal(page, button(page, "Use since last check-in: No")).click()
    reveal(page, button(page, "Thoughts of self-harm: No")).click()
    fill(page, "Anything else on your mind? (optional)", note)
    reveal(page, button(page, "Save check-in")).click()
    expect(text(page, "You checked in at")).to_be_visible()


def lock_now(page: Page) -> None:
    button(page, "Settings").click()
    reveal(page, button(page, "Lock now")).click()
    expect(button(page, "Unlock")).to_be_visible()


def test_set_up_shows_the_recovery_code_once_then_carries_on(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    button(page, "I'm in a program").click()
    expect(text(page, "Use 6 to 12 digits")).to_be_visible()
    expect(page.get_by_role("switch", name="Use a passphrase instead")).to_be_visible()
    # A short PIN and a common one are refused before anything is made.
    fill(page, "New PIN", "2468")
    fill(page, "Type the PIN again", "2468")
    button(page, "Save PIN").click()
    expect(text(page, "Use at least 6 digits.")).to_be_visible()
    fill(page, "New PIN", "123456")
    fill(page, "Type the PIN again", "123456")
    button(page, "Save PIN").click()
    expect(text(page, "Avoid digits or letters in a row")).to_be_visible()
    expect(text(page, "Your recovery code")).to_have_count(0)
    shot(page, screenshots, "pin-1-set-up-refused")

    fill(page, "New PIN", PIN)
    fill(page, "Type the PIN again", PIN)
    button(page, "Save PIN").click()
    expect(text(page, "Write this code down on paper now.")).to_be_visible()
    code = recovery_code_on_screen(page)
    assert CODE_SHAPE.match(code), code
    expect(text(page, "We cannot show this code again")).to_be_visible()
    shot(page, screenshots, "pin-2-recovery-code")
    # Crisis help is one tap away here too, and coming back shows the same code.
    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()
    button(page, "Back").click()
    assert recovery_code_on_screen(page) == code

    reveal(page, button(page, "I wrote it down")).click()
    # Onboarding carries on as before: the clinic's code comes next.
    expect(field(page, "Enrolment code")).to_be_visible()
    fill(page, "Enrolment code", demo_app.enrolment_code)
    button(page, "Connect").click()
    expect(tab(page, "Today")).to_be_visible(timeout=60_000)


def test_a_passphrase_can_be_chosen_and_opens_the_app(page: Page, demo_app: RunningApp,
                                                       screenshots: Path) -> None:
    passphrase = "green kite over the river"
    open_app(page, demo_app.url)
    button(page, "I'm in a program").click()
    page.get_by_role("switch", name="Use a passphrase instead").click()
    expect(text(page, "Use at least 10 characters")).to_be_visible()
    fill(page, "New PIN", passphrase)
    fill(page, "Type the PIN again", passphrase)
    shot(page, screenshots, "pin-3-passphrase")
    button(page, "Save PIN").click()
    reveal(page, button(page, "I wrote it down")).click()
    reveal(page, button(page, "Continue without a clinic")).click()
    expect(tab(page, "Today")).to_be_visible()
    lock_now(page)
    fill(page, "PIN", passphrase)
    button(page, "Unlock").click()
    expect(tab(page, "Today")).to_be_visible()


def test_forgot_pin_sets_a_new_pin_with_the_recovery_code_and_keeps_the_data(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    code = set_up_and_keep_the_code(page)
    check_in_with_note(page, "Walked by the lake before group")
    lock_now(page)

    button(page, "Forgot PIN?").click()
    expect(field(page, "Recovery code")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "pin-4-forgot")
    # Typed as a person might: small letters, spaces instead of dashes.
    fill(page, "Recovery code", code.replace("-", " ").lower())
    fill(page, "New PIN", NEW_PIN)
    fill(page, "Type the PIN again", NEW_PIN)
    reveal(page, button(page, "Set new PIN")).click()

    # In, with a new recovery code shown once on the same screen as at set-up.
    expect(text(page, "Your old recovery code no longer works.")).to_be_visible()
    new_code = recovery_code_on_screen(page)
    assert CODE_SHAPE.match(new_code) and new_code != code
    shot(page, screenshots, "pin-5-new-code-after-forgot")
    reveal(page, button(page, "I wrote it down")).click()
    expect(tab(page, "Today")).to_be_visible()
    tab(page, "Journal").click()
    expect(text(page, "Walked by the lake before group")).to_be_visible()

    # The new PIN opens the app; the old one no longer does, nor does the old code.
    lock_now(page)
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    expect(text(page, "That PIN didn't match")).to_be_visible()
    fill(page, "PIN", NEW_PIN)
    button(page, "Unlock").click()
    expect(tab(page, "Today")).to_be_visible()


def test_a_wrong_recovery_code_is_refused_like_a_wrong_pin(page: Page, demo_app: RunningApp,
                                                          screenshots: Path) -> None:
    open_app(page, demo_app.url)
    code = set_up_and_keep_the_code(page)
    lock_now(page)
    button(page, "Forgot PIN?").click()
    button(page, "Get help now").click()
    expect(button(page, "Call 988")).to_be_visible()
    button(page, "Back").click()
    wrong = ("ABCD" if not code.startswith("ABCD") else "WXYZ") + code[4:]
    fill(page, "Recovery code", wrong)
    fill(page, "New PIN", NEW_PIN)
    fill(page, "Type the PIN again", NEW_PIN)
    reveal(page, button(page, "Set new PIN")).click()
    expect(text(page, "That recovery code didn't match")).to_be_visible()
    expect(text(page, "tries left")).to_be_visible()
    shot(page, screenshots, "pin-6-wrong-code")
    expect(tab(page, "Today")).to_have_count(0)

    # Nothing changed: back on the lock screen, the old PIN still opens the app.
    reveal(page, button(page, "Back to the PIN")).click()
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    expect(tab(page, "Today")).to_be_visible()


def test_settings_changes_the_pin_and_makes_a_new_recovery_code(
        page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    first_code = set_up_and_keep_the_code(page)
    button(page, "Settings").click()
    expect(reveal(page, text(page, "PIN and security"))).to_be_visible()

    fill(page, "Current PIN", PIN)
    fill(page, "New PIN", NEW_PIN)
    fill(page, "Type the PIN again", NEW_PIN)
    reveal(page, button(page, "Change PIN")).click()
    expect(text(page, "Your PIN is changed.")).to_be_visible()

    fill(page, "Your PIN", PIN)  # the old PIN no longer works
    reveal(page, button(page, "Make a new recovery code")).click()
    expect(reveal(page, text(page, "didn't match"))).to_be_visible()
    fill(page, "Your PIN", NEW_PIN)
    reveal(page, button(page, "Make a new recovery code")).click()
    expect(reveal(page, text(page, "Your old recovery code no longer works."))).to_be_visible()
    new_code = recovery_code_on_screen(page)
    assert CODE_SHAPE.match(new_code) and new_code != first_code
    shot(page, screenshots, "pin-7-settings-new-code")
    reveal(page, button(page, "I wrote it down")).click()
    expect(button(page, "Make a new recovery code")).to_be_visible()

    # The new code is the one that works at "Forgot PIN?".
    reveal(page, button(page, "Lock now")).click()
    button(page, "Forgot PIN?").click()
    fill(page, "Recovery code", new_code)
    fill(page, "New PIN", PIN)
    fill(page, "Type the PIN again", PIN)
    reveal(page, button(page, "Set new PIN")).click()
    reveal(page, button(page, "I wrote it down")).click()
    expect(tab(page, "Today")).to_be_visible()


def test_ten_wrong_pins_erase_the_data_when_chosen(page: Page, demo_app: RunningApp,
                                                  screenshots: Path) -> None:
    open_app(page, demo_app.url)
    set_up_and_keep_the_code(page)
    check_in_with_note(page, "A note that will be erased")
    button(page, "Settings").click()
    expect(reveal(page, text(page, "Entries not yet sent to your clinic are lost too"))
           ).to_be_visible()
    reveal(page, button(page, "Erase my data after too many wrong PINs: 10")).click()
    expect(text(page, "The app will erase your data after 10 wrong PINs in a row.")
           ).to_be_visible()
    shot(page, screenshots, "pin-8-settings-wipe")
    reveal(page, button(page, "Lock now")).click()
    expect(text(page, "after 10 wrong PINs in a row")).to_be_visible()

    for failed in range(1, 10):
        fill(page, "PIN", WRONG_PIN)
        button(page, "Unlock").click()
        expect(text(page, "That PIN didn't match")).to_be_visible()
        left = 10 - failed
        expect(text(page, f"{left} {'try' if left == 1 else 'tries'} left")).to_be_visible()
        # The waits after wrong PINs are real; wait them out as a person would.
        page.wait_for_timeout(int(delay_after(failed) * 1000) + 600)
    shot(page, screenshots, "pin-9-one-try-left")
    fill(page, "PIN", WRONG_PIN)
    button(page, "Unlock").click()

    expect(text(page, "The app's data was erased")).to_be_visible()
    expect(button(page, "I'm in a program")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "pin-10-erased")
    # Nothing is left to unlock: a new visit starts from the beginning.
    open_app(page, demo_app.url)
    expect(button(page, "I'm in a program")).to_be_visible()
    expect(button(page, "Unlock")).to_have_count(0)


def install_with_an_old_short_pin(store_dir: Path, pin: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The key file as versions before the 6-digit rule wrote it (format 1, no recovery
    code), opened by `pin` whatever its length."""
    captured: dict[str, bytes] = {}
    real_generate = DataKeys.generate

    def generate() -> tuple[DataKeys, bytes]:
        keys, data_key = real_generate()
        captured["data_key"] = data_key
        return keys, data_key

    monkeypatch.setattr(DataKeys, "generate", staticmethod(generate))
    Vault(store_dir).create(PIN).lock()
    monkeypatch.setattr(DataKeys, "generate", staticmethod(real_generate))
    key_path = store_dir / "vault" / "key.json"
    install_id = json.loads(key_path.read_text())["install_id"]
    salt = os.urandom(16)
    wrapped = PinWrapper(pin, salt, DEFAULT_KDF).wrap(
        captured["data_key"], b"iop-companion/key/v1|" + bytes.fromhex(install_id))
    key_path.write_text(json.dumps({
        "format": 1, "install_id": install_id, "kdf": DEFAULT_KDF.to_json(salt),
        "wrapped_key": b64e(wrapped), "layers": ["pin"],
    }))


def test_an_old_short_pin_opens_the_app_which_asks_once_per_unlock_for_a_stronger_one(
        page: Page, demo_app: RunningApp, screenshots: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    old_pin = "2468"
    install_with_an_old_short_pin(tmp_path / "data" / "store", old_pin, monkeypatch)
    open_app(page, demo_app.url)
    # Set up before recovery codes: "Forgot PIN?" says so plainly.
    button(page, "Forgot PIN?").click()
    expect(text(page, "This phone has no recovery code")).to_be_visible()
    expect(button(page, "Get help now")).to_be_visible()
    shot(page, screenshots, "pin-11-forgot-without-a-code")
    button(page, "Back to the PIN").click()

    fill(page, "PIN", old_pin)
    button(page, "Unlock").click()
    expect(text(page, "Choose a stronger PIN")).to_be_visible()
    shot(page, screenshots, "pin-12-upgrade")
    reveal(page, button(page, "Not now")).click()
    expect(tab(page, "Today")).to_be_visible()

    # Asked again at the next unlock; this time the new PIN is chosen.
    lock_now(page)
    fill(page, "PIN", old_pin)
    button(page, "Unlock").click()
    expect(text(page, "Choose a stronger PIN")).to_be_visible()
    fill(page, "Current PIN", old_pin)
    fill(page, "New PIN", PIN)
    fill(page, "Type the PIN again", PIN)
    reveal(page, button(page, "Save my new PIN")).click()
    expect(tab(page, "Today")).to_be_visible()

    # The new PIN opens the app straight to Today; the old one no longer does.
    lock_now(page)
    fill(page, "PIN", old_pin)
    button(page, "Unlock").click()
    expect(text(page, "That PIN didn't match")).to_be_visible()
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    expect(tab(page, "Today")).to_be_visible()
    expect(text(page, "Choose a stronger PIN")).to_have_count(0)
