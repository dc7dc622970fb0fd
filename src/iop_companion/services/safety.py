"""The safety flow's service side: queue a high-priority flag for the clinic.

The flag goes into the encrypted outbox ahead of everything else and carries only
what started the flow, never the answers. It is queued before the crisis screen
opens, so closing the app at once cannot lose it. The screen that follows is the
same whatever started the flow (see ui/safety).
"""

from __future__ import annotations

from datetime import datetime

from iop_companion.domain.safety import HIGH_PRIORITY, SafetyFlag, SafetyTrigger, new_safety_flag
from iop_companion.services.care_status import clinic_receives_data
from iop_companion.store import Store

OUTBOX_KIND = "safety_flag"


def raise_safety_flag(store: Store, trigger: SafetyTrigger, now: datetime) -> SafetyFlag | None:
    """Queue a flag for the clinic; None when there is no clinic to tell (not connected,
    or discharged: the screens then say so and point to 988 and the clinic's phone)."""
    if not clinic_receives_data(store, now):
        return None
    flag = new_safety_flag(trigger, now)
    store.outbox.enqueue(OUTBOX_KIND, flag.id, {"trigger": flag.trigger.value},
                         priority=HIGH_PRIORITY)
    return flag
