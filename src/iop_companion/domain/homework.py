"""Homework from the care team: practice set between sessions, and the participant's
"done" answers to it.

Pure rules on plain data: which assignments are still to do and in what order, how
each one's due date reads (as data: the screen picks the words), which are done, and
the problems that stop a note from being saved. Assignments arrive as the clinic
publishes them (sync/protocol/ HomeworkAssignment, stored as JSON); answers are the
participant's homework_done records (HomeworkDonePayload). The note limit is the wire
format's; tests/domain/test_homework.py checks they agree.

Late homework is never a failure here: it stays on the to-do list with a gentle label
for as long as the care team keeps it assigned (a lapse in practice is part of
learning a skill, not a reason to give up on it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

NOTE_MAX = 1000
# Within this many days, a due date reads as a weekday ("Due Friday"); further out it
# names the date, so "Friday" is never ambiguous between this week and next.
WEEKDAY_HORIZON_DAYS = 6
ASSIGNED = "assigned"
WITHDRAWN = "withdrawn"  # the clinic took it back: not to do any more

# Characters a note must not carry (the store refuses them): C0 controls except tab
# and newline, DEL, C1 controls. Pasted text sometimes brings them along.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class DueKind(StrEnum):
    """How an assignment's due date reads on the screen."""

    NO_DATE = "no_date"
    TODAY = "today"
    TOMORROW = "tomorrow"
    THIS_WEEK = "this_week"  # "Due Friday"
    LATER = "later"          # "Due Friday, December 4"
    LATE = "late"            # "2 days late", said kindly


@dataclass(frozen=True)
class DueLabel:
    """What the screen needs to say when something is due (the words are its job)."""

    kind: DueKind
    due_on: date | None
    days_late: int = 0


class HomeworkGroup(StrEnum):
    DUE_TODAY = "due_today"
    LATE = "late"
    UPCOMING = "upcoming"  # due later, or no due date
    DONE = "done"


@dataclass(frozen=True)
class HomeworkItem:
    """One assignment with the participant's answer to it, as the Practice tab shows it."""

    assignment_id: str
    title: str
    instructions: str
    due_on: date | None
    assigned_on: date | None
    module_id: str | None
    withdrawn: bool
    group: HomeworkGroup
    due: DueLabel
    done_on: date | None  # set when done
    note: str             # the participant's note (kept after an undo, for next time)
    exercise_id: str | None = None  # a practice exercise the clinic asked for by id


@dataclass(frozen=True)
class HomeworkBoard:
    """The Practice tab's homework, grouped and in the order it is shown."""

    due_today: tuple[HomeworkItem, ...] = ()
    late: tuple[HomeworkItem, ...] = ()
    upcoming: tuple[HomeworkItem, ...] = ()
    done: tuple[HomeworkItem, ...] = ()

    @property
    def to_do(self) -> tuple[HomeworkItem, ...]:
        """What is still open: due today first, then late, then what is coming up."""
        return self.due_today + self.late + self.upcoming

    @property
    def is_empty(self) -> bool:
        return not (self.to_do or self.done)


def due_label(due_on: date | None, today: date) -> DueLabel:
    """How the due date of an open assignment reads on `today` (the clinic's day)."""
    if due_on is None:
        return DueLabel(DueKind.NO_DATE, None)
    days_left = (due_on - today).days
    if days_left < 0:
        return DueLabel(DueKind.LATE, due_on, days_late=-days_left)
    if days_left == 0:
        return DueLabel(DueKind.TODAY, due_on)
    if days_left == 1:
        return DueLabel(DueKind.TOMORROW, due_on)
    if days_left <= WEEKDAY_HORIZON_DAYS:
        return DueLabel(DueKind.THIS_WEEK, due_on)
    return DueLabel(DueKind.LATER, due_on)


def clean_note(note: str) -> str:
    """The note as it is saved: trimmed, line endings made plain, and characters the
    store refuses (control characters, broken surrogates from a paste) made spaces."""
    text = note.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARACTERS.sub(" ", text)
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text.strip()


def note_problem(note: str) -> str | None:
    """Translation key of what stops the note from being saved; None when it can be.

    The note is optional, so only its length can be a problem.
    """
    if len(clean_note(note)) > NOTE_MAX:
        return "homework.error.note_too_long"
    return None


def answer_content(assignment_id: str, done: bool, note: str, done_on: date) -> dict[str, Any]:
    """The homework_done record's content (without the store's envelope fields).

    Call only when `note_problem(note)` is None.
    """
    return {"assignment_id": assignment_id, "done_on": done_on.isoformat(), "done": done,
            "note": clean_note(note)}


def is_homework_answer(answer: Mapping[str, Any]) -> bool:
    """Whether an assignment answer is a homework_done record (module-read answers
    share the same collection)."""
    return "done" in answer and "assignment_id" in answer


def homework_board(assignments: Iterable[Mapping[str, Any]],
                   answers: Iterable[Mapping[str, Any]], today: date) -> HomeworkBoard:
    """Group the care team's homework for the Practice tab.

    - To do: assigned and not done; due today, then late (the most recently due
      first: the freshest is the easiest to pick up again), then upcoming (soonest
      first, undated last).
    - Done: marked done (newest first), withdrawn or not: what the person did stays
      theirs to see.
    - Withdrawn and not done: not shown at all.
    """
    answered = {str(answer["assignment_id"]): answer for answer in answers
                if is_homework_answer(answer)}
    groups: dict[HomeworkGroup, list[HomeworkItem]] = {group: [] for group in HomeworkGroup}
    for assignment in assignments:
        item = _item(assignment, answered.get(str(assignment.get("id"))), today)
        if item is not None:
            groups[item.group].append(item)
    far_future, far_past = date.max, date.min
    return HomeworkBoard(
        due_today=tuple(sorted(groups[HomeworkGroup.DUE_TODAY], key=_by_assigned)),
        late=tuple(sorted(groups[HomeworkGroup.LATE],
                          key=lambda i: (-(i.due_on or far_past).toordinal(),
                                         *_by_assigned(i)))),
        upcoming=tuple(sorted(groups[HomeworkGroup.UPCOMING],
                              key=lambda i: (i.due_on or far_future, *_by_assigned(i)))),
        done=tuple(sorted(groups[HomeworkGroup.DONE],
                          key=lambda i: (-(i.done_on or far_past).toordinal(),
                                         *_by_assigned(i)))),
    )


def _by_assigned(item: HomeworkItem) -> tuple[date, str, str]:
    """Tie-breaker: the oldest assignment first, then by title, then by id (stable)."""
    return (item.assigned_on or date.min, item.title.casefold(), item.assignment_id)


def _item(assignment: Mapping[str, Any], answer: Mapping[str, Any] | None,
          today: date) -> HomeworkItem | None:
    assignment_id = str(assignment.get("id") or "")
    if not assignment_id:
        return None
    done = bool(answer and answer.get("done") is True)
    withdrawn = assignment.get("status") == WITHDRAWN
    if withdrawn and not done:
        return None
    due_on = _day(assignment.get("due_on"))
    due = due_label(due_on, today)
    if done:
        group = HomeworkGroup.DONE
    elif due.kind is DueKind.TODAY:
        group = HomeworkGroup.DUE_TODAY
    elif due.kind is DueKind.LATE:
        group = HomeworkGroup.LATE
    else:
        group = HomeworkGroup.UPCOMING
    module_id = assignment.get("module_id")
    return HomeworkItem(
        assignment_id=assignment_id,
        title=str(assignment.get("title") or ""),
        instructions=str(assignment.get("instructions") or ""),
        due_on=due_on,
        assigned_on=_day(assignment.get("assigned_on")),
        module_id=str(module_id) if module_id else None,
        withdrawn=withdrawn,
        group=group,
        due=due,
        done_on=_day(answer.get("done_on")) if done and answer else None,
        note=str(answer.get("note") or "") if answer else "",
        exercise_id=str(assignment.get("exercise_id")) if assignment.get("exercise_id") else None,
    )


def _day(value: Any) -> date | None:
    """An ISO date from stored JSON; None when absent or unreadable (never raises on
    what the clinic sent: one odd item must not hide the rest)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
