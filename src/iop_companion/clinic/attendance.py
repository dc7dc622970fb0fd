"""Who came to a session: who the clinic expects, and recording each one's attendance
(attended, missed, excused), which may raise a "missed sessions" alert
(clinic/alert_evaluation.py `raise_attendance_alerts` says what counts).

Who is expected at a session, on the session's day in the clinic's calendar:

* a participant's session: that participant;
* a group's session: the group's current members;
* a whole-program session: the clinic's participants whose program covers that day
  (started, not ended; no dates: always);

in each case leaving out anyone discharged by that day. Someone whose attendance was
recorded stays listed even if they have left the group since.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from iop_companion.clinic.groups import members
from iop_companion.clinic.models import (
    AttendanceStatus,
    Clinic,
    Participant,
    ScheduledSessionRecord,
    SessionAttendanceRecord,
    Staff,
)
from iop_companion.clinic.participant_status import clinic_zone, is_discharged_by
from iop_companion.sync.protocol import SessionStatus


class AttendanceRefused(Exception):
    """Attendance cannot be recorded for this session or person (the message is safe to
    show)."""


@dataclass(frozen=True)
class Attendee:
    participant: Participant
    record: SessionAttendanceRecord | None  # None: not recorded yet
    recorded_by_name: str | None


def session_day(record: ScheduledSessionRecord, clinic: Clinic) -> date:
    return record.starts_at.astimezone(clinic_zone(clinic)).date()


def expected(db: Session, record: ScheduledSessionRecord, clinic: Clinic) -> list[Participant]:
    """Who the clinic expects at the session (see the module's docstring)."""
    day = session_day(record, clinic)
    if record.participant_id is not None:
        participant = db.get(Participant, record.participant_id)
        audience = [participant] if participant is not None else []
    elif record.group_id is not None:
        audience = [membership.participant for membership in members(db, record.group_id)]
    else:
        audience = list(db.scalars(
            select(Participant)
            .where(Participant.clinic_id == record.clinic_id,
                   or_(Participant.program_start.is_(None), Participant.program_start <= day),
                   or_(Participant.program_end.is_(None), Participant.program_end >= day))))
    return [one for one in audience if not is_discharged_by(one, day)]


def attendees(db: Session, record: ScheduledSessionRecord, clinic: Clinic) -> list[Attendee]:
    """Everyone expected, and anyone recorded, by name, with what was recorded."""
    recorded = {row.participant_id: row for row in db.scalars(
        select(SessionAttendanceRecord).where(SessionAttendanceRecord.session_id == record.id))}
    people = {one.id: one for one in expected(db, record, clinic)}
    missing = set(recorded) - set(people)
    if missing:
        people.update((one.id, one) for one in db.scalars(
            select(Participant).where(Participant.id.in_(missing))))
    staff_ids = {row.recorded_by for row in recorded.values()}
    staff_names = {row.id: row.display_name for row in db.execute(
        select(Staff.id, Staff.display_name).where(Staff.id.in_(staff_ids)))} if staff_ids else {}
    found = [Attendee(participant, recorded.get(participant.id),
                      staff_names.get(recorded[participant.id].recorded_by)
                      if participant.id in recorded else None)
             for participant in people.values()]
    return sorted(found, key=lambda one: (one.participant.display_name.lower(),
                                          str(one.participant.id)))


def attendee(db: Session, record: ScheduledSessionRecord, participant_id: uuid.UUID) -> Attendee:
    row = db.get(SessionAttendanceRecord, (record.id, participant_id))
    participant = db.get(Participant, participant_id)
    assert participant is not None
    name = None
    if row is not None:
        staff = db.get(Staff, row.recorded_by)
        name = staff.display_name if staff is not None else None
    return Attendee(participant, row, name)


def record_attendance(db: Session, record: ScheduledSessionRecord, participant: Participant,
                      clinic: Clinic, status: AttendanceStatus, staff_id: uuid.UUID,
                      now: datetime) -> SessionAttendanceRecord:
    """Record (or correct) whether the participant came. Refused for a cancelled session,
    one that has not started, and someone not expected at it (and not recorded before)."""
    if record.status is SessionStatus.CANCELLED:
        raise AttendanceRefused("This session was cancelled: there is no attendance to record.")
    if record.starts_at > now:
        raise AttendanceRefused(
            "This session has not started yet: record attendance once it has begun.")
    row = db.get(SessionAttendanceRecord, (record.id, participant.id))
    if row is None and participant.id not in {one.id for one in expected(db, record, clinic)}:
        raise AttendanceRefused(
            f"{participant.display_name} is not expected at this session (it is for "
            "someone else, a group they are not in, or they were not in the program then).")
    if row is None:
        row = SessionAttendanceRecord(session_id=record.id, participant_id=participant.id,
                                      status=status, recorded_by=staff_id, recorded_at=now)
        db.add(row)
    else:
        row.status, row.recorded_by, row.recorded_at = status, staff_id, now
    db.flush()
    return row

