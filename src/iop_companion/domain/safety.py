"""When the safety flow starts, and the flag it queues for the clinic. Pure functions.

Triggers (see /work/shared/reference/clinical.md, "Safety flow"):
  * PHQ-9 item 9 above 0, whatever the total; item 9 at 0 never triggers, even when the
    total is severe (the total alone is for the care team, not the crisis screen);
  * a "thoughts of suicide or self-harm" answer in a check-in or diary card;
  * the participant pressing "I need help now".
A trigger shows crisis help at once (offline) and queues a `SafetyFlag` to the clinic at
`HIGH_PRIORITY`, ahead of everything else waiting to sync. The flag carries no answers:
only what started it and when.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from iop_companion.domain.measures import Phq9Result

# Outbox priority of a safety flag: higher than anything else is ever queued at, so the
# clinic learns of it before any routine data in the same sync.
HIGH_PRIORITY = 100


class SafetyTrigger(str, Enum):
    PHQ9_ITEM9 = "phq9_item9"
    CHECK_IN_SELF_HARM = "check_in_self_harm"
    DIARY_CARD_SELF_HARM = "diary_card_self_harm"
    PARTICIPANT_REQUEST = "participant_request"


@dataclass(frozen=True)
class SafetyFlag:
    """A high-priority notice a clinician must acknowledge."""

    id: str
    trigger: SafetyTrigger
    created_at: datetime
    priority: int = HIGH_PRIORITY


def safety_triggers_for_phq9(result: Phq9Result) -> list[SafetyTrigger]:
    # Any answer above "not at all" counts: there is no threshold on item 9.
    return [SafetyTrigger.PHQ9_ITEM9] if result.item9 > 0 else []


def safety_trigger_for_check_in(thoughts_of_self_harm: bool | None) -> SafetyTrigger | None:
    """The trigger for a check-in's self-harm question; unanswered (None) is not a yes."""
    if thoughts_of_self_harm is None or thoughts_of_self_harm is False:
        return None
    if thoughts_of_self_harm is True:
        return SafetyTrigger.CHECK_IN_SELF_HARM
    # A 1, "no" or "yes" here is a caller bug; guessing could hide a real answer or raise
    # a false alarm, so fail loudly where tests will catch it.
    raise TypeError("thoughts_of_self_harm must be True, False or None.")


def new_safety_flag(trigger: SafetyTrigger, now: datetime) -> SafetyFlag:
    if not isinstance(trigger, SafetyTrigger):
        raise TypeError("trigger must be a SafetyTrigger.")
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a time-zone-aware datetime.")
    return SafetyFlag(id=str(uuid.uuid4()), trigger=trigger, created_at=now)
