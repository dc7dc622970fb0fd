"""Sharing my safety plan with my clinic: off until the participant turns it on.

While it is on, every saved edit is queued as a new version of the plan. Turning it
off stops new copies; the clinic keeps the copies it already has (said on screen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iop_companion.services.clinic_link import ClinicLink
from iop_companion.services.record_versions import Delivery, delivery, queue_version
from iop_companion.store import Store

OUTBOX_KIND = "safety_plan"
SHARING_KEY = "safety_plan.sharing"


@dataclass(frozen=True)
class SharingStatus:
    enrolled: bool
    on: bool
    last_copy: Delivery | None


def sharing_status(store: Store) -> SharingStatus:
    plan = store.safety_plan.get()
    return SharingStatus(
        enrolled=ClinicLink.enrolment(store) is not None,
        on=bool((store.settings.get(SHARING_KEY) or {}).get("on")),
        last_copy=delivery(store, plan["id"]) if plan else None,
    )


def start_sharing(store: Store, now: datetime) -> bool:
    """Turn sharing on and queue the plan as it is now; False when there is no clinic
    or no plan to share (nothing changes then)."""
    plan = store.safety_plan.get()
    if ClinicLink.enrolment(store) is None or plan is None:
        return False
    store.settings.set(SHARING_KEY, {"on": True, "changed_at": now.isoformat()})
    queue_version(store, OUTBOX_KIND, plan, now)
    return True


def stop_sharing(store: Store, now: datetime) -> None:
    store.settings.set(SHARING_KEY, {"on": False, "changed_at": now.isoformat()})


def save_safety_plan(store: Store, plan: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Save the plan; while sharing is on (and enrolled), queue the edit as a new version."""
    record = store.safety_plan.save(plan)
    status = sharing_status(store)
    if status.on and status.enrolled:
        queue_version(store, OUTBOX_KIND, record, now)
    return record
