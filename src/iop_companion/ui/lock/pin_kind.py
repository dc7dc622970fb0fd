"""Digits or a passphrase: which keyboard a PIN field opens with.

A phone's number pad cannot type letters, so a person who chose a passphrase needs the
full keyboard wherever the PIN is asked. Which kind they chose is remembered in the
plain preferences file (it says nothing a lock screen with a number pad would not);
every PIN screen also has the switch, in case that file is lost.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.services.container import AppServices
from iop_companion.ui import kit
from iop_companion.ui.theme import MIN_TOUCH

PIN_KIND_PREFERENCE = "pin_kind"
PASSPHRASE = "passphrase"
DIGITS = "digits"


def use_pin_kind(services: AppServices) -> tuple[bool, Callable[[bool], None]]:
    """(typing a passphrase?, choose) for one screen, starting from the remembered kind."""
    passphrase, set_passphrase = ft.use_state(
        lambda: services.preferences.get(PIN_KIND_PREFERENCE) == PASSPHRASE)
    return passphrase, set_passphrase


def remember_pin_kind(services: AppServices, passphrase: bool) -> None:
    """Note which kind the new PIN is, once it is saved."""
    services.preferences.set(PIN_KIND_PREFERENCE, PASSPHRASE if passphrase else DIGITS)


def passphrase_switch(t: Callable[..., str], on: bool,
                      choose: Callable[[bool], None]) -> ft.Control:
    """"Use a passphrase instead": letters and spaces instead of the number pad."""
    return ft.Container(
        height=MIN_TOUCH,
        alignment=ft.Alignment.CENTER_LEFT,
        content=ft.Switch(label=t("pin_screens.use_passphrase"), value=on,
                          on_change=kit.tracked(lambda: choose(not on))),
    )
