"""The family member's home: what the participant shares, and help for families.

Right after joining nothing is shared: the participant first confirms that the person
who joined is the one they invited, and the home screen says so (with a way to check
again) instead of showing an empty list.
"""

from __future__ import annotations

import flet as ft

from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services


@ft.component
def FamilyHomeScreen() -> ft.Control:
    services = use_services()
    t = services.t
    store = services.account.store
    assert store is not None
    membership = services.family.membership(store) or {}
    name = str(membership.get("participant_first_name") or "")
    profile = services.clinic.profile(store) or {}
    modules = services.family.shared(store).get("modules", [])
    if services.family.ended_unconfirmed(store):
        shared_card = kit.card(kit.subheading(t("family.home.shared_title")),
                               kit.body(t("family_wait.not_confirmed")), tone="help")
    elif services.family.sharing_ended(store):
        shared_card = kit.card(kit.subheading(t("family.home.shared_title")),
                               kit.body(t("family.home.sharing_ended", name=name)), tone="help")
    elif services.family.awaiting_confirmation(store):
        shared_card = WaitingForConfirmation(
            name or t("family_wait.the_person"), str(membership.get("display_name") or ""))
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
        kit.heading(t("family.home.title", name=name) if name
                    else t("family_wait.title_unnamed")),
        *([kit.body(t("family.home.program", clinic=profile["name"]), muted=True)]
          if profile.get("name") else []),
        shared_card,
        kit.card(kit.subheading(t("family.home.care_title")),
                 kit.body(t("family.home.care_body"))),
        kit.card(kit.subheading(t("family.home.privacy_title")),
                 kit.body(t("family.home.privacy_body", name=name) if name
                          else t("family_wait.privacy_unnamed"))),
    )


@ft.component
def WaitingForConfirmation(who: str, your_name: str) -> ft.Control:
    """Joined; the participant has not confirmed it is this person yet."""
    services = use_services()
    navigator = use_navigator()
    t = services.t
    checking, set_checking = ft.use_state(False)

    async def check_again() -> None:
        store = services.account.store
        if store is None or checking:
            return
        set_checking(True)
        before = services.family.last_refresh(store)
        try:
            # The app's one sync (a family member's is asking what is shared now).
            await navigator.sync_now()
        finally:
            set_checking(False)
        # Always a fresh note, so an earlier "not yet" never stays on screen.
        if services.family.awaiting_confirmation(store):
            reached = services.family.last_refresh(store) != before
            navigator.notify(t("family_wait.still_waiting" if reached
                               else "family_wait.could_not_check"))
        elif services.family.ended_unconfirmed(store):
            navigator.notify(t("family_wait.not_confirmed_short"))
        else:
            name = (services.family.membership(store) or {}).get("participant_first_name")
            navigator.notify(t("family_wait.confirmed", name=name) if name
                             else t("family_wait.confirmed_unnamed"))
        navigator.data_changed()

    return kit.card(
        kit.subheading(t("family.home.shared_title")),
        ft.Semantics(container=True, label=t("family_wait.waiting", name=who),
                     exclude_semantics=True,  # said once, not twice
                     content=ft.Row([ft.Icon(ft.Icons.HOURGLASS_TOP, size=20),
                                     ft.Text(t("family_wait.waiting", name=who), size=16,
                                             weight=ft.FontWeight.W_600, expand=True)],
                                    spacing=8)),
        kit.body(t("family_wait.explain", your_name=your_name)),
        kit.secondary_button(t("family_wait.check_again"), check_again, ft.Icons.REFRESH,
                             disabled=checking),
    )
