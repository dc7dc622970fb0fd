"""Saving a daily check-in: on the phone first, then queued for the clinic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from iop_companion.domain.check_in import CheckInDraft, check_in_record
from iop_companion.services.care_status import clinic_receives_data
from iop_companion.store import Store

OUTBOX_KIND = "check_in"


def save_check_in(store: Store, draft: CheckInDraft,
                  now: datetime | None = None) -> dict[str, Any]:
    """Keep the check-in, and queue a frozen copy for the clinic while it receives data
    (enrolled, not discharged).

    The copy waits in the encrypted outbox until the clinic acknowledges it.
    """
    record = store.check_ins.add(check_in_record(draft))
    if clinic_receives_data(store, now):
        store.outbox.enqueue(OUTBOX_KIND, record["id"], record)
    return record
