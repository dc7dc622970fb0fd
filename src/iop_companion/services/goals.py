"""My treatment goals: kept on the phone first, and shared both ways with the clinic so
the next individual session can start from them.

Every change of a goal (written here, edited, a step ticked) is a new version of that
goal for the clinic; a weekly rating is one record per goal and week, and rating the
same week again is a new version of it. Nothing is queued without a clinic, or after
discharge (services/care_status.py). Versions the clinic publishes come back through
the pull feed (services/shared_records.py) into ``store.goals``. What the screens call
raises `SaveFailed` when the phone did not keep the change (never a store type).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from iop_companion.domain.goals import (
    GoalDraft,
    GoalProgress,
    goal_content,
    goal_progress,
    goal_record,
    ordered_goals,
    week_of,
    with_step_done,
)
from iop_companion.services.care_status import clinic_day, clinic_receives_data
from iop_companion.services.errors import SaveFailed
from iop_companion.services.record_versions import ever_queued, has_unsent, queue_version
from iop_companion.store import Store, StoreError
from iop_companion.store.goals import wire_form

TREATMENT_GOAL_KIND = "treatment_goal"
GOAL_RATING_KIND = "goal_rating"
# Said when the goal was removed meanwhile (by the care team, say).
_GOAL_GONE = "goal: is no longer on this phone"


@dataclass(frozen=True)
class GoalOverview:
    """One goal as the "My goals" page shows it."""

    goal: dict[str, Any]
    progress: GoalProgress
    from_care_team: bool  # set by the clinic, not typed on this phone
    waiting_to_send: bool  # a change of it has not reached the clinic yet
    # The care team changed it too while a change here waited: the participant chooses
    # which version stays (Settings, "Needs your attention").
    needs_choice: bool


def goal_overviews(store: Store, now: datetime) -> list[GoalOverview]:
    """Every goal with its progress: the ones being worked on first."""
    today = clinic_day(store, now)
    ratings = store.goal_ratings.all()
    conflicted = {entry["record_id"] for entry in store.outbox.parked()
                  if entry.get("conflict_latest")}
    return [GoalOverview(goal=goal, progress=goal_progress(goal, ratings, today),
                         from_care_team=goal.get("author") == "clinic",
                         waiting_to_send=has_unsent(store, goal["id"]),
                         needs_choice=goal["id"] in conflicted)
            for goal in ordered_goals(store.goals.all())]


def this_week(store: Store, now: datetime) -> date:
    """The Monday of this week at the clinic: what a rating given now is filed under."""
    return week_of(clinic_day(store, now))


def save_goal(store: Store, draft: GoalDraft, now: datetime,
              goal_id: str | None = None) -> dict[str, Any]:
    """Save a goal as typed: a new one (no `goal_id`) or an edit, whoever set it.

    Call only when `goal_problems(draft)` is empty. Raises `SaveFailed` when the goal is
    no longer on this phone or the phone did not keep the change.
    """
    try:
        previous = store.goals.get(goal_id) if goal_id is not None else None
        if goal_id is not None and previous is None:
            raise SaveFailed(_GOAL_GONE)
        record = store.goals.save({**(previous or {}), **goal_record(draft, previous)})
        _share_goal(store, previous, record, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return record


def set_step_done(store: Store, goal_id: str, step_index: int, done: bool,
                  now: datetime) -> dict[str, Any]:
    """Tick (or untick) one step of a goal. Raises `SaveFailed` when the goal or step is
    no longer there or the phone did not keep the change."""
    try:
        previous = store.goals.get(goal_id)
        if previous is None:
            raise SaveFailed(_GOAL_GONE)
        try:
            content = with_step_done(previous, step_index, done)
        except IndexError:
            raise SaveFailed("step: is no longer part of this goal") from None
        record = store.goals.save({**previous, **content})
        _share_goal(store, previous, record, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return record


def rate_week(store: Store, goal_id: str, rating: int, note: str,
              now: datetime) -> dict[str, Any]:
    """This week's self-rating of a goal (0: no progress yet, 10: all the way).

    Call only when `rating_problems(rating, note)` is empty. Raises `SaveFailed` when the
    goal is no longer on this phone or the phone did not keep the rating.
    """
    try:
        if store.goals.get(goal_id) is None:
            raise SaveFailed(_GOAL_GONE)
        week = this_week(store, now)
        previous = store.goal_ratings.get(goal_id, week)
        record = store.goal_ratings.rate({"goal_id": goal_id, "week_of": week.isoformat(),
                                          "rating": rating, "note": note.strip()})
        unchanged = previous is not None and all(
            previous[name] == record[name] for name in ("rating", "note"))
        if clinic_receives_data(store, now) and not (unchanged
                                                     and ever_queued(store, record["id"])):
            queue_version(store, GOAL_RATING_KIND, record, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return record


def share_goals_on_connecting(store: Store, now: datetime) -> int:
    """Goals (and their ratings) written before the phone was connected go to the clinic
    on connecting: they are meant for the next session. Returns how many were queued."""
    if not clinic_receives_data(store, now):
        return 0
    queued = 0
    for goal in store.goals.all():
        if not ever_queued(store, goal["id"]):
            queue_version(store, TREATMENT_GOAL_KIND, wire_form(goal), now)
            queued += 1
    for rating in store.goal_ratings.all():
        if not ever_queued(store, rating["id"]):
            queue_version(store, GOAL_RATING_KIND, rating, now)
            queued += 1
    return queued


def _share_goal(store: Store, previous: dict[str, Any] | None, record: dict[str, Any],
                now: datetime) -> None:
    if not clinic_receives_data(store, now):
        return  # no clinic, or discharged: it stays on the phone
    if (previous is not None and goal_content(previous) == goal_content(record)
            and ever_queued(store, record["id"])):
        return  # saved without a change: the clinic already has this version
    queue_version(store, TREATMENT_GOAL_KIND, wire_form(record), now)
