"""Homework from the care team: grouping into due today / late / upcoming / done and the
order each group shows in, the due date as data for plain words, withdrawn homework, and
the note's problems. The note limit agrees with the wire format."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from iop_companion.domain.homework import (
    NOTE_MAX,
    DueKind,
    DueLabel,
    HomeworkGroup,
    answer_content,
    clean_note,
    due_label,
    homework_board,
    is_homework_answer,
    note_problem,
)
from iop_companion.sync.protocol import (
    HomeworkAssignment,
    HomeworkDonePayload,
    RecordKind,
    payload_problem,
)

TODAY = date(2026, 11, 24)  # a Tuesday


def assignment(number: int, *, due_on: date | None = None, status: str = "assigned",
               assigned_on: date = date(2026, 11, 17), title: str | None = None,
               module_id: str | None = None) -> dict[str, Any]:
    """A HomeworkAssignment as the store keeps it (JSON from the pull feed)."""
    return {"id": f"00000000-0000-4000-8000-{number:012d}", "title": title or f"Homework {number}",
            "instructions": "Write down one trigger a day.", "assigned_on": assigned_on.isoformat(),
            "due_on": due_on.isoformat() if due_on else None, "module_id": module_id,
            "status": status}


def answer(item: dict[str, Any], *, done: bool = True, done_on: date = TODAY,
           note: str = "") -> dict[str, Any]:
    return answer_content(item["id"], done, note, done_on)


def ids(items: tuple[Any, ...]) -> list[str]:
    return [item.assignment_id for item in items]


# --- the wire format -----------------------------------------------------------------

def test_the_note_limit_is_the_wire_formats() -> None:
    content = answer_content("00000000-0000-4000-8000-000000000001", True, "", TODAY)
    assert payload_problem(RecordKind.HOMEWORK_DONE, {**content, "note": "x" * NOTE_MAX}) is None
    assert payload_problem(RecordKind.HOMEWORK_DONE,
                           {**content, "note": "x" * (NOTE_MAX + 1)}) is not None


def test_an_answer_is_a_valid_homework_done_payload() -> None:
    content = answer_content("00000000-0000-4000-8000-000000000001", True, "  went ok \n",
                             TODAY)
    assert content == {"assignment_id": "00000000-0000-4000-8000-000000000001",
                       "done_on": "2026-11-24", "done": True, "note": "went ok"}
    HomeworkDonePayload.model_validate(content)


def test_the_test_assignments_are_what_the_clinic_publishes() -> None:
    HomeworkAssignment.model_validate(assignment(1, due_on=TODAY, module_id="cravings"))


# --- due dates -----------------------------------------------------------------------

@pytest.mark.parametrize(("due_on", "expected"), [
    (None, DueLabel(DueKind.NO_DATE, None)),
    (TODAY, DueLabel(DueKind.TODAY, TODAY)),
    (TODAY + timedelta(days=1), DueLabel(DueKind.TOMORROW, TODAY + timedelta(days=1))),
    (TODAY + timedelta(days=3), DueLabel(DueKind.THIS_WEEK, TODAY + timedelta(days=3))),
    (TODAY + timedelta(days=6), DueLabel(DueKind.THIS_WEEK, TODAY + timedelta(days=6))),
    # A week out, "Due Tuesday" would read as today's weekday: the date is named.
    (TODAY + timedelta(days=7), DueLabel(DueKind.LATER, TODAY + timedelta(days=7))),
    (TODAY - timedelta(days=1), DueLabel(DueKind.LATE, TODAY - timedelta(days=1), 1)),
    (TODAY - timedelta(days=2), DueLabel(DueKind.LATE, TODAY - timedelta(days=2), 2)),
])
def test_due_label(due_on: date | None, expected: DueLabel) -> None:
    assert due_label(due_on, TODAY) == expected


# --- grouping and order --------------------------------------------------------------

def test_nothing_assigned_is_an_empty_board() -> None:
    board = homework_board([], [], TODAY)
    assert board.is_empty
    assert board.to_do == ()


def test_open_homework_is_grouped_by_when_it_is_due() -> None:
    today, late, soon, undated = (assignment(1, due_on=TODAY),
                                  assignment(2, due_on=TODAY - timedelta(days=2)),
                                  assignment(3, due_on=TODAY + timedelta(days=3)),
                                  assignment(4))
    board = homework_board([undated, soon, late, today], [], TODAY)
    assert ids(board.due_today) == [today["id"]]
    assert ids(board.late) == [late["id"]]
    assert ids(board.upcoming) == [soon["id"], undated["id"]]
    assert board.done == ()
    # Due today first, then late, then what is coming up.
    assert ids(board.to_do) == [today["id"], late["id"], soon["id"], undated["id"]]
    assert [item.group for item in board.to_do] == [
        HomeworkGroup.DUE_TODAY, HomeworkGroup.LATE, HomeworkGroup.UPCOMING,
        HomeworkGroup.UPCOMING]
    assert not board.is_empty


def test_late_homework_shows_the_most_recently_due_first() -> None:
    long_ago = assignment(1, due_on=TODAY - timedelta(days=9))
    yesterday = assignment(2, due_on=TODAY - timedelta(days=1))
    board = homework_board([long_ago, yesterday], [], TODAY)
    assert ids(board.late) == [yesterday["id"], long_ago["id"]]
    assert [item.due.days_late for item in board.late] == [1, 9]


def test_upcoming_homework_is_soonest_first_and_undated_last() -> None:
    later = assignment(1, due_on=TODAY + timedelta(days=10))
    undated = assignment(2)
    tomorrow = assignment(3, due_on=TODAY + timedelta(days=1))
    board = homework_board([later, undated, tomorrow], [], TODAY)
    assert ids(board.upcoming) == [tomorrow["id"], later["id"], undated["id"]]


def test_same_day_homework_is_ordered_by_when_it_was_assigned_then_title() -> None:
    newer = assignment(1, due_on=TODAY, assigned_on=date(2026, 11, 20), title="A")
    older_b = assignment(2, due_on=TODAY, assigned_on=date(2026, 11, 10), title="b walk")
    older_a = assignment(3, due_on=TODAY, assigned_on=date(2026, 11, 10), title="A list")
    board = homework_board([newer, older_b, older_a], [], TODAY)
    assert ids(board.due_today) == [older_a["id"], older_b["id"], newer["id"]]


def test_done_homework_leaves_the_to_do_list_newest_first_with_its_note() -> None:
    first, second, open_one = (assignment(1, due_on=TODAY - timedelta(days=3)),
                               assignment(2, due_on=TODAY), assignment(3, due_on=TODAY))
    answers = [answer(first, done_on=TODAY - timedelta(days=2), note="Hard but useful"),
               answer(second, done_on=TODAY)]
    board = homework_board([first, second, open_one], answers, TODAY)
    assert ids(board.to_do) == [open_one["id"]]
    assert ids(board.done) == [second["id"], first["id"]]
    assert board.done[1].note == "Hard but useful"
    assert board.done[1].done_on == TODAY - timedelta(days=2)
    assert all(item.group is HomeworkGroup.DONE for item in board.done)


def test_undone_homework_is_back_on_the_to_do_list_with_its_note_kept() -> None:
    item = assignment(1, due_on=TODAY)
    board = homework_board([item], [answer(item, done=False, note="tried once")], TODAY)
    assert ids(board.due_today) == [item["id"]]
    assert board.due_today[0].done_on is None
    assert board.due_today[0].note == "tried once"


def test_withdrawn_homework_is_not_to_do_but_what_was_done_stays() -> None:
    withdrawn = assignment(1, due_on=TODAY, status="withdrawn")
    withdrawn_done = assignment(2, due_on=TODAY, status="withdrawn")
    board = homework_board([withdrawn, withdrawn_done], [answer(withdrawn_done)], TODAY)
    assert board.to_do == ()
    assert ids(board.done) == [withdrawn_done["id"]]
    assert board.done[0].withdrawn


def test_module_read_answers_are_not_homework_answers() -> None:
    item = assignment(1, due_on=TODAY)
    module_read = {"assignment_id": item["id"], "done_on": "2026-11-24", "module_id": "sleep"}
    assert not is_homework_answer(module_read)
    board = homework_board([item], [module_read], TODAY)
    assert ids(board.due_today) == [item["id"]]


def test_an_odd_item_from_the_clinic_does_not_hide_the_rest() -> None:
    odd = {**assignment(1), "due_on": "not a date", "assigned_on": None}
    nameless = {**assignment(2), "id": ""}
    fine = assignment(3, due_on=TODAY)
    board = homework_board([odd, nameless, fine], [], TODAY)
    assert ids(board.to_do) == [fine["id"], odd["id"]]
    assert board.to_do[1].due.kind is DueKind.NO_DATE


def test_module_and_fields_are_carried_to_the_item() -> None:
    item = assignment(1, due_on=TODAY, module_id="cravings", title="Urge log")
    [shown] = homework_board([item], [], TODAY).to_do
    assert (shown.title, shown.instructions, shown.module_id) == (
        "Urge log", "Write down one trigger a day.", "cravings")
    assert shown.assigned_on == date(2026, 11, 17)
    assert shown.due_on == TODAY


# --- the note ------------------------------------------------------------------------

def test_the_note_is_optional() -> None:
    assert note_problem("") is None
    assert note_problem("   ") is None


def test_a_note_at_the_limit_is_fine_and_one_over_is_not() -> None:
    assert note_problem("x" * NOTE_MAX) is None
    assert note_problem("x" * (NOTE_MAX + 1)) == "homework.error.note_too_long"
    # Spaces around the note are not counted: they are not saved.
    assert note_problem("  " + "x" * NOTE_MAX + "\n") is None


def test_a_pasted_note_is_cleaned_of_what_the_store_refuses() -> None:
    assert clean_note("line one\r\nline\x00two\x7f\tend ") == "line one\nline two \tend"
    assert clean_note("\ud800broken") == "?broken"


def test_homework_carries_the_exercise_the_clinic_asked_for() -> None:
    chosen = {**assignment(1), "exercise_id": "box-breathing"}
    older = assignment(2)  # published before homework could name an exercise
    board = homework_board([chosen, older], [], TODAY)
    by_id = {item.assignment_id: item for item in board.to_do}
    assert by_id[chosen["id"]].exercise_id == "box-breathing"
    assert by_id[older["id"]].exercise_id is None
