"""Learn: the modules the care team assigned, and saying "I've read this".

Marking an assigned module read stores one answer (protocol.ModuleReadPayload, id
`assignment_answer_id(assignment id)`) in `store.assignment_answers`, and queues it for
the clinic while the clinic receives data (services/care_status.py): connected and not
discharged. Marking it again changes nothing. Reading a module nobody assigned stays on
the phone: it is noted in the encrypted settings and never queued. Marking raises
`SaveFailed` when the phone did not keep it (screens never see store types).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from iop_companion.domain.assignments import ASSIGNED, ModuleTask, module_tasks, read_dates
from iop_companion.services.care_status import clinic_day, clinic_receives_data
from iop_companion.services.errors import SaveFailed
from iop_companion.services.record_versions import ever_queued, has_unsent, queue_version
from iop_companion.store import Store, StoreError
from iop_companion.sync.protocol import RecordKind, assignment_answer_id, payload_problem

MODULE_READ_KIND = RecordKind.MODULE_READ.value
ANSWER_SCHEMA_VERSION = 1
# Modules read without an assignment: {module_id: ISO day}, on this phone only.
READ_HERE_KEY = "learn.read_here"


def assigned_modules(store: Store, library_ids: Collection[str],
                     now: datetime) -> list[ModuleTask]:
    """The care team's modules, to read first, for the Learn tab. Due dates are the
    clinic's days, so "overdue" is judged on the clinic's calendar."""
    return module_tasks(store.module_assignments.all(), store.assignment_answers.all(),
                        library_ids, clinic_day(store, now))


def answer_id(assignment_id: str) -> str:
    return str(assignment_answer_id(assignment_id))


def mark_assignment_read(store: Store, assignment_id: str, now: datetime) -> dict[str, Any]:
    """The participant read an assigned module: keep the answer and, while the clinic
    receives data, queue it for the clinic. Returns the stored answer.

    Safe to call twice (a double tap, or again after a crash between the two writes):
    the answer is written once and queued at most once. Raises `SaveFailed` when the
    module is no longer assigned or the phone did not keep the answer.
    """
    try:
        return _mark_assignment_read(store, assignment_id, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None


def _mark_assignment_read(store: Store, assignment_id: str, now: datetime) -> dict[str, Any]:
    assignment = store.module_assignments.get(assignment_id)
    if assignment is None or assignment.get("status") != ASSIGNED:
        raise SaveFailed("assignment: is no longer assigned to you")
    record_id = answer_id(assignment_id)
    record = store.assignment_answers.get(record_id)
    if record is None:
        stamp = now.isoformat()
        record = {
            "id": record_id,
            "assignment_id": assignment_id,
            "module_id": str(assignment["module_id"]),
            # The phone's own day, as the protocol asks for done_on.
            "done_on": now.astimezone().date().isoformat(),
            "created_at": stamp,
            "updated_at": stamp,
            "schema_version": ANSWER_SCHEMA_VERSION,
        }
        problem = payload_problem(RecordKind.MODULE_READ, record)
        if problem is not None:
            raise SaveFailed(f"module_read: {problem}")
        store.assignment_answers.apply_changes([record])
    if clinic_receives_data(store, now) and not ever_queued(store, record_id):
        queue_version(store, MODULE_READ_KIND, record, now)
    return record


def waiting_to_send(store: Store, assignment_id: str) -> bool:
    """Whether the "read" answer still waits in the outbox for the clinic."""
    return has_unsent(store, answer_id(assignment_id))


def mark_read_here(store: Store, module_id: str, now: datetime) -> date:
    """A module read from the library, not assigned: noted on this phone only. Raises
    `SaveFailed` when the phone did not keep the note."""
    day = now.astimezone().date()
    try:
        read = dict(store.settings.get(READ_HERE_KEY) or {})
        if module_id not in read:
            read[module_id] = day.isoformat()
            store.settings.set(READ_HERE_KEY, read)
            return day
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return date.fromisoformat(read[module_id])


def modules_read(store: Store) -> dict[str, date]:
    """Module id -> the first day it was marked read, assigned or not."""
    read: dict[str, date] = {}
    for module_id, day in (store.settings.get(READ_HERE_KEY) or {}).items():
        try:
            read[module_id] = date.fromisoformat(day)
        except (TypeError, ValueError):
            continue
    module_of = {item.get("id"): item.get("module_id")
                 for item in store.module_assignments.all()}
    for assignment_id, day in read_dates(store.assignment_answers.all()).items():
        module_id = module_of.get(assignment_id)
        if isinstance(module_id, str) and (module_id not in read or day < read[module_id]):
            read[module_id] = day
    return read
