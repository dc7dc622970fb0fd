"""The safety flow's service side: queue a high-priority flag for the clinic, and say
truthfully whether, and when, the clinic got it.

The flag goes into the encrypted outbox ahead of everything else and carries only
what started the flow, never the answers. Screens open the crisis screen first and
never wait on this write: `SafetyDesk.raise_flag` never raises, retries a failed
write, and reports what happened (`FlagReach`) so the screen can say it plainly.
A flag raised while the store is locked (or whose writes all failed) is held in
memory and written at the next chance (unlock, the next sync): never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from iop_companion.domain.safety import HIGH_PRIORITY, SafetyFlag, SafetyTrigger, new_safety_flag
from iop_companion.services.care_status import care_status
from iop_companion.services.clinic_link import LINK_PROBLEM_KEY, LinkState
from iop_companion.store import Store, StoreError

OUTBOX_KIND = "safety_flag"
WRITE_TRIES = 3
# Encrypted settings: flag id -> when the app first saw the clinic had taken it.
RECEIVED_PREFIX = "safety.received."
LAST_FLAG_KEY = "safety.last_flag"

log = logging.getLogger(__name__)


class FlagReach(str, Enum):
    """Whether a raised flag can reach the clinic; each has its own true sentence."""

    QUEUED = "queued"              # in the outbox: the clinic sees it at the next sync
    DISCONNECTED = "disconnected"  # queued, but the clinic disconnected this phone
    NOT_ENROLLED = "not_enrolled"  # no clinic to tell
    DISCHARGED = "discharged"      # the program ended: the app tells no one
    NOT_SAVED = "not_saved"        # the phone refused the write, even after retrying


@dataclass(frozen=True)
class SafetyFlagOutcome:
    reach: FlagReach
    flag_id: str | None = None
    trigger: SafetyTrigger | None = None

    @property
    def clinic_will_see_it(self) -> bool:
        return self.reach is FlagReach.QUEUED


def flag_reach(store: Store, now: datetime) -> FlagReach:
    """Whether a flag written now could reach the clinic, and if not, why not."""
    care = care_status(store, now)
    if not care.enrolled:
        return FlagReach.NOT_ENROLLED
    if care.discharged:
        return FlagReach.DISCHARGED
    if store.settings.get(LINK_PROBLEM_KEY) == LinkState.NOT_AUTHORISED.value:
        return FlagReach.DISCONNECTED
    return FlagReach.QUEUED


def queue_safety_flag(store: Store, flag: SafetyFlag) -> None:
    """Write the flag to the outbox (raises StoreError when the phone refuses)."""
    store.outbox.enqueue(OUTBOX_KIND, flag.id, {"trigger": flag.trigger.value},
                         priority=HIGH_PRIORITY)


def raise_safety_flag(store: Store, trigger: SafetyTrigger, now: datetime,
                      *, tries: int = WRITE_TRIES) -> SafetyFlagOutcome:
    """Queue a flag for the clinic when there is one to tell. Never raises StoreError:
    a write that fails is tried again, and one that never succeeds is reported as
    NOT_SAVED (the caller keeps it for later, see `SafetyDesk`)."""
    try:
        reach = flag_reach(store, now)
    except StoreError:
        # Even reading who to tell failed: assume the clinic should be told, and try.
        reach = FlagReach.QUEUED
    if reach in (FlagReach.NOT_ENROLLED, FlagReach.DISCHARGED):
        return SafetyFlagOutcome(reach, None, trigger)
    flag = new_safety_flag(trigger, now)
    if _write(store, flag, tries):
        return SafetyFlagOutcome(reach, flag.id, trigger)
    return SafetyFlagOutcome(FlagReach.NOT_SAVED, flag.id, trigger)


def _write(store: Store, flag: SafetyFlag, tries: int) -> bool:
    for attempt in range(1, max(1, tries) + 1):
        try:
            queue_safety_flag(store, flag)
            return True
        except StoreError as error:
            # The message is safe to log (store/errors.py): it never holds what was typed.
            log.warning("Safety flag write failed (try %d of %d): %s", attempt, tries, error)
    return False


def note_flag_receipts(store: Store, now: datetime) -> None:
    """After a sync: when the last flag has left the outbox, the clinic has it."""
    last = store.settings.get(LAST_FLAG_KEY)
    if not isinstance(last, dict) or not last.get("id"):
        return
    flag_id = str(last["id"])
    if store.settings.get(RECEIVED_PREFIX + flag_id) is None and not store.outbox.queued(flag_id):
        store.settings.set(RECEIVED_PREFIX + flag_id, now.isoformat())


def flag_received_at(store: Store, flag_id: str) -> datetime | None:
    """When the clinic was seen to hold this flag; None while it waits to be sent."""
    seen = store.settings.get(RECEIVED_PREFIX + flag_id)
    return datetime.fromisoformat(seen) if isinstance(seen, str) else None


@dataclass
class SafetyDesk:
    """Per app session: raises flags for the screens and keeps the last outcome for the
    safety screen. Flags that could not be written wait here until they can be."""

    store: Callable[[], Store | None]
    clock: Callable[[], datetime]
    last: SafetyFlagOutcome | None = None
    unsaved: list[tuple[SafetyTrigger, datetime]] = field(default_factory=list)

    def raise_flag(self, trigger: SafetyTrigger) -> SafetyFlagOutcome:
        now = self.clock()
        store = self.store()
        if store is None:
            self.unsaved.append((trigger, now))
            outcome = SafetyFlagOutcome(FlagReach.NOT_SAVED, None, trigger)
        else:
            outcome = raise_safety_flag(store, trigger, now)
            if outcome.reach is FlagReach.NOT_SAVED:
                self.unsaved.append((trigger, now))
            elif outcome.flag_id:
                self._remember(store, outcome, now)
        self.last = outcome
        return outcome

    def retry_unsaved(self) -> SafetyFlagOutcome | None:
        """Write flags that could not be written before (at unlock, before each sync).
        Returns the outcome of the last one tried, None when nothing was waiting."""
        store = self.store()
        if store is None or not self.unsaved:
            return None
        waiting, self.unsaved = self.unsaved, []
        outcome: SafetyFlagOutcome | None = None
        for trigger, when in waiting:
            outcome = raise_safety_flag(store, trigger, when)
            if outcome.reach is FlagReach.NOT_SAVED:
                self.unsaved.append((trigger, when))
            elif outcome.flag_id:
                self._remember(store, outcome, when)
        if outcome is not None and self.last is not None \
                and self.last.reach is FlagReach.NOT_SAVED:
            self.last = outcome
        return outcome

    @staticmethod
    def _remember(store: Store, outcome: SafetyFlagOutcome, now: datetime) -> None:
        trigger = outcome.trigger.value if outcome.trigger else None
        try:
            store.settings.set(LAST_FLAG_KEY, {"id": outcome.flag_id, "at": now.isoformat(),
                                               "trigger": trigger})
        except StoreError:
            pass  # only the "received" note is lost; the flag itself is queued


@dataclass(frozen=True)
class SentFlag:
    """The last flag this phone queued, and whether the clinic has it yet."""

    flag_id: str
    trigger: SafetyTrigger | None
    raised_at: datetime
    received_at: datetime | None


def last_flag(store: Store) -> SentFlag | None:
    last = store.settings.get(LAST_FLAG_KEY)
    if not isinstance(last, dict) or not last.get("id") or not last.get("at"):
        return None
    try:
        trigger = SafetyTrigger(last.get("trigger")) if last.get("trigger") else None
        raised_at = datetime.fromisoformat(str(last["at"]))
    except ValueError:
        return None
    flag_id = str(last["id"])
    return SentFlag(flag_id, trigger, raised_at, flag_received_at(store, flag_id))
