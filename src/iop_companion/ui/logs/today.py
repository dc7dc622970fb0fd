"""Today's diary card, one tap from Today: open it to fill in, or to change it."""

from __future__ import annotations

import flet as ft

from iop_companion.services.container import AppServices
from iop_companion.services.coping_logs import DIARY_CARD
from iop_companion.store import Store, StoreError
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator
from iop_companion.ui.logs.common import open_log


def diary_card_button(services: AppServices, navigator: Navigator, store: Store) -> ft.Control:
    """One button: "Today's diary card", saying whether today's card is kept already."""
    t = services.t
    today = services.clock().astimezone(services.zone()).date().isoformat()
    try:
        done = store.diary_cards.for_day(today) is not None
    except StoreError:
        done = False
    return kit.card(
        kit.body(t("coping.today.done" if done else "coping.today.prompt"), muted=True),
        kit.secondary_button(t("coping.today.button"),
                             lambda: open_log(services, navigator, DIARY_CARD, today),
                             ft.Icons.TABLE_CHART_OUTLINED),
    )
