"""The clinic link's sync state, told honestly: when the clinic last answered, what is
still waiting, what the clinic would not accept and why, and a "Sync now" that says
what really happened."""

from __future__ import annotations

from datetime import datetime, tzinfo

import flet as ft

from iop_companion.services.clinic_link import LinkState
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import moment_label
from iop_companion.ui.schedule.view import status_line, use_sync_now

KNOWN_KINDS = ("check_in", "safety_flag", "measure_result", "relapse_plan", "safety_plan",
               "lapse_review")


@ft.component
def SyncStatus(store: Store, now: datetime, zone: tzinfo) -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    busy, sync_now = use_sync_now("sync.now.done")
    status = services.clinic.status(store)

    def send_again(entry_id: str) -> None:
        store.outbox.send_again(entry_id)
        navigator.data_changed()
        navigator.sync_soon()

    def keep_here(entry_id: str) -> None:
        # The record stays in the app (Journal, export); only the sending stops.
        store.outbox.keep_on_device_only(entry_id)
        navigator.notify(t("sync.attention.kept"))
        navigator.data_changed()

    controls: list[ft.Control] = [
        status_line(services, status, now, zone),
        kit.body(t("settings.clinic.waiting", count=store.unsynced_count()), muted=True,
                 size=13),
    ]
    parked = store.outbox.parked()
    if parked:
        controls.append(kit.subheading(t("sync.attention.title")))
        controls.append(kit.body(t("sync.attention.body"), size=13))
        for entry in parked:
            kind = entry.get("kind", "")
            label = t(f"sync.kind.{kind}") if kind in KNOWN_KINDS else t("sync.kind.other")
            written = datetime.fromisoformat(entry["created_at"])
            controls.append(ft.Semantics(
                container=True,
                content=ft.Column([
                    ft.Row([ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ERROR, size=18),
                            ft.Text(t("sync.attention.item", what=label,
                                      when=moment_label(services.translator, written, zone,
                                                        now)),
                                    size=14, weight=ft.FontWeight.W_600, expand=True)],
                           spacing=8),
                    kit.body(entry.get("parked_reason", ""), muted=True, size=13),
                    ft.Row([
                        kit.text_button(t("sync.attention.send_again"),
                                        lambda entry_id=entry["id"]: send_again(entry_id),
                                        ft.Icons.REFRESH),
                        kit.text_button(t("sync.attention.keep_here"),
                                        lambda entry_id=entry["id"]: keep_here(entry_id),
                                        ft.Icons.PHONE_ANDROID),
                    ], wrap=True, spacing=4),
                ], spacing=2),
            ))
    if status.state is LinkState.NOT_AUTHORISED:
        # Syncing again cannot help; a new code from the clinic can.
        controls.append(kit.primary_button(t("sync.reconnect"), lambda: navigator.open("connect"),
                                           ft.Icons.LINK))
    else:
        controls.append(kit.secondary_button(
            t("sync.now.busy") if busy else t("sync.now"), sync_now, ft.Icons.SYNC,
            disabled=busy))
    return ft.Column(controls, spacing=8)
