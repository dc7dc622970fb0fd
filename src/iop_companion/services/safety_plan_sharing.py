"""Sharing my safety plan with my clinic: off until the participant turns it on.

The mechanism is services/plan_sharing.py, shared with the relapse-prevention plan;
this module keeps the safety plan's names working.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from iop_companion.services import plan_sharing
from iop_companion.services.errors import SaveFailed
from iop_companion.services.plan_sharing import SAFETY_PLAN, SharingStatus, queue_if_shared
from iop_companion.store import Store, StoreError

OUTBOX_KIND = SAFETY_PLAN.kind
SHARING_KEY = SAFETY_PLAN.setting_key

__all__ = ["OUTBOX_KIND", "SHARING_KEY", "SharingStatus", "save_safety_plan", "sharing_status",
           "start_sharing", "stop_sharing"]


def sharing_status(store: Store, now: datetime | None = None) -> SharingStatus:
    return plan_sharing.sharing_status(store, now, plan=SAFETY_PLAN)


def start_sharing(store: Store, now: datetime) -> bool:
    return plan_sharing.start_sharing(store, now, plan=SAFETY_PLAN)


def stop_sharing(store: Store, now: datetime) -> None:
    plan_sharing.stop_sharing(store, now, plan=SAFETY_PLAN)


def save_safety_plan(store: Store, plan: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Save the plan; while sharing is on (and the clinic receives data), queue the edit
    as a new version. Raises `SaveFailed` when the phone did not keep it."""
    try:
        record = store.safety_plan.save(plan)
        queue_if_shared(store, SAFETY_PLAN, record, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return record
