"""The family member's home: what the participant shares, and help for families."""

from __future__ import annotations

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_services


@ft.component
def FamilyHomeScreen() -> ft.Control:
    services = use_services()
    t = services.t
    store = services.account.store
    assert store is not None
    membership = services.family.membership(store) or {}
    name = membership.get("participant_first_name", "")
    profile = services.clinic.profile(store) or {}
    modules = services.family.shared(store).get("modules", [])
    if services.family.sharing_ended(store):
        shared_card = kit.card(kit.subheading(t("family.home.shared_title")),
                               kit.body(t("family.home.sharing_ended", name=name)), tone="help")
    elif not modules:
        shared_card = kit.card(kit.subheading(t("family.home.shared_title")),
                               kit.body(t("family.home.nothing_shared", name=name)))
    else:
        shared_card = kit.card(
            kit.subheading(t("family.home.shared_title")),
            *[ft.Column([ft.Text(m["title"], size=16, weight=ft.FontWeight.W_600),
                         kit.body(m["summary"], muted=True)], spacing=4) for m in modules],
        )
    return kit.screen(
        kit.heading(t("family.home.title", name=name)),
        kit.body(t("family.home.program", clinic=profile.get("name", "")), muted=True),
        shared_card,
        kit.card(kit.subheading(t("family.home.care_title")),
                 kit.body(t("family.home.care_body"))),
        kit.card(kit.subheading(t("family.home.privacy_title")),
                 kit.body(t("family.home.privacy_body", name=name))),
    )
