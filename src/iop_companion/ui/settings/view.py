"""Settings: the clinic link, the PIN and locking, appearance, language, my data."""

from __future__ import annotations

import flet as ft

from iop_companion.services.care_status import care_status
from iop_companion.services.clinic_link import LinkState
from iop_companion.services.my_data import export_file
from iop_companion.ui import kit
from iop_companion.ui.aftercare.view import clinic_contact_lines, discharge_note
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.settings.family_sharing import FamilySharingCard
from iop_companion.ui.settings.lock_screen_help import LockScreenHelpCard
from iop_companion.ui.settings.reminder import ReminderCard
from iop_companion.ui.settings.sync_card import SyncStatus

LANGUAGE_NAMES = {"en": "English", "es": "Español"}


@ft.component
def ChangePinForm() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    old = kit.use_text()
    new = kit.use_text()
    confirmation = kit.use_text()
    problem, set_problem = ft.use_state(None)
    saved_count, set_saved_count = ft.use_state(0)

    def save() -> None:
        error = services.account.change_pin(old.current, new.current, confirmation.current)
        old.current = new.current = confirmation.current = ""
        set_saved_count(saved_count + 1)  # re-render so the fields clear
        if error:
            set_problem(t(error))
            return
        set_problem(None)
        navigator.notify(t("settings.pin.changed"))

    return kit.card(
        kit.subheading(t("settings.pin.title")),
        kit.text_field(t("settings.pin.current"), old, password=True, numeric=True),
        kit.text_field(t("pin.new"), new, password=True, numeric=True,
                       helper=t("pin.rules")),
        kit.text_field(t("pin.confirm"), confirmation, password=True,
                       numeric=True, error=problem, on_submit=save),
        kit.primary_button(t("settings.pin.save"), save, ft.Icons.PASSWORD),
    )


@ft.component
def MyDataCard(on_removed) -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    page = ft.context.page

    async def save(kind: str) -> None:
        store = services.account.store
        if store is None:
            return
        exported = export_file(store, kind, services.clock())
        try:
            saved = await ft.FilePicker().save_file(
                dialog_title=t("settings.data.save_title"), file_name=exported.file_name,
                src_bytes=exported.content)
        except Exception:  # noqa: BLE001 - the platform dialog failed; say so plainly
            navigator.notify(t("settings.data.save_failed"))
            return
        if saved is not None or page.web:
            navigator.notify(t("settings.data.saved", name=exported.file_name))

    async def save_json() -> None:
        await save("json")

    async def save_html() -> None:
        await save("html")

    def confirm_remove() -> None:
        store = services.account.store
        unsynced = store.unsynced_count() if store is not None else 0
        warning = (t("settings.data.remove_unsynced", count=unsynced) if unsynced
                   else t("settings.data.remove_all_synced"))

        def remove() -> None:
            page.pop_dialog()
            services.account.remove_from_device()
            services.preferences.clear()
            services.unsaved_forms.clear()  # half-typed forms go with everything else
            on_removed()

        page.show_dialog(ft.AlertDialog(
            modal=True,
            title=ft.Text(t("settings.data.remove_title")),
            content=ft.Text(f"{t('settings.data.remove_body')} {warning}"),
            actions=[
                ft.TextButton(t("common.cancel"), on_click=lambda: page.pop_dialog()),
                ft.FilledButton(t("settings.data.remove_confirm"), on_click=remove,
                                style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR,
                                                     color=ft.Colors.ON_ERROR)),
            ],
        ))

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
        kit.secondary_button(t("settings.data.remove"), confirm_remove,
                             ft.Icons.DELETE_FOREVER_OUTLINED),
    )


@ft.component
def SettingsScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    assert store is not None
    prefs = services.preferences
    now = services.clock()
    zone = services.zone()
    status = services.clinic.status(store)
    profile = services.clinic.profile(store)

    def set_pref(key: str, value: str) -> None:
        prefs.set(key, value)
        if key == "locale":
            services.translator.set_locale(value)
        navigator.data_changed()

    if services.role == "family":
        membership = services.family.membership(store) or {}
        clinic_card = kit.card(
            kit.subheading(t("settings.family.title")),
            kit.body(t("settings.family.body",
                       name=membership.get("participant_first_name", ""),
                       clinic=(profile or {}).get("name", ""))),
        )
    elif status.state is LinkState.NOT_ENROLLED:
        clinic_card = kit.card(
            kit.subheading(t("settings.clinic.title")),
            kit.body(t("settings.clinic.none")),
            kit.primary_button(t("today.next.connect"), lambda: navigator.open("connect"),
                               ft.Icons.LINK),
        )
    else:
        care = care_status(store, now)
        # After discharge: say plainly what changed, and how to reach the clinic now.
        program_ended = ([kit.body(discharge_note(services, care)),
                          kit.body(t("ended.keeps_working")),
                          *clinic_contact_lines(services, "ended.crisis")]
                         if care.discharged else [])
        clinic_card = kit.card(
            kit.subheading(t("settings.clinic.title")),
            ft.Text((profile or {}).get("name", ""), size=16, weight=ft.FontWeight.W_600),
            kit.body((profile or {}).get("address", ""), muted=True),
            kit.body(t("settings.clinic.phone", phone=(profile or {}).get("phone", "")),
                     muted=True),
            *program_ended,
            SyncStatus(store, now, zone),
        )
    minutes = int(services.account.idle_lock_seconds // 60)
    return kit.screen(
        kit.heading(t("settings.title")),
        clinic_card,
        # A family member's phone has no check-ins to be reminded of.
        *([ReminderCard()] if services.role != "family" else []),
        *([FamilySharingCard(store, now, zone)]
          if services.role != "family" and status.state is not LinkState.NOT_ENROLLED else []),
        kit.card(
            kit.subheading(t("settings.security.title")),
            kit.body(t("settings.security.idle", minutes=minutes)),
            kit.secondary_button(t("settings.lock_now"), navigator.lock, ft.Icons.LOCK),
        ),
        *([LockScreenHelpCard()] if services.role != "family" else []),
        *([kit.card(kit.subheading(t("settings.people.title")),
                    kit.body(t("settings.people.body")),
                    kit.secondary_button(t("people.open"), lambda: navigator.open("people"),
                                         ft.Icons.PEOPLE_OUTLINE))]
          if services.role != "family" else []),
        ChangePinForm(),
        kit.card(
            kit.subheading(t("settings.appearance.title")),
            kit.choice_chips(t("settings.theme"),
                             [("system", t("settings.theme.system")),
                              ("light", t("settings.theme.light")),
                              ("dark", t("settings.theme.dark"))],
                             prefs.get("theme", "system"), lambda v: set_pref("theme", v)),
            kit.choice_chips(t("settings.language"),
                             [(code, LANGUAGE_NAMES.get(code, code))
                              for code in services.translator.available_locales()],
                             services.translator.locale, lambda v: set_pref("locale", v)),
            kit.body(t("settings.text_size"), muted=True, size=13),
        ),
        MyDataCard(on_removed=navigator.restart),
        kit.card(
            kit.subheading(t("settings.about.title")),
            kit.body(t("settings.about.body")),
            kit.body(t("settings.about.version", version=services.version), muted=True, size=13),
        ),
    )
