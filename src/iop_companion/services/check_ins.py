"""Saving a daily check-in: on the phone first, then queued for the clinic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from iop_companion.domain.check_in import CheckInDraft, check_in_needs_flag, check_in_record
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.care_status import clinic_receives_data
from iop_companion.services.clinic_link import utc_now
from iop_companion.services.errors import SaveFailed
from iop_companion.services.safety import FlagReach, SafetyFlagOutcome, raise_safety_flag
from iop_companion.store import Store, StoreError, WriteFailed

OUTBOX_KIND = "check_in"

RaiseFlag = Callable[[SafetyTrigger], SafetyFlagOutcome]


def save_check_in(store: Store, draft: CheckInDraft, now: datetime | None = None, *,
                  raise_flag: RaiseFlag | None = None) -> dict[str, Any]:
    """Keep the check-in, and queue a frozen copy for the clinic while it receives data
    (enrolled, not discharged).

    The copy waits in the encrypted outbox until the clinic acknowledges it. A "Yes" to
    the self-harm question whose flag was not raised yet (the form raises it the moment
    the answer is chosen) is raised first: the flag is always written before the record
    that carries the answer, so a crash in between leaves an alert without a check-in,
    never a check-in saying "yes" without an alert. `raise_flag` is the session's
    `SafetyDesk.raise_flag` (it keeps a flag it could not write and retries it).

    Raises `SaveFailed` when the phone did not keep the check-in; it is then not stored
    at all when its flag could not be written either.
    """
    if check_in_needs_flag(draft):
        trigger = SafetyTrigger.CHECK_IN_SELF_HARM
        outcome = (raise_flag(trigger) if raise_flag is not None
                   else raise_safety_flag(store, trigger, now or utc_now()))
        if outcome.reach is FlagReach.NOT_SAVED:
            # No record saying "yes" may exist without its flag written first.
            raise SaveFailed.from_store(WriteFailed())
    try:
        record = store.check_ins.add(check_in_record(draft))
        if clinic_receives_data(store, now):
            store.outbox.enqueue(OUTBOX_KIND, record["id"], record)
    except StoreError as error:
        raise SaveFailed.from_store(error) from error
    return record
