"""My treatment goals: the goals agreed with the therapist, in small steps, with a
weekly self-rating of progress.

Pure rules on plain data: the form as typed (steps one per line) to the stored goal,
the plain-language problems that stop a save, the week a rating belongs to, and the
progress shown on each goal. The limits are the wire format's (sync/protocol/
TreatmentGoalPayload, GoalRatingPayload); tests/domain/test_goals.py checks they agree.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from iop_companion.domain.safety_plan import lines_to_items

GOAL_STATUSES = ("active", "achieved", "set_aside")
TITLE_MAX = 200
WHY_MAX = 1000
STEP_MAX = 200
STEPS_MAX = 12
RATING_MIN, RATING_MAX = 0, 10
RATING_NOTE_MAX = 500
GOAL_FIELDS = ("title", "why_it_matters", "steps", "status")
# Who wrote a goal: the participant on this phone, or their care team at the clinic.
AUTHORS = ("participant", "clinic")

# A rating is one record per goal and week, so its id is derived from both: rating the
# same week again (on this phone or after a reinstall) is a new version of that record.
_RATING_NAMESPACE = uuid.UUID("5b0e7d0c-2f4a-4f0e-9a51-7c3b8f1d6e42")


@dataclass(frozen=True)
class GoalDraft:
    """The goal form as typed: steps one per line."""

    title: str = ""
    why_it_matters: str = ""
    steps: str = ""
    status: str = "active"


def draft_from_goal(goal: Mapping[str, Any] | None) -> GoalDraft:
    """The form filled in from a saved goal (or empty for a new one)."""
    if not goal:
        return GoalDraft()
    return GoalDraft(
        title=str(goal.get("title") or ""),
        why_it_matters=str(goal.get("why_it_matters") or ""),
        steps="\n".join(str(step.get("text") or "") for step in goal.get("steps") or []),
        status=str(goal.get("status") or "active"),
    )


def goal_problems(draft: GoalDraft) -> dict[str, str]:
    """Field name -> translation key of what stops the save; empty when it can be saved."""
    problems: dict[str, str] = {}
    title = draft.title.strip()
    if not title:
        problems["title"] = "goals.edit.error.title_missing"
    elif len(title) > TITLE_MAX:
        problems["title"] = "goals.edit.error.too_long"
    if len(draft.why_it_matters.strip()) > WHY_MAX:
        problems["why_it_matters"] = "goals.edit.error.too_long"
    steps = lines_to_items(draft.steps)
    if len(steps) > STEPS_MAX:
        problems["steps"] = "goals.edit.error.too_many_steps"
    elif any(len(step) > STEP_MAX for step in steps):
        problems["steps"] = "goals.edit.error.step_too_long"
    if draft.status not in GOAL_STATUSES:
        problems["status"] = "goals.edit.error.status"
    return problems


def goal_record(draft: GoalDraft, previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The goal's content as the store keeps it; call only when `goal_problems` is empty.

    Steps already ticked stay ticked when their text is unchanged, so rewording one
    step or adding another does not undo the progress on the rest.
    """
    ticked: dict[str, int] = {}
    for step in (previous or {}).get("steps") or []:
        if step.get("done"):
            key = str(step.get("text", "")).strip().casefold()
            ticked[key] = ticked.get(key, 0) + 1
    steps: list[dict[str, Any]] = []
    for text in lines_to_items(draft.steps):
        key = text.casefold()
        done = ticked.get(key, 0) > 0
        if done:
            ticked[key] -= 1  # two identical steps: each tick is kept once
        steps.append({"text": text, "done": done})
    return {
        "title": draft.title.strip(),
        "why_it_matters": draft.why_it_matters.strip(),
        "steps": steps,
        "status": draft.status,
    }


def goal_content(goal: Mapping[str, Any]) -> dict[str, Any]:
    """Only what the goal says (no id, dates or author): what an edit starts from."""
    return {
        "title": goal["title"],
        "why_it_matters": goal.get("why_it_matters") or "",
        "steps": [{"text": step["text"], "done": bool(step.get("done"))}
                  for step in goal.get("steps") or []],
        "status": goal.get("status") or "active",
    }


def with_step_done(goal: Mapping[str, Any], index: int, done: bool) -> dict[str, Any]:
    """The goal's content with step `index` ticked (or not)."""
    content = goal_content(goal)
    if not 0 <= index < len(content["steps"]):
        raise IndexError(f"the goal has no step {index}")
    content["steps"][index]["done"] = done
    return content


def week_of(day: date) -> date:
    """The Monday that starts the week of `day`: what a weekly rating is filed under."""
    return day - timedelta(days=day.weekday())


def rating_id(goal_id: str, week: date) -> str:
    """The one record id for this goal's rating of this week (the same on every phone)."""
    return str(uuid.uuid5(_RATING_NAMESPACE, f"{uuid.UUID(goal_id)}/{week_of(week).isoformat()}"))


def rating_problems(rating: int | None, note: str) -> dict[str, str]:
    """Field name -> translation key; empty when the rating can be saved."""
    problems: dict[str, str] = {}
    if rating is None or not RATING_MIN <= rating <= RATING_MAX:
        problems["rating"] = "goals.rate.error.pick"
    if len(note.strip()) > RATING_NOTE_MAX:
        problems["note"] = "goals.rate.error.note_too_long"
    return problems


def rating_words(rating: int) -> str:
    """The plain words for a rating, as a translation key suffix (goals.rate.words.*)."""
    if rating <= RATING_MIN:
        return "not_yet"
    if rating <= 3:
        return "a_little"
    if rating <= 6:
        return "some"
    if rating < RATING_MAX:
        return "a_lot"
    return "all_the_way"


@dataclass(frozen=True)
class GoalProgress:
    """What a goal's card says about progress."""

    steps_done: int
    steps_total: int
    this_week: int | None  # this week's rating, if given
    last_week: int | None  # the week before's, to compare kindly

    @property
    def rated_this_week(self) -> bool:
        return self.this_week is not None


def goal_progress(goal: Mapping[str, Any], ratings: Iterable[Mapping[str, Any]],
                  today: date) -> GoalProgress:
    """Steps done of all steps, and this week's and last week's ratings of this goal."""
    steps = goal.get("steps") or []
    this_monday = week_of(today)
    by_week = {str(r["week_of"]): int(r["rating"]) for r in ratings
               if r.get("goal_id") == goal.get("id")}
    return GoalProgress(
        steps_done=sum(1 for step in steps if step.get("done")),
        steps_total=len(steps),
        this_week=by_week.get(this_monday.isoformat()),
        last_week=by_week.get((this_monday - timedelta(days=7)).isoformat()),
    )


_STATUS_ORDER = {status: position for position, status in enumerate(GOAL_STATUSES)}


def ordered_goals(goals: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Goals being worked on first, then reached ones, then those set aside; each group
    oldest first (the order they were agreed in)."""
    return sorted((dict(goal) for goal in goals),
                  key=lambda g: (_STATUS_ORDER.get(str(g.get("status")), len(GOAL_STATUSES)),
                                 str(g.get("created_at", "")), str(g.get("id", ""))))
