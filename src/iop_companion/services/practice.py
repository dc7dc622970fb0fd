"""Practice exercises for the screens: saving a session (encrypted on the phone, and
queued for the clinic while in care), the after-rating as a new version of it,
favourites, recently used, minutes this week, and homework done by practising.

A session in progress is a `PracticeRun`. It lives in memory while the app is open
(so stepping away to "Get help now" or another tab loses nothing), and its snapshot
(`run_snapshot`) is written to the encrypted store by services/drafts.py just before
any lock, so locking the phone mid-way loses nothing either: it comes back paused.

Each session is one ``practice_session`` record (sync/protocol/payloads/practice.py).
Nothing is queued without a clinic, or after discharge: the session then stays on the
phone. Saving raises `SaveFailed` (screens never see store types).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from iop_companion.domain.practice import (
    Outcome,
    SessionClock,
    recently_used,
    seconds_this_week,
    session_content,
    toggled,
    week_start,
)
from iop_companion.services.care_status import clinic_receives_data
from iop_companion.services.errors import SaveFailed
from iop_companion.services.homework import answer_for, mark_done
from iop_companion.services.record_versions import queue_version
from iop_companion.store import Store, StoreError
from iop_companion.store.records import new_id
from iop_companion.sync.protocol.push import RecordKind

PRACTICE_SESSION_KIND = RecordKind.PRACTICE_SESSION.value
FAVOURITES_KEY = "practice.favourites"
BELL_KEY = "practice.bell"  # the soft bell at each change: off unless chosen
DRAFT_FORM = "practice_run"  # services.drafts form name of a session in progress
MAX_FAVOURITES = 30

log = logging.getLogger(__name__)


class Stage:
    BEFORE = "before"    # chosen, not started: duration and the optional rating
    RUNNING = "running"  # running or paused (see clock.paused)
    AFTER = "after"      # ended and saved: the optional after-rating


@dataclass(frozen=True)
class PracticeRun:
    """One session of an exercise, from choosing it to the rating after."""

    exercise_id: str
    minutes: int
    rating_kind: str
    record_id: str = ""              # set when it starts; the record's id
    started_at: str = ""             # wall-clock start (ISO, with offset)
    clock: SessionClock | None = None
    stage: str = Stage.BEFORE
    rating_before: int | None = None
    rating_after: int | None = None
    homework_id: str | None = None
    outcome: Outcome | None = None   # set when it ended
    homework_marked: bool = False    # finishing it marked the homework done

    def start(self, now: datetime, monotonic: float) -> PracticeRun:
        return replace(self, record_id=self.record_id or new_id(),
                       started_at=now.isoformat(), stage=Stage.RUNNING,
                       clock=SessionClock.started(self.minutes * 60, monotonic))

    def elapsed(self, monotonic: float) -> float:
        return self.clock.elapsed(monotonic) if self.clock is not None else 0.0


def run_snapshot(run: PracticeRun, monotonic: float) -> dict[str, Any]:
    """Plain JSON for the encrypted draft: the session as it stands, paused (a phone
    that locks mid-way must not count the minutes it spends locked)."""
    clock = run.clock.pause(monotonic) if run.clock is not None else None
    return {
        "exercise_id": run.exercise_id, "minutes": run.minutes,
        "rating_kind": run.rating_kind, "record_id": run.record_id,
        "started_at": run.started_at, "stage": run.stage,
        "elapsed": clock.banked if clock is not None else None,
        "rating_before": run.rating_before, "rating_after": run.rating_after,
        "homework_id": run.homework_id,
        "outcome": ([run.outcome.seconds_completed, run.outcome.ended_early]
                    if run.outcome is not None else None),
        "homework_marked": run.homework_marked,
    }


def run_from_snapshot(data: Any) -> PracticeRun | None:
    """The run a draft held, paused; None when the draft is unreadable."""
    if not isinstance(data, dict):
        return None
    try:
        minutes = int(data["minutes"])
        elapsed = data.get("elapsed")
        clock = (SessionClock(minutes * 60, float(elapsed), None)
                 if elapsed is not None else None)
        outcome = data.get("outcome")
        return PracticeRun(
            exercise_id=str(data["exercise_id"]), minutes=minutes,
            rating_kind=str(data.get("rating_kind") or "distress"),
            record_id=str(data.get("record_id") or ""),
            started_at=str(data.get("started_at") or ""), clock=clock,
            stage=str(data.get("stage") or Stage.BEFORE),
            rating_before=_rating(data.get("rating_before")),
            rating_after=_rating(data.get("rating_after")),
            homework_id=str(data["homework_id"]) if data.get("homework_id") else None,
            outcome=Outcome(int(outcome[0]), bool(outcome[1])) if outcome else None,
            homework_marked=bool(data.get("homework_marked")),
        )
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _rating(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= 10 else None


# ------------------------------------------------------------------------- saving


def save_session(store: Store, run: PracticeRun, outcome: Outcome,
                 now: datetime) -> dict[str, Any]:
    """Keep the session that just ended (finished or stopped early) and queue it for
    the clinic. Saving the same run again (its after-rating) is a new version."""
    if not run.record_id or not run.started_at:
        raise SaveFailed("practice: the session never started")
    try:
        content = session_content(
            exercise_id=run.exercise_id, started_at=datetime.fromisoformat(run.started_at),
            planned_minutes=run.minutes, outcome=outcome, rating_kind=run.rating_kind,
            rating_before=run.rating_before, rating_after=run.rating_after,
            homework_id=run.homework_id)
    except ValueError as error:
        raise SaveFailed(f"practice: {error}") from None
    try:
        previous = store.practice_sessions.get(run.record_id)
        if previous is not None and all(previous.get(k) == v for k, v in content.items()):
            return previous  # saved twice (a lock, then the end): nothing new to send
        record = store.practice_sessions.save({"id": run.record_id, **content})
        # Only while in care: after discharge (or with no clinic) it stays here.
        if clinic_receives_data(store, now):
            queue_version(store, PRACTICE_SESSION_KIND, record, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return record


def finish_homework(store: Store, homework_id: str | None, now: datetime) -> bool:
    """Practising the exercise a homework names marks that homework done (keeping a
    note the person wrote before). False when there is nothing to mark."""
    if not homework_id:
        return False
    try:
        if store.homework.get(homework_id) is None:
            return False
        answer = answer_for(store, homework_id)
    except StoreError:
        return False
    if answer is not None and answer.get("done") is True:
        return False
    mark_done(store, homework_id, str((answer or {}).get("note") or ""), now)
    return True


# ------------------------------------------------------------------------- lists


def week_seconds(store: Store, now: datetime, zone: tzinfo) -> int:
    """Seconds practised this week (from Monday, on `zone`'s calendar)."""
    today = now.astimezone(zone).date()
    since = datetime.combine(week_start(today), datetime.min.time(), zone) - timedelta(days=1)
    try:
        return seconds_this_week(store.practice_sessions.since(since), today, zone)
    except StoreError:
        return 0


def history(store: Store, limit: int = 10) -> list[dict[str, Any]]:
    try:
        return store.practice_sessions.recent(limit)
    except StoreError:
        return []


def recent_exercises(store: Store) -> list[str]:
    return recently_used(history(store, 30))


def favourites(store: Store) -> list[str]:
    try:
        value = store.settings.get(FAVOURITES_KEY, [])
    except StoreError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def bell_on(store: Store) -> bool:
    """Whether the person chose the soft bell at each change (off by default)."""
    try:
        return store.settings.get(BELL_KEY) is True
    except StoreError:
        return False


def set_bell(store: Store, on: bool) -> None:
    """Keep the bell choice in the encrypted store. Raises `SaveFailed`."""
    try:
        store.settings.set(BELL_KEY, bool(on))
    except StoreError as error:
        raise SaveFailed.from_store(error) from None


def toggle_favourite(store: Store, exercise_id: str) -> list[str]:
    """Star or un-star an exercise; returns the favourites now. Raises `SaveFailed`."""
    chosen = toggled(favourites(store), exercise_id)[-MAX_FAVOURITES:]
    try:
        store.settings.set(FAVOURITES_KEY, chosen)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return chosen
