"""Who the participant shares with, as the clinic records it: each family member, what
they can see, since when and until when, and how to stop sharing."""

from __future__ import annotations

from datetime import datetime, tzinfo

import flet as ft

from iop_companion.domain.consents import Sharing, SharingState, sharing_overview
from iop_companion.services.container import AppServices
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import use_services
from iop_companion.ui.formatting import day_inline

_ICONS = {SharingState.ACTIVE: ft.Icons.VISIBILITY_OUTLINED,
          SharingState.WAITING: ft.Icons.HOURGLASS_EMPTY,
          SharingState.ENDED: ft.Icons.VISIBILITY_OFF_OUTLINED}


@ft.component
def FamilySharingCard(store: Store, now: datetime, zone: tzinfo) -> ft.Control:
    services = use_services()
    t = services.t
    shown = sharing_overview(store.consents.all(), now)
    if not shown:
        return kit.card(
            kit.subheading(t("sharing.title")),
            kit.body(t("sharing.none")),
        )
    still_sharing = any(sharing.state is not SharingState.ENDED for sharing in shown)
    return kit.card(
        kit.subheading(t("sharing.title")),
        *[_sharing_row(services, sharing, now, zone) for sharing in shown],
        *([kit.body(t("sharing.how_to_stop"), muted=True, size=13)] if still_sharing else []),
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
    return ft.Semantics(
        container=True, label=line,
        content=ft.Row([ft.Icon(_ICONS[sharing.state], size=20),
                        ft.Text(line, size=14, expand=True)], spacing=8),
    )
