"""Who the participant shares with, as the clinic records it: each family member, what
they can see, since when and until when, and how to stop sharing. Someone who joined
with an invite is shown first, with the question the participant answers before
anything is shared with them."""

from __future__ import annotations

from datetime import datetime, tzinfo

import flet as ft

from iop_companion.domain.consents import Sharing, SharingState
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.family_consents import (
    JoinToConfirm,
    TurnedAway,
    answer_join,
    family_sharing_view,
)
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import day_inline

_ICONS = {SharingState.ACTIVE: ft.Icons.VISIBILITY_OUTLINED,
          SharingState.WAITING: ft.Icons.HOURGLASS_EMPTY,
          SharingState.ENDED: ft.Icons.VISIBILITY_OFF_OUTLINED}


@ft.component
def FamilySharingCard(store: Store, now: datetime, zone: tzinfo) -> ft.Control:
    services = use_services()
    t = services.t
    view = family_sharing_view(store, now)
    if not (view.to_confirm or view.turned_away or view.sharing):
        return kit.card(
            kit.subheading(t("sharing.title")),
            kit.body(t("sharing.none")),
        )
    still_sharing = bool(view.to_confirm) or any(
        sharing.state is not SharingState.ENDED for sharing in view.sharing)
    return kit.card(
        kit.subheading(t("sharing.title")),
        *[JoinQuestion(store, join) for join in view.to_confirm],
        *[_turned_away_row(services, turned) for turned in view.turned_away],
        *[_sharing_row(services, sharing, now, zone) for sharing in view.sharing],
        *([kit.body(t("sharing.how_to_stop"), muted=True, size=13)] if still_sharing else []),
    )


@ft.component
def JoinQuestion(store: Store, join: JoinToConfirm) -> ft.Control:
    """"<joiner> joined with your invite for <recipient>. Is this the right person?"""
    services = use_services()
    navigator = use_navigator()
    t = services.t

    def answer(right_person: bool) -> None:
        try:
            answer_join(store, join.family_member_id, right_person, services.clock())
        except SaveFailed:
            navigator.notify(t("family_confirm.save_failed"))
            return
        navigator.notify(t("family_confirm.saved"))
        navigator.data_changed()
        navigator.sync_soon()

    if join.answer is not None:
        key = "family_confirm.answered_yes" if join.answer else "family_confirm.answered_no"
        return _row(ft.Icons.HOW_TO_REG_OUTLINED if join.answer else ft.Icons.BLOCK,
                    t(key, joiner=join.joined_name))
    question = t("family_confirm.question", joiner=join.joined_name,
                 recipient=join.recipient_name)
    return ft.Column([
        _row(ft.Icons.PERSON_SEARCH_OUTLINED, question),
        kit.body(t("family_confirm.why"), muted=True, size=13),
        ft.Row([kit.primary_button(t("family_confirm.yes"), lambda: answer(True),
                                   ft.Icons.CHECK),
                kit.secondary_button(t("family_confirm.no"), lambda: answer(False),
                                     ft.Icons.CLOSE)],
               wrap=True, spacing=12, run_spacing=8),
    ], spacing=8)


def _turned_away_row(services: AppServices, turned: TurnedAway) -> ft.Control:
    return _row(ft.Icons.BLOCK, services.t("family_confirm.turned_away",
                                           joiner=turned.joined_name,
                                           recipient=turned.recipient_name))


def _row(icon: ft.IconData, line: str) -> ft.Control:
    return ft.Semantics(
        container=True, label=line, exclude_semantics=True,  # said once, not twice
        content=ft.Row([ft.Icon(icon, size=20), ft.Text(line, size=14, expand=True)],
                       spacing=8),
    )


def _sharing_row(services: AppServices, sharing: Sharing, now: datetime,
                 zone: tzinfo) -> ft.Control:
    t = services.t
    today = now.astimezone(zone).date()

    def day(moment: datetime) -> str:
        return day_inline(services.translator, moment.astimezone(zone).date(), today)

    what = t(f"sharing.scope.{sharing.scope}") if sharing.scope == "education" else sharing.scope
    if sharing.state is SharingState.ACTIVE:
        line = t("sharing.active", name=sharing.recipient_name, what=what, since=day(sharing.since))
        if sharing.until is not None:
            line = f"{line} {t('sharing.until', until=day(sharing.until))}"
    elif sharing.state is SharingState.WAITING:
        line = t("sharing.waiting", name=sharing.recipient_name, what=what)
        if sharing.until is not None:
            line = f"{line} {t('sharing.invite_until', until=day(sharing.until))}"
    else:
        assert sharing.until is not None
        line = t("sharing.ended", name=sharing.recipient_name, when=day(sharing.until))
    return _row(_ICONS[sharing.state], line)
