"""The clinic link's sync state, told honestly: when the clinic last answered, what is
still waiting, what the clinic would not accept and why, and a "Sync now" that says
what really happened."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

import flet as ft

from iop_companion.services import shared_records
from iop_companion.services.clinic_link import LinkState
from iop_companion.services.container import AppServices
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import moment_label
from iop_companion.ui.schedule.view import status_line, use_sync_now

KNOWN_KINDS = ("check_in", "safety_flag", "measure_result", "relapse_plan", "safety_plan",
               "lapse_review", "treatment_goal", "goal_rating", "aftercare_plan",
               "homework_done", "module_read", "family_confirmation")


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

    def keep_mine(entry_id: str) -> None:
        shared_records.keep_mine(store, entry_id, services.clock())
        navigator.notify(t("sync.conflict.kept_mine"))
        navigator.data_changed()
        navigator.sync_soon()

    def use_theirs(entry_id: str) -> None:
        shared_records.use_clinic_version(store, entry_id, services.clock())
        navigator.notify(t("sync.conflict.used_theirs"))
        navigator.data_changed()

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
                    *_entry_details(services, store, entry, send_again, keep_here, keep_mine,
                                    use_theirs),
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


def _entry_details(services: AppServices, store: Store, entry: dict[str, Any],
                   send_again: Callable[[str], None], keep_here: Callable[[str], None],
                   keep_mine: Callable[[str], None],
                   use_theirs: Callable[[str], None]) -> list[ft.Control]:
    """Why the clinic set the entry aside, and what the participant can do about it."""
    t = services.t
    entry_id = entry["id"]
    if not entry.get("conflict_latest"):
        return [
            kit.body(entry.get("parked_reason", ""), muted=True, size=13),
            ft.Row([
                kit.text_button(t("sync.attention.send_again"), lambda: send_again(entry_id),
                                ft.Icons.REFRESH),
                kit.text_button(t("sync.attention.keep_here"), lambda: keep_here(entry_id),
                                ft.Icons.PHONE_ANDROID),
            ], wrap=True, spacing=4),
        ]
    # Both sides changed the record: show both choices, never pick one silently.
    controls: list[ft.Control] = [kit.body(t("sync.conflict.body"), muted=True, size=13)]
    summary = _summary(entry["conflict_latest"].get("payload") or {})
    if summary:
        controls.append(kit.body(t("sync.conflict.theirs", summary=summary), size=13))
    buttons = [kit.text_button(t("sync.conflict.keep_mine"), lambda: keep_mine(entry_id),
                               ft.Icons.PERSON_OUTLINE)]
    if shared_records.can_use_clinic_version(store, entry):
        buttons.append(kit.text_button(t("sync.conflict.use_theirs"),
                                       lambda: use_theirs(entry_id), ft.Icons.GROUPS_OUTLINED))
    controls.append(ft.Row(buttons, wrap=True, spacing=4))
    return controls


def _summary(payload: dict[str, Any]) -> str:
    """A line that tells the clinic's version apart: a goal's title, or a plan's first items."""
    if isinstance(payload.get("title"), str):
        return payload["title"][:120]
    items = [item for value in payload.values() if isinstance(value, list)
             for item in value if isinstance(item, str)]
    return ", ".join(items[:3])[:120]
