"""Which assigned modules are still to read, due soon, past their date or read; the
order the Learn tab lists them in; and what a due date says."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from iop_companion.domain.assignments import (
    DueWhen,
    TaskState,
    due_label,
    module_tasks,
    open_tasks,
    read_dates,
    task_state,
)

TODAY = date(2026, 11, 22)  # a Sunday
LIBRARY = {"understanding-triggers", "riding-out-cravings", "sleep-and-recovery"}


def assignment(number: int, module_id: str = "riding-out-cravings", *,
               due_in: int | None = None, assigned_ago: int = 3, status: str = "assigned",
               note: str | None = None) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "module_id": module_id,
        "note": note,
        "due_on": (TODAY + timedelta(days=due_in)).isoformat() if due_in is not None else None,
        "assigned_on": (TODAY - timedelta(days=assigned_ago)).isoformat(),
        "status": status,
    }


def read_answer(item: dict[str, Any], days_ago: int = 0) -> dict[str, Any]:
    return {"id": "answer-" + item["id"], "assignment_id": item["id"],
            "module_id": item["module_id"],
            "done_on": (TODAY - timedelta(days=days_ago)).isoformat()}


@pytest.mark.parametrize(("due_in", "expected"), [
    (-3, TaskState.OVERDUE), (-1, TaskState.OVERDUE), (0, TaskState.DUE_SOON),
    (1, TaskState.DUE_SOON), (2, TaskState.DUE_SOON), (3, TaskState.OPEN),
    (None, TaskState.OPEN),
])
def test_state_follows_the_due_date(due_in: int | None, expected: TaskState) -> None:
    due_on = TODAY + timedelta(days=due_in) if due_in is not None else None
    assert task_state(due_on, None, TODAY) is expected


def test_a_read_module_is_read_whatever_its_due_date() -> None:
    assert task_state(TODAY - timedelta(days=5), TODAY, TODAY) is TaskState.READ


@pytest.mark.parametrize(("due_in", "when"), [
    (-1, DueWhen.PAST), (0, DueWhen.TODAY), (1, DueWhen.TOMORROW), (2, DueWhen.THIS_WEEK),
    (6, DueWhen.THIS_WEEK), (7, DueWhen.LATER), (40, DueWhen.LATER),
])
def test_due_labels(due_in: int, when: DueWhen) -> None:
    label = due_label(TODAY + timedelta(days=due_in), TODAY)
    assert label.when is when
    assert label.days_away == due_in
    assert label.due_on == TODAY + timedelta(days=due_in)


def test_withdrawn_and_unknown_statuses_leave_the_list() -> None:
    items = [assignment(1), assignment(2, status="withdrawn"),
             assignment(3, status="archived-in-a-newer-clinic")]
    tasks = module_tasks(items, [], LIBRARY, TODAY)
    assert [t.assignment_id for t in tasks] == [items[0]["id"]]


def test_read_answers_mark_their_assignment_read() -> None:
    first, second = assignment(1), assignment(2, "sleep-and-recovery")
    tasks = module_tasks([first, second], [read_answer(first, days_ago=1)], LIBRARY, TODAY)
    by_id = {t.assignment_id: t for t in tasks}
    assert by_id[first["id"]].state is TaskState.READ
    assert by_id[first["id"]].read_on == TODAY - timedelta(days=1)
    assert by_id[first["id"]].is_read
    assert by_id[second["id"]].state is TaskState.OPEN
    assert open_tasks(tasks) == [by_id[second["id"]]]


def test_homework_taken_back_does_not_count_as_read() -> None:
    item = assignment(1)
    taken_back = {**read_answer(item), "done": False}
    assert read_dates([taken_back]) == {}


def test_a_module_this_app_does_not_have_is_listed_and_flagged() -> None:
    item = assignment(1, "medications-for-recovery", note="Before Thursday's group")
    [task] = module_tasks([item], [], LIBRARY, TODAY)
    assert task.in_library is False
    assert task.module_id == "medications-for-recovery"
    assert task.note == "Before Thursday's group"


def test_the_list_order_is_overdue_due_soon_dated_undated_then_read() -> None:
    undated_old = assignment(1, assigned_ago=10)
    undated_new = assignment(2, assigned_ago=1)
    later = assignment(3, due_in=9)
    soon = assignment(4, due_in=1)
    today = assignment(5, due_in=0)
    overdue_long = assignment(6, due_in=-4)
    overdue = assignment(7, due_in=-1)
    read_long_ago = assignment(8, due_in=-2)
    read_yesterday = assignment(9, due_in=5)
    items = [undated_old, undated_new, later, soon, today, overdue_long, overdue,
             read_long_ago, read_yesterday]
    answers = [read_answer(read_long_ago, days_ago=6), read_answer(read_yesterday, days_ago=1)]
    tasks = module_tasks(items, answers, LIBRARY, TODAY)
    assert [t.assignment_id for t in tasks] == [i["id"] for i in [
        overdue_long, overdue, today, soon, later, undated_new, undated_old,
        read_yesterday, read_long_ago]]
    assert [t.state for t in tasks] == [
        TaskState.OVERDUE, TaskState.OVERDUE, TaskState.DUE_SOON, TaskState.DUE_SOON,
        TaskState.OPEN, TaskState.OPEN, TaskState.OPEN, TaskState.READ, TaskState.READ]


def test_an_item_that_does_not_parse_is_left_out() -> None:
    good = assignment(1)
    broken = [{"status": "assigned"}, {**assignment(2), "module_id": None},
              {**assignment(3), "id": 7}]
    fuzzy_date = {**assignment(4), "due_on": "next week", "note": 12}
    tasks = module_tasks([good, *broken, fuzzy_date], [], LIBRARY, TODAY)
    assert [t.assignment_id for t in tasks] == [good["id"], fuzzy_date["id"]]
    assert tasks[1].due_on is None and tasks[1].note == ""
