"""The relapse-prevention plan and lapse reviews, kept on the phone first.

The plan goes to the clinic only once the participant chooses to share it (the share
card on its screen, services/plan_sharing.py); from then on each save is a new version
while the clinic receives data (enrolled, not discharged). A lapse review is queued for
the clinic while it receives data. Saving raises `SaveFailed` when the phone did not keep
it (screens never see store types)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from iop_companion.domain.lapse import lapse_review_record
from iop_companion.domain.relapse_plan import CheckInChoices, check_in_choices, relapse_plan_record
from iop_companion.services.care_status import clinic_receives_data
from iop_companion.services.errors import SaveFailed
from iop_companion.services.plan_sharing import RELAPSE_PLAN, is_shared, queue_if_shared
from iop_companion.services.record_versions import ever_queued, queue_version
from iop_companion.store import Store, StoreError

RELAPSE_PLAN_KIND = RELAPSE_PLAN.kind
LAPSE_REVIEW_KIND = "lapse_review"


def save_relapse_plan(store: Store, texts: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """Save the plan as typed (one item per line); while the participant shares it with
    the clinic, each save is a new version for the clinic.

    Call only when `relapse_plan_problems(texts)` is empty. Raises `SaveFailed` when the
    phone did not keep the plan.
    """
    try:
        record = store.relapse_plan.save(relapse_plan_record(dict(texts)))
        queue_if_shared(store, RELAPSE_PLAN, record, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return record


def share_plan_on_connecting(store: Store, now: datetime) -> bool:
    """On connecting: a plan the participant chose to share that was never queued goes
    now. A plan written before connecting is not sent by connecting: it asks first (its
    share card). Returns whether it was queued.
    """
    plan = store.relapse_plan.get()
    if plan is None or not clinic_receives_data(store, now) or ever_queued(store, plan["id"]):
        return False
    if not is_shared(store, RELAPSE_PLAN):
        return False  # not chosen: stays on the phone until the participant shares it
    if not any(isinstance(items, list) and items for items in plan.values()):
        return False  # nothing written yet
    queue_version(store, RELAPSE_PLAN_KIND, plan, now)
    return True


def plan_choices(store: Store) -> CheckInChoices:
    """What the check-in offers as chips: my triggers, warning signs and coping skills."""
    return check_in_choices(store.relapse_plan.get())


def save_lapse_review(store: Store, texts: Mapping[str, str], happened_on: date,
                      now: datetime | None = None) -> dict[str, Any]:
    """Keep the review; queue it for the clinic (a review is written once: version 1).

    Call only when `lapse_review_problems(texts)` is empty. Raises `SaveFailed` when the
    phone did not keep the review.
    """
    try:
        record = store.lapse_reviews.add(lapse_review_record(texts, happened_on))
        if clinic_receives_data(store, now):
            store.outbox.enqueue(LAPSE_REVIEW_KIND, record["id"], record)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return record
