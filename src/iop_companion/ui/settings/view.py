"""Settings: the clinic link, the PIN and locking, appearance, language, my data."""

from __future__ import annotations

import flet as ft

from iop_companion.services.care_status import care_status
from iop_companion.services.clinic_link import LinkState
from iop_companion.ui import kit
from iop_companion.ui.aftercare.view import clinic_contact_lines, discharge_note
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.settings.family_sharing import FamilySharingCard
from iop_companion.ui.settings.lock_screen_help import LockScreenHelpCard
from iop_companion.ui.settings.my_data import MyDataCard
from iop_companion.ui.settings.pin_security import PinSecurityCard
from iop_companion.ui.settings.reminder import ReminderCard
from iop_companion.ui.settings.sync_card import SyncStatus

LANGUAGE_NAMES = {"en": "English", "es": "Español"}


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
            kit.body(t("settings.family.awaiting" if services.family.awaiting_confirmation(store)
                       else "settings.family.body",
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
        PinSecurityCard(),
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
