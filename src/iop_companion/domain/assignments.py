"""Modules the care team assigned: which are still to read, due soon, past their date or
read, in the order the Learn tab lists them, and what their due dates say.

Pure rules on the plain dicts the store keeps (ModuleAssignment items as the clinic
published them, and the participant's answers). An item that does not parse is left
out rather than breaking the list.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

ASSIGNED = "assigned"  # protocol.AssignmentStatus.ASSIGNED; "withdrawn" is taken back
# Due today or in the next two days: soon enough to show first.
DUE_SOON_DAYS = 2
# Due within the coming week: the weekday alone says when ("Due Friday").
THIS_WEEK_DAYS = 6


class TaskState(StrEnum):
    OVERDUE = "overdue"    # the due day has passed and it is not read yet
    DUE_SOON = "due_soon"  # due today or within DUE_SOON_DAYS
    OPEN = "open"          # to read, no date pressing (or no date at all)
    READ = "read"


class DueWhen(StrEnum):
    PAST = "past"
    TODAY = "today"
    TOMORROW = "tomorrow"
    THIS_WEEK = "this_week"  # within THIS_WEEK_DAYS: say the weekday
    LATER = "later"          # say the date


@dataclass(frozen=True)
class DueLabel:
    """What a due date means today, for the screen to put into words."""

    when: DueWhen
    due_on: date
    days_away: int  # negative once the day has passed


@dataclass(frozen=True)
class ModuleTask:
    """One module the care team asked the participant to read."""

    assignment_id: str
    module_id: str
    note: str  # the clinician's note ("" when none)
    assigned_on: date | None
    due_on: date | None
    read_on: date | None
    in_library: bool  # False: this app version does not have the module
    state: TaskState

    @property
    def is_read(self) -> bool:
        return self.state is TaskState.READ


def due_label(due_on: date, today: date) -> DueLabel:
    days = (due_on - today).days
    if days < 0:
        when = DueWhen.PAST
    elif days == 0:
        when = DueWhen.TODAY
    elif days == 1:
        when = DueWhen.TOMORROW
    elif days <= THIS_WEEK_DAYS:
        when = DueWhen.THIS_WEEK
    else:
        when = DueWhen.LATER
    return DueLabel(when=when, due_on=due_on, days_away=days)


def task_state(due_on: date | None, read_on: date | None, today: date) -> TaskState:
    if read_on is not None:
        return TaskState.READ
    if due_on is None:
        return TaskState.OPEN
    days = (due_on - today).days
    if days < 0:
        return TaskState.OVERDUE
    if days <= DUE_SOON_DAYS:
        return TaskState.DUE_SOON
    return TaskState.OPEN


def read_dates(answers: Iterable[Mapping[str, Any]]) -> dict[str, date]:
    """Assignment id -> the day it was marked read, from the participant's answers."""
    read: dict[str, date] = {}
    for answer in answers:
        assignment_id = answer.get("assignment_id")
        done_on = _day(answer.get("done_on"))
        # Homework answers share the collection; "done": False takes homework back.
        if isinstance(assignment_id, str) and done_on is not None and answer.get(
                "done", True) is not False:
            read[assignment_id] = done_on
    return read


def module_tasks(assignments: Iterable[Mapping[str, Any]],
                 answers: Iterable[Mapping[str, Any]],
                 library_ids: Collection[str], today: date) -> list[ModuleTask]:
    """The care team's modules as the Learn tab lists them (see `sort_key`).

    Withdrawn assignments (and any status this app does not know) are left out.
    """
    read = read_dates(answers)
    tasks: list[ModuleTask] = []
    for item in assignments:
        if item.get("status") != ASSIGNED:
            continue
        assignment_id, module_id = item.get("id"), item.get("module_id")
        if not isinstance(assignment_id, str) or not isinstance(module_id, str):
            continue
        due_on = _day(item.get("due_on"))
        read_on = read.get(assignment_id)
        note = item.get("note")
        tasks.append(ModuleTask(
            assignment_id=assignment_id,
            module_id=module_id,
            note=note.strip() if isinstance(note, str) else "",
            assigned_on=_day(item.get("assigned_on")),
            due_on=due_on,
            read_on=read_on,
            in_library=module_id in library_ids,
            state=task_state(due_on, read_on, today),
        ))
    return sorted(tasks, key=sort_key)


_STATE_ORDER = {TaskState.OVERDUE: 0, TaskState.DUE_SOON: 1, TaskState.OPEN: 2,
                TaskState.READ: 3}


def sort_key(task: ModuleTask) -> tuple[int, int, int, str]:
    """To do before read; among those to do, the earliest due date first (undated ones
    after dated ones, newest assignment first); read ones most recently read first."""
    rank = _STATE_ORDER[task.state]
    if task.state is TaskState.READ:
        assert task.read_on is not None
        return rank, 0, -task.read_on.toordinal(), task.assignment_id
    if task.due_on is not None:
        return rank, 0, task.due_on.toordinal(), task.assignment_id
    assigned = task.assigned_on.toordinal() if task.assigned_on else 0
    return rank, 1, -assigned, task.assignment_id


def open_tasks(tasks: Iterable[ModuleTask]) -> list[ModuleTask]:
    return [task for task in tasks if not task.is_read]


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
