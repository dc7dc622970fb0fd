"""A clinic's own audit log, newest first, a page at a time (for its administrators).

Audit rows name an actor ("staff:<id>", "device:<id>", "family:<id>", "cli",
"anonymous") and a record (type and id), not a clinic. A row belongs to a clinic when
either of them does: its staff, its participants' devices and family members, or a
record of its own (a participant, a staff account or session, an alert, a session of
its schedule...). So a clinic's log holds what its people did, and what anyone tried to
do to its records (a clinician of another clinic asking for one of its participants, a
failed sign-in on a session of its staff). Rows that concern no clinic (a code or token
that matched nothing, a throttle) are in no clinic's log.

The rows are read newest first in batches and matched to clinics in Python, a few
queries per batch. A page stops after looking at MAX_SCANNED rows even when it found
fewer than asked: on a server shared by several clinics, one clinic's page never turns
into a scan of the whole log. Its `next` then continues where it stopped.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, StrictInt, TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from iop_companion.clinic.models import (
    Alert,
    AuditEntry,
    Consent,
    Device,
    EnrolmentCode,
    FamilyInvite,
    FamilyMember,
    HomeworkRecord,
    ModuleAssignmentRecord,
    Participant,
    ScheduledSessionRecord,
    Staff,
    StaffSession,
)
from iop_companion.clinic.paging import decode_cursor, encode_cursor
from iop_companion.sync.protocol import MAX_CURSOR

_LIST = "audit"
_KEY: TypeAdapter[tuple[int]] = TypeAdapter(
    tuple[Annotated[StrictInt, Field(ge=1, le=MAX_CURSOR)]])
SCAN_BATCH = 500
MAX_SCANNED = 5000


def audit_cursor(cursor: str) -> int:
    """The id a cursor of the audit log continues below; BadCursor if it is not one."""
    return decode_cursor(_LIST, cursor, _KEY)[0]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None  # None once the whole log has been looked at


def clinic_audit_page(db: Session, clinic_id: uuid.UUID, before: int | None,
                      limit: int) -> AuditPage:
    """Up to `limit` of the clinic's entries with ids below `before`, newest first."""
    found: list[AuditEntry] = []
    scanned = 0
    position = before
    while scanned < MAX_SCANNED:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(
            min(SCAN_BATCH, MAX_SCANNED - scanned))
        if position is not None:
            query = query.where(AuditEntry.id < position)
        batch = list(db.scalars(query))
        if not batch:
            return AuditPage(found, None)
        owners = _clinics_of(db, batch)
        for entry in batch:
            scanned += 1
            position = entry.id
            if clinic_id in owners.get(entry.id, ()):
                found.append(entry)
                if len(found) == limit:
                    return AuditPage(found, encode_cursor(_LIST, entry.id))
    return AuditPage(found, encode_cursor(_LIST, position) if position is not None else None)


# record_type -> how to find the clinic of records of that type, from their ids.
_OwnerQuery = Callable[[list[uuid.UUID]], Any]


def _through_participant(model: Any) -> _OwnerQuery:
    def query(ids: list[uuid.UUID]) -> Any:
        return (select(model.id, Participant.clinic_id)
                .join(Participant, Participant.id == model.participant_id)
                .where(model.id.in_(ids)))
    return query


def _own_column(model: Any) -> _OwnerQuery:
    def query(ids: list[uuid.UUID]) -> Any:
        return select(model.id, model.clinic_id).where(model.id.in_(ids))
    return query


def _staff_session(ids: list[uuid.UUID]) -> Any:
    return (select(StaffSession.id, Staff.clinic_id)
            .join(Staff, Staff.id == StaffSession.staff_id)
            .where(StaffSession.id.in_(ids)))


_OWNERS: dict[str, _OwnerQuery] = {
    "staff": _own_column(Staff),
    "participant": _own_column(Participant),
    "scheduled_session": _own_column(ScheduledSessionRecord),
    "homework": _own_column(HomeworkRecord),
    "module_assignment": _own_column(ModuleAssignmentRecord),
    "device": _through_participant(Device),
    "family_member": _through_participant(FamilyMember),
    "family_invite": _through_participant(FamilyInvite),
    "enrolment_code": _through_participant(EnrolmentCode),
    "consent": _through_participant(Consent),
    "alert": _through_participant(Alert),
    "staff_session": _staff_session,
}
# An actor "<prefix>:<id>" is a row of this record type.
_ACTOR_TYPES = {"staff": "staff", "device": "device", "family": "family_member"}


def _clinics_of(db: Session, entries: Iterable[AuditEntry]) -> dict[int, set[uuid.UUID]]:
    """For each entry, the clinics its actor and its record belong to."""
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    refs: dict[int, list[tuple[str, uuid.UUID]]] = {}
    for entry in entries:
        pairs = []
        prefix, _, actor_id = entry.actor.partition(":")
        if prefix in _ACTOR_TYPES and (parsed := _uuid(actor_id)) is not None:
            pairs.append((_ACTOR_TYPES[prefix], parsed))
        if entry.record_type and (parsed := _uuid(entry.record_id)) is not None:
            pairs.append((entry.record_type, parsed))
        for record_type, record_id in pairs:
            if record_type in _OWNERS:
                wanted[record_type].add(record_id)
        refs[entry.id] = pairs
    owner: dict[tuple[str, uuid.UUID], uuid.UUID] = {}
    for record_type, ids in wanted.items():
        for record_id, clinic_id in db.execute(_OWNERS[record_type](sorted(ids))):
            owner[(record_type, record_id)] = clinic_id
    clinics: dict[int, set[uuid.UUID]] = {}
    for entry_id, pairs in refs.items():
        found = {owner[pair] for pair in pairs if pair in owner}
        found |= {record_id for record_type, record_id in pairs if record_type == "clinic"}
        clinics[entry_id] = found
    return clinics


def _uuid(text: str | None) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def staff_names(db: Session, clinic_id: uuid.UUID) -> dict[str, str]:
    """"staff:<id>" -> display name, for the clinic's own staff."""
    rows = db.execute(select(Staff.id, Staff.display_name).where(Staff.clinic_id == clinic_id))
    return {f"staff:{staff_id}": name for staff_id, name in rows}
