"""The "Share with my clinic" choice on a plan's screen (the safety plan and the
relapse-prevention plan; services/plan_sharing.py)."""

from __future__ import annotations

import flet as ft

from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.services.plan_sharing import (
    SAFETY_PLAN,
    SharedPlan,
    sharing_status,
    start_sharing,
    stop_sharing,
)
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator
from iop_companion.ui.formatting import moment_label


def last_copy_line(services: AppServices, store: Store,
                   plan: SharedPlan = SAFETY_PLAN) -> str | None:
    """Plain words for where the last shared copy is, or None if none was ever shared."""
    t = services.t
    copy = sharing_status(store, plan=plan).last_copy
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


def sharing_note(services: AppServices, store: Store, plan: SharedPlan) -> str:
    """One true sentence for an edit screen: whether saving sends the clinic this version."""
    status = sharing_status(store, services.clock(), plan=plan)
    if status.clinic_gets_changes:
        return services.t("share.note.on")
    if status.enrolled and status.clinic_receives:
        return services.t("share.note.off")
    return services.t("share.note.local")


def share_card(services: AppServices, navigator: Navigator, store: Store,
               plan: SharedPlan = SAFETY_PLAN) -> ft.Control:
    """Share `plan` with the clinic, or stop; with where the last copy is."""
    t = services.t
    status = sharing_status(store, services.clock(), plan=plan)
    if not status.enrolled:
        return kit.card(
            kit.subheading(t("share.title")),
            kit.body(t("share.not_enrolled")),
            kit.secondary_button(t("today.next.connect"), lambda: navigator.open("connect"),
                                 ft.Icons.LINK),
        )
    last_copy = last_copy_line(services, store, plan)
    if not status.clinic_receives:
        # Discharged: nothing new is shared, whatever was chosen.
        ended = t("share.ended.had_copies" if last_copy else "share.ended.local")
        return kit.card(kit.subheading(t("share.title")), kit.body(ended))

    def share() -> None:
        try:
            started = start_sharing(store, services.clock(), plan=plan)
        except SaveFailed as error:
            navigator.notify(str(error))  # nothing changed: the choice stays as it was
            return
        if started:
            navigator.notify(t(f"share.started.{plan.kind}"))
        navigator.data_changed()
        navigator.sync_soon()

    def stop() -> None:
        try:
            stop_sharing(store, services.clock(), plan=plan)
        except SaveFailed as error:
            navigator.notify(str(error))
            return
        navigator.notify(t("share.stopped"))
        navigator.data_changed()

    lines: list[ft.Control] = [kit.subheading(t("share.title"))]
    if status.on:
        lines.append(kit.body(t("share.on")))
        if last_copy:
            lines.append(kit.body(last_copy))
        lines.append(kit.body(t("share.stop_explain"), muted=True, size=13))
        lines.append(kit.secondary_button(t("share.stop"), stop, ft.Icons.STOP_CIRCLE_OUTLINED))
    else:
        # Stopped after sharing: the clinic still has the copies it got before.
        lines.append(kit.body(t("share.off_stopped" if last_copy else "share.off")))
        if last_copy:
            lines.append(kit.body(last_copy, muted=True))
        lines.append(kit.primary_button(t("share.start"), share, ft.Icons.SEND_OUTLINED))
    return kit.card(*lines)
