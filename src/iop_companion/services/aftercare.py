"""My aftercare plan: kept on the phone first, built together with the clinic.

While the clinic receives data, each save is queued as a new version of the one plan
both sides share (its id derived from the participant, `protocol.aftercare_plan_id`),
and the clinic's edits arrive by pull (services/shared_records). A plan written
before connecting goes to the clinic on connecting. After discharge the plan keeps
working on the phone and nothing new is sent. Saving raises `SaveFailed` when the phone
did not keep the plan (screens never see store types).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from iop_companion.domain.aftercare import (
    MeetingDraft,
    UpcomingMeeting,
    aftercare_plan_record,
    next_meeting,
    plan_content,
    plan_is_empty,
)
from iop_companion.services.care_status import care_status
from iop_companion.services.clinic_link import ClinicLink
from iop_companion.services.errors import SaveFailed
from iop_companion.services.record_versions import clinic_version, has_unsent, queue_version
from iop_companion.store import Store, StoreError
from iop_companion.store import records as r
from iop_companion.sync.protocol import RecordKind, aftercare_plan_id

AFTERCARE_KIND = RecordKind.AFTERCARE_PLAN.value


def shared_plan_id(store: Store) -> str | None:
    """The id the plan has at the clinic; None when not connected to one."""
    participant_id = (ClinicLink.enrolment(store) or {}).get("participant_id")
    if not participant_id:
        return None
    return str(aftercare_plan_id(UUID(str(participant_id))))


def save_aftercare_plan(store: Store, texts: Mapping[str, str],
                        meetings: Sequence[MeetingDraft], now: datetime) -> dict[str, Any]:
    """Save the plan as typed; while the clinic receives data, queue it as a new version.

    Call only when `aftercare_plan_problems(texts, meetings)` is empty. Raises
    `SaveFailed` when the phone did not keep the plan.
    """
    try:
        return _save_aftercare_plan(store, texts, meetings, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None


def _save_aftercare_plan(store: Store, texts: Mapping[str, str],
                         meetings: Sequence[MeetingDraft], now: datetime) -> dict[str, Any]:
    record = aftercare_plan_record(texts, meetings)
    care = care_status(store, now)
    shared_id = shared_plan_id(store)
    if care.clinic_receives_data and shared_id is not None:
        saved = store.aftercare_plan.save(record, record_id=shared_id)
        queue_version(store, AFTERCARE_KIND, saved, now)
        return saved
    current = store.aftercare_plan.get()
    if care.discharged and current is not None and current["id"] == shared_id:
        # Written after discharge: the plan takes an id of its own, so an edit the clinic
        # might still send is added to it (see AftercarePlanRepository), not put over it.
        return store.aftercare_plan.save(record, record_id=r.new_id())
    return store.aftercare_plan.save(record)


def share_aftercare_plan_on_connecting(store: Store, now: datetime) -> bool:
    """Right after connecting: a plan written before goes to the clinic (as the plan both
    share). If the clinic had started one, it was already added in by the pull. Returns
    whether a version was queued."""
    plan = store.aftercare_plan.get()
    shared_id = shared_plan_id(store)
    if plan is None or shared_id is None or not care_status(store, now).clinic_receives_data:
        return False
    if plan["id"] == shared_id or plan_is_empty(plan) or has_unsent(store, shared_id):
        return False  # already the shared plan (sent, or taken from the clinic), or nothing
    plan = store.aftercare_plan.save(plan, record_id=shared_id)
    known = clinic_version(store, shared_id)
    if known is not None and plan_content(known.payload) == plan_content(plan):
        return False  # the clinic has this already
    queue_version(store, AFTERCARE_KIND, plan, now)
    return True


def upcoming_support_meeting(store: Store, now: datetime) -> UpcomingMeeting | None:
    """The plan's next support meeting (`now` in the zone the meetings are held in)."""
    return next_meeting(store.aftercare_plan.get(), now)
