"""Settings > My data: save a copy of everything I wrote, or remove it all from this device.

"Remove everything" asks for the PIN first (so whoever picks up an unlocked phone cannot
wipe it), says how many entries have not reached the clinic, and offers to save a copy
first. Its two buttons are full-width, at least 48 px tall, stacked with 48 px between
them, so the destructive one is never a slip of the finger away from Cancel.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from iop_companion.services.my_data import entries_not_sent, export_file, remove_everything
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.lock.pin_kind import passphrase_switch, use_pin_kind
from iop_companion.ui.theme import MIN_TOUCH

# Space between Cancel and "Remove everything" (at least one touch target).
BUTTON_GAP = MIN_TOUCH


def use_save_copy(*, announce: bool = True) -> Callable[[str], Awaitable[str | None]]:
    """`save(kind)`: the export, through the system's save dialog; the file's name when
    it was saved (or handed to the browser), else None. A failure is always shown at
    the bottom of the screen; a success only when `announce` (a dialog says it inline,
    where a message at the bottom would cover its buttons)."""
    services = use_services()
    navigator = use_navigator()
    page = ft.context.page
    t = services.t

    async def save(kind: str) -> str | None:
        store = services.account.store
        if store is None:
            return None
        exported = export_file(store, kind, services.clock())
        try:
            saved = await ft.FilePicker().save_file(
                dialog_title=t("settings.data.save_title"), file_name=exported.file_name,
                src_bytes=exported.content)
        except Exception:  # noqa: BLE001 - the platform dialog failed; say so plainly
            navigator.notify(t("settings.data.save_failed"))
            return None
        if saved is not None or page.web:
            if announce:
                navigator.notify(t("settings.data.saved", name=exported.file_name))
            return exported.file_name
        return None  # the person closed the dialog without saving

    return save


@ft.component
def RemoveEverythingDialog(open_: bool, close: Callable[[], None],
                           removed: Callable[[], None]) -> ft.Control:
    """The confirmation, as a dialog portalled over the screen while `open_`."""
    services = use_services()
    navigator = use_navigator()
    t = services.t
    pin = kit.use_text()
    problem, set_problem = ft.use_state(None)
    copy_saved, set_copy_saved = ft.use_state(None)
    _, set_tries = ft.use_state(0)
    passphrase, set_passphrase = use_pin_kind(services)
    save_copy = use_save_copy(announce=False)
    participant = services.role != "family"

    def cancel() -> None:
        pin.current = ""
        set_problem(None)
        set_copy_saved(None)
        close()

    def remove() -> None:
        outcome = remove_everything(services.account, services.preferences, pin.current,
                                    forms_in_memory=services.unsaved_forms)
        pin.current = ""  # never keep a PIN around longer than needed
        set_tries(lambda n: n + 1)  # re-render so the field clears
        if not outcome.removed:
            set_problem(t(outcome.message_key or "lock.error.wrong_pin"))
            return
        set_problem(None)
        close()
        if outcome.message_key:  # the wipe the person chose erased everything first
            navigator.notify(t(outcome.message_key))
        removed()

    async def save_first() -> None:
        name = await save_copy("html")
        if name:
            set_copy_saved(t("settings.data.saved", name=name))

    about_data: list[ft.Control] = []
    if participant:  # a family member's phone holds none of the participant's data
        unsent = entries_not_sent(services.account.store) if open_ else 0
        warning = (t("settings.data.remove_unsynced", count=unsent) if unsent
                   else t("settings.data.remove_all_synced"))
        about_data = [
            ft.Text(warning, size=15, weight=ft.FontWeight.W_600),
            kit.body(t("my_data.remove.copy_explain")),
            kit.secondary_button(t("my_data.remove.copy"), save_first, ft.Icons.DOWNLOAD),
            kit.message(copy_saved, error=False),
        ]
    body = (t("settings.data.remove_body") if participant
            else t("my_data.remove.family_body"))
    buttons = ft.Column(
        [
            ft.OutlinedButton(t("common.cancel"), on_click=kit.tracked(cancel),
                              height=MIN_TOUCH),
            ft.Container(height=BUTTON_GAP),
            ft.FilledButton(t("settings.data.remove_confirm"), icon=ft.Icons.DELETE_FOREVER,
                            on_click=kit.tracked(remove), height=MIN_TOUCH,
                            style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR,
                                                 color=ft.Colors.ON_ERROR)),
        ],
        spacing=0, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    ft.use_dialog(ft.AlertDialog(
        modal=True,
        scrollable=True,  # as tall as its content; scrolls on a small screen
        title=ft.Text(t("settings.data.remove_title")),
        content=ft.Column(
            [
                kit.body(body),
                *about_data,
                kit.body(t("my_data.remove.pin_explain")),
                kit.text_field(t("my_data.remove.pin"), pin, password=True,
                               numeric=not passphrase, error=problem, on_submit=remove),
                passphrase_switch(t, passphrase, set_passphrase),
                ft.Container(height=8),
                buttons,
            ],
            spacing=12, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
    ) if open_ else None)
    return ft.Container(height=0)


@ft.component
def MyDataCard(on_removed: Callable[[], None]) -> ft.Control:
    services = use_services()
    t = services.t
    removing, set_removing = ft.use_state(False)
    save_copy = use_save_copy()

    async def save_json() -> None:
        await save_copy("json")

    async def save_html() -> None:
        await save_copy("html")

    exports: list[ft.Control] = []
    if services.role != "family":  # a family member's phone holds none of the participant's data
        exports = [
            kit.body(t("settings.data.explain")),
            kit.secondary_button(t("settings.data.save_readable"), save_html,
                                 ft.Icons.DESCRIPTION),
            kit.secondary_button(t("settings.data.save_json"), save_json, ft.Icons.DATA_OBJECT),
            kit.body(t("settings.data.notice"), muted=True, size=13),
        ]
    return kit.card(
        kit.subheading(t("settings.data.title")),
        *exports,
        kit.secondary_button(t("settings.data.remove"), lambda: set_removing(True),
                             ft.Icons.DELETE_FOREVER_OUTLINED),
        RemoveEverythingDialog(removing, lambda: set_removing(False), on_removed),
    )
