"""Homework from the care team: what is to do, marking it done (with an optional note
on how it went) and taking that back.

The care team's assignments arrive on the pull feed (services/clinic_link.py keeps
them in ``store.homework``). The participant's answer to one assignment is one record,
``protocol.assignment_answer_id(assignment id)``, kept in ``store.assignment_answers``:
marking it done again, or "not done after all", is a new version of that record for
the clinic (services/record_versions.py). Nothing is queued without a clinic, or after
discharge (services/care_status.py): the answer then stays on the phone. Marking and
undoing raise `SaveFailed` when the answer could not be kept (screens never see store
types).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from iop_companion.domain.homework import (
    HomeworkBoard,
    answer_content,
    homework_board,
    is_homework_answer,
    note_problem,
)
from iop_companion.services.care_status import clinic_day, clinic_receives_data
from iop_companion.services.errors import SaveFailed
from iop_companion.services.record_versions import queue_version
from iop_companion.store import Store, StoreError
from iop_companion.store.records import SCHEMA_VERSIONS, iso_utc
from iop_companion.sync.protocol import RecordKind, assignment_answer_id

HOMEWORK_DONE_KIND = RecordKind.HOMEWORK_DONE.value


def board(store: Store, now: datetime) -> HomeworkBoard:
    """The Practice tab's homework on the clinic's day (due dates are the clinic's)."""
    return homework_board(store.homework.all(), store.assignment_answers.all(),
                          clinic_day(store, now))


def answer_for(store: Store, assignment_id: str) -> dict[str, Any] | None:
    """The participant's latest answer to this homework, if any."""
    answer = store.assignment_answers.get(str(assignment_answer_id(assignment_id)))
    return answer if answer is not None and is_homework_answer(answer) else None


def mark_done(store: Store, assignment_id: str, note: str, now: datetime) -> dict[str, Any]:
    """Mark a homework assignment as done, with an optional note on how it went.

    Raises `SaveFailed` when the note is too long (check `note_problem` first), the
    assignment is no longer on this phone, or the phone did not keep the answer.
    """
    problem = note_problem(note)
    if problem is not None:
        raise SaveFailed("note: is too long")
    return _save_answer(store, assignment_id, True, note, now)


def undo_done(store: Store, assignment_id: str, now: datetime) -> dict[str, Any] | None:
    """It is not done after all: back on the to-do list. The note is kept (for the
    next time it is marked done). Returns the answer, or None when it was not done.
    Raises `SaveFailed` when the phone did not keep the change."""
    try:
        previous = answer_for(store, assignment_id)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    if previous is None or previous.get("done") is not True:
        return previous
    return _save_answer(store, assignment_id, False, str(previous.get("note") or ""), now)


def _save_answer(store: Store, assignment_id: str, done: bool, note: str,
                 now: datetime) -> dict[str, Any]:
    try:
        return _write_answer(store, assignment_id, done, note, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None


def _write_answer(store: Store, assignment_id: str, done: bool, note: str,
                  now: datetime) -> dict[str, Any]:
    if store.homework.get(assignment_id) is None:
        raise SaveFailed("homework: is no longer on this phone")
    previous = answer_for(store, assignment_id)
    content = answer_content(assignment_id, done, note, clinic_day(store, now))
    unchanged = previous is not None and all(
        previous.get(name) == content[name] for name in ("done", "note"))
    if unchanged and previous is not None:
        return previous  # tapped twice: nothing new to keep or to send
    stamp = iso_utc(now)
    record = {
        "id": str(assignment_answer_id(assignment_id)),
        **content,
        "created_at": previous.get("created_at", stamp) if previous else stamp,
        "updated_at": stamp,
        "schema_version": SCHEMA_VERSIONS["assignment_answers"],
    }
    store.assignment_answers.apply_changes([record])
    # Only while in care: after discharge (or with no clinic) the answer stays here.
    if clinic_receives_data(store, now):
        queue_version(store, HOMEWORK_DONE_KIND, record, now)
    return record
