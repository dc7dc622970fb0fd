"""Sharing my safety plan with my clinic: off until the participant turns it on.

While it is on, every saved edit is queued as a new version of the plan. Turning it
off stops new copies; the clinic keeps the copies it already has (said on screen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iop_companion.services.care_status import care_status
from iop_companion.services.record_versions import Delivery, delivery, queue_version
from iop_companion.store import Store

OUTBOX_KIND = "safety_plan"
SHARING_KEY = "safety_plan.sharing"


@dataclass(frozen=True)
class SharingStatus:
    enrolled: bool
    on: bool
    last_copy: Delivery | None
    # False after discharge: nothing new is shared, whatever the choice says.
    clinic_receives: bool = True


def sharing_status(store: Store, now: datetime | None = None) -> SharingStatus:
    plan = store.safety_plan.get()
    care = care_status(store, now)
    return SharingStatus(
        enrolled=care.enrolled,
        on=bool((store.settings.get(SHARING_KEY) or {}).get("on")),
        last_copy=delivery(store, plan["id"]) if plan else None,
        clinic_receives=care.clinic_receives_data,
    )


def start_sharing(store: Store, now: datetime) -> bool:
    """Turn sharing on and queue the plan as it is now; False when no clinic receives it
    (not connected, or discharged) or there is no plan to share (nothing changes then)."""
    plan = store.safety_plan.get()
    if not care_status(store, now).clinic_receives_data or plan is None:
        return False
    store.settings.set(SHARING_KEY, {"on": True, "changed_at": now.isoformat()})
    queue_version(store, OUTBOX_KIND, plan, now)
    return True


def stop_sharing(store: Store, now: datetime) -> None:
    store.settings.set(SHARING_KEY, {"on": False, "changed_at": now.isoformat()})


def save_safety_plan(store: Store, plan: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Save the plan; while sharing is on (and the clinic receives data), queue the edit
    as a new version."""
    record = store.safety_plan.save(plan)
    status = sharing_status(store, now)
    if status.on and status.clinic_receives:
        queue_version(store, OUTBOX_KIND, record, now)
    return record
