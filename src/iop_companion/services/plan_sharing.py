"""Sharing my plans with my clinic: each plan asks before it is first shared.

One mechanism for the safety plan and the relapse-prevention plan. A plan is kept on
the phone only until the participant chooses "Share with my clinic": that queues the
plan as it is then, and while sharing is on every saved edit is queued as a new
version naming the one it replaces. "Stop sharing" stops new versions; the clinic
keeps the copies it already has (said on screen). Nothing is queued while the clinic
does not receive data (not connected, or discharged), whatever the choice says.

A plan with no recorded choice whose versions were already queued or sent counts as
shared: the relapse-prevention plan used to be sent on every save, and a participant
whose clinic already has it keeps sharing until they stop.

Choosing raises `SaveFailed` when the phone did not keep the choice (screens never see
store types).

The aftercare plan is not here: it is written with the clinician (both sides write
versions), so it is shared by nature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iop_companion.services.care_status import care_status
from iop_companion.services.errors import SaveFailed
from iop_companion.services.record_versions import Delivery, delivery, ever_queued, queue_version
from iop_companion.store import Store, StoreError
from iop_companion.sync.protocol import RecordKind


@dataclass(frozen=True)
class SharedPlan:
    """A plan the participant may share: its record kind and where it is kept."""

    kind: str  # the outbox / wire record kind, e.g. "safety_plan"
    load: Callable[[Store], dict[str, Any] | None]

    @property
    def setting_key(self) -> str:
        """Where the participant's choice is kept: {"on": bool, "changed_at": iso}."""
        return f"{self.kind}.sharing"


SAFETY_PLAN = SharedPlan(RecordKind.SAFETY_PLAN.value, lambda store: store.safety_plan.get())
RELAPSE_PLAN = SharedPlan(RecordKind.RELAPSE_PLAN.value, lambda store: store.relapse_plan.get())
SHARED_PLANS: dict[str, SharedPlan] = {plan.kind: plan for plan in (SAFETY_PLAN, RELAPSE_PLAN)}


@dataclass(frozen=True)
class SharingStatus:
    enrolled: bool
    on: bool
    last_copy: Delivery | None
    # False after discharge: nothing new is shared, whatever the choice says.
    clinic_receives: bool = True

    @property
    def clinic_gets_changes(self) -> bool:
        """Whether a change saved now goes to the clinic: shared, and the clinic receives."""
        return self.on and self.clinic_receives


def is_shared(store: Store, plan: SharedPlan) -> bool:
    """The participant's choice; with none recorded, whether a version was ever queued."""
    choice = store.settings.get(plan.setting_key)
    if isinstance(choice, Mapping) and "on" in choice:
        return bool(choice["on"])
    record = plan.load(store)
    return record is not None and ever_queued(store, record["id"])


def sharing_status(store: Store, now: datetime | None = None, *,
                   plan: SharedPlan = SAFETY_PLAN) -> SharingStatus:
    record = plan.load(store)
    care = care_status(store, now)
    return SharingStatus(
        enrolled=care.enrolled,
        on=is_shared(store, plan),
        last_copy=delivery(store, record["id"]) if record else None,
        clinic_receives=care.clinic_receives_data,
    )


def _choose(store: Store, plan: SharedPlan, on: bool, now: datetime) -> None:
    store.settings.set(plan.setting_key, {"on": on, "changed_at": now.isoformat()})


def start_sharing(store: Store, now: datetime, *, plan: SharedPlan = SAFETY_PLAN) -> bool:
    """Turn sharing on and queue the plan as it is now; False when no clinic receives it
    (not connected, or discharged) or there is no plan to share (nothing changes then).
    Raises `SaveFailed` when the phone did not keep the choice or the copy."""
    try:
        record = plan.load(store)
        if not care_status(store, now).clinic_receives_data or record is None:
            return False
        _choose(store, plan, True, now)
        queue_version(store, plan.kind, record, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return True


def stop_sharing(store: Store, now: datetime, *, plan: SharedPlan = SAFETY_PLAN) -> None:
    """Later edits stay on the phone (a copy already queued still goes). Raises
    `SaveFailed` when the phone did not keep the choice."""
    try:
        _choose(store, plan, False, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None


def queue_if_shared(store: Store, plan: SharedPlan, record: dict[str, Any],
                    now: datetime) -> bool:
    """After a save: queue `record` as a new version while the plan is shared and the
    clinic receives data. Returns whether it was queued."""
    if not (care_status(store, now).clinic_receives_data and is_shared(store, plan)):
        return False
    queue_version(store, plan.kind, record, now)
    return True
