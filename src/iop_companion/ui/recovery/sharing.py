"""The "Share with my clinic" choice on the safety plan screen."""

from __future__ import annotations

import flet as ft

from iop_companion.services.container import AppServices
from iop_companion.services.safety_plan_sharing import sharing_status, start_sharing, stop_sharing
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator
from iop_companion.ui.formatting import moment_label


def last_copy_line(services: AppServices, store: Store) -> str | None:
    """Plain words for where the last shared copy is, or None if none was ever shared."""
    t = services.t
    copy = sharing_status(store).last_copy
    if copy is None:
        return None
    if copy.refused:
        return t("share.copy.refused")
    if copy.waiting:
        return t("share.copy.waiting")
    if copy.sent_at is None:
        return t("share.copy.sent")
    return t("share.copy.sent_at", when=moment_label(services.translator, copy.sent_at,
                                                     services.zone(), services.clock()))


def share_card(services: AppServices, navigator: Navigator, store: Store) -> ft.Control:
    t = services.t
    status = sharing_status(store)
    if not status.enrolled:
        return kit.card(
            kit.subheading(t("share.title")),
            kit.body(t("share.not_enrolled")),
            kit.secondary_button(t("today.next.connect"), lambda: navigator.open("connect"),
                                 ft.Icons.LINK),
        )

    def share() -> None:
        if start_sharing(store, services.clock()):
            navigator.notify(t("share.started"))
        navigator.data_changed()
        navigator.sync_soon()

    def stop() -> None:
        stop_sharing(store, services.clock())
        navigator.notify(t("share.stopped"))
        navigator.data_changed()

    last_copy = last_copy_line(services, store)
    lines: list[ft.Control] = [kit.subheading(t("share.title"))]
    if status.on:
        lines.append(kit.body(t("share.on")))
        if last_copy:
            lines.append(kit.body(last_copy))
        lines.append(kit.body(t("share.stop_explain"), muted=True, size=13))
        lines.append(kit.secondary_button(t("share.stop"), stop, ft.Icons.STOP_CIRCLE_OUTLINED))
    else:
        lines.append(kit.body(t("share.off")))
        if last_copy:
            lines.append(kit.body(last_copy, muted=True))
        lines.append(kit.primary_button(t("share.start"), share, ft.Icons.SEND_OUTLINED))
    return kit.card(*lines)
