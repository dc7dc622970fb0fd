"""Which program sessions a participant sees, the clinic's own view of its schedule, and
publishing changes to the apps.

A session is for one participant, one group, or the whole program (neither). Apps get
each session as before (`ScheduledSession`, UTC times) on their pull feed:

* a participant's session on their own feed; a whole-program session on the clinic's
  feed (every participant of the clinic);
* a group's session on each current member's own feed, one change per member, so no
  one outside the group learns of it. A participant added to a group gets its sessions
  from two weeks back on; one removed from it has the sessions still to come taken off
  their app (a deletion), and keeps those that took place.

Weekly repeats keep the local clock time in the session's zone (its `timezone`, else
the clinic's), so a 6 pm group stays at 6 pm when daylight saving starts or ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from iop_companion.clinic.changes import publish, publish_session
from iop_companion.clinic.groups import member_ids
from iop_companion.clinic.models import (
    Clinic,
    GroupMember,
    Participant,
    ParticipantGroup,
    ScheduledSessionRecord,
)
from iop_companion.clinic.participant_status import clinic_zone
from iop_companion.clinic.wire import scheduled_session
from iop_companion.sync.protocol import (
    MAX_REPEAT_WEEKS,
    ChangeKind,
    ProgramSessionView,
    SessionAudience,
    SessionDetails,
    SessionStatus,
)

# Recent sessions let the app show "what you missed" and cancellations after the
# fact; three months ahead covers the longest typical IOP (12 weeks).
RECENT_PAST = timedelta(days=14)
UPCOMING = timedelta(days=90)
# A guard against a runaway response, far above any real program's load.
MAX_SESSIONS = 1000
WHOLE_PROGRAM = "Whole program"


def _whole_program() -> ColumnElement[bool]:
    return and_(ScheduledSessionRecord.participant_id.is_(None),
                ScheduledSessionRecord.group_id.is_(None))


def sessions_for_participant(
    session: Session, participant: Participant, now: datetime
) -> list[ScheduledSessionRecord]:
    """Whole-program sessions of the participant's clinic, the participant's own, and
    those of the groups they are a member of now."""
    their_groups = select(GroupMember.group_id).where(
        GroupMember.participant_id == participant.id)
    query = (
        select(ScheduledSessionRecord)
        .where(
            ScheduledSessionRecord.clinic_id == participant.clinic_id,
            or_(
                _whole_program(),
                ScheduledSessionRecord.participant_id == participant.id,
                ScheduledSessionRecord.group_id.in_(their_groups),
            ),
            ScheduledSessionRecord.ends_at >= now - RECENT_PAST,
            ScheduledSessionRecord.starts_at <= now + UPCOMING,
        )
        .order_by(ScheduledSessionRecord.starts_at, ScheduledSessionRecord.id)
        .limit(MAX_SESSIONS)
    )
    return list(session.scalars(query))


# --- Publishing the schedule (clinician routes and the demo seed share these) ----------


def publish_program_session(db: Session, record: ScheduledSessionRecord, now: datetime) -> None:
    """Publish the session as it is now to the apps that see it (see the module's
    docstring): a group's to each current member, others as `publish_session` does."""
    if record.group_id is None:
        publish_session(db, record, now)
        return
    data = scheduled_session(record)
    for participant_id in member_ids(db, record.group_id):
        publish(db, clinic_id=record.clinic_id, participant_id=participant_id,
                kind=ChangeKind.SESSION, item_id=record.id, data=data, now=now)


def add_session(
    db: Session,
    *,
    clinic_id: uuid.UUID,
    participant_id: uuid.UUID | None,
    details: SessionDetails,
    now: datetime,
    session_id: uuid.UUID | None = None,
    group_id: uuid.UUID | None = None,
    series_id: uuid.UUID | None = None,
    timezone: str | None = None,
) -> ScheduledSessionRecord:
    """Create a session and publish it to the apps that see it (in the caller's transaction).

    At most one of `participant_id` and `group_id` (neither: the whole program)."""
    if participant_id is not None and group_id is not None:
        raise ValueError("a session is for one participant or one group, not both")
    record = ScheduledSessionRecord(
        id=session_id or uuid.uuid4(),
        clinic_id=clinic_id,
        participant_id=participant_id,
        group_id=group_id,
        series_id=series_id,
        timezone=timezone,
        status=SessionStatus.SCHEDULED,
        created_at=now,
        updated_at=now,
        **details.model_dump(),
    )
    db.add(record)
    publish_program_session(db, record, now)
    return record


def change_session(
    db: Session, record: ScheduledSessionRecord, details: SessionDetails, now: datetime,
    timezone: str | None = None,
) -> None:
    """Replace a session's details and publish the new version. `timezone`, when given,
    becomes the zone of its local times."""
    for name, value in details.model_dump().items():
        setattr(record, name, value)
    if timezone is not None:
        record.timezone = timezone
    record.updated_at = now
    publish_program_session(db, record, now)


def cancel_session(
    db: Session, record: ScheduledSessionRecord, note: str | None, now: datetime
) -> None:
    """Mark a session cancelled (it stays visible, so people learn it is off) and publish it."""
    record.status = SessionStatus.CANCELLED
    if note is not None:
        record.note = note
    record.updated_at = now
    publish_program_session(db, record, now)


def cancel_following(
    db: Session, record: ScheduledSessionRecord, note: str | None, now: datetime
) -> list[ScheduledSessionRecord]:
    """Cancel this session and every later one of its weekly series that is still on
    (just this one if it is in no series); returns those cancelled now, in order."""
    if record.series_id is None:
        candidates = [record]
    else:
        candidates = list(db.scalars(
            select(ScheduledSessionRecord)
            .where(ScheduledSessionRecord.series_id == record.series_id,
                   ScheduledSessionRecord.clinic_id == record.clinic_id,
                   ScheduledSessionRecord.starts_at >= record.starts_at)
            .order_by(ScheduledSessionRecord.starts_at, ScheduledSessionRecord.id)))
    cancelled = [one for one in candidates if one.status is SessionStatus.SCHEDULED]
    for one in cancelled:
        cancel_session(db, one, note, now)
    return cancelled


def publish_group_sessions_to_new_member(db: Session, group_id: uuid.UUID,
                                         participant_id: uuid.UUID, now: datetime) -> int:
    """Publish the group's sessions from RECENT_PAST on to a member just added; returns
    how many."""
    records = db.scalars(
        select(ScheduledSessionRecord)
        .where(ScheduledSessionRecord.group_id == group_id,
               ScheduledSessionRecord.ends_at >= now - RECENT_PAST)
        .order_by(ScheduledSessionRecord.starts_at, ScheduledSessionRecord.id)).all()
    for record in records:
        publish(db, clinic_id=record.clinic_id, participant_id=participant_id,
                kind=ChangeKind.SESSION, item_id=record.id, data=scheduled_session(record),
                now=now)
    return len(records)


def withdraw_group_sessions_from_member(db: Session, group_id: uuid.UUID,
                                        participant_id: uuid.UUID, now: datetime) -> int:
    """Take the group's sessions still to come off a removed member's app (a deletion on
    their feed); returns how many."""
    records = db.scalars(
        select(ScheduledSessionRecord)
        .where(ScheduledSessionRecord.group_id == group_id,
               ScheduledSessionRecord.ends_at >= now)
        .order_by(ScheduledSessionRecord.starts_at, ScheduledSessionRecord.id)).all()
    for record in records:
        publish(db, clinic_id=record.clinic_id, participant_id=participant_id,
                kind=ChangeKind.SESSION, item_id=record.id, data=None, now=now)
    return len(records)


# --- Weekly repeats -------------------------------------------------------------------


class RepeatRefused(ValueError):
    """The weekly repeat asked for cannot be made (the message is safe to show)."""


def weekly_occurrences(starts_at: datetime, ends_at: datetime, zone: ZoneInfo,
                       until: date) -> list[tuple[datetime, datetime]]:
    """The first session and one a week after it, at the same local clock time in
    `zone`, while the day is on or before `until` (at most MAX_REPEAT_WEEKS weeks after
    the first session's day). Each lasts as long as the first."""
    first_local = starts_at.astimezone(zone)
    if until < first_local.date():
        raise RepeatRefused("'repeat_weekly_until' must be on or after the first session's "
                            f"day ({first_local.date().isoformat()}).")
    if until > first_local.date() + timedelta(weeks=MAX_REPEAT_WEEKS):
        raise RepeatRefused(f"A weekly repeat can cover at most {MAX_REPEAT_WEEKS} weeks "
                            "after the first session's day.")
    length = ends_at - starts_at
    wall_clock = first_local.replace(tzinfo=None)
    found: list[tuple[datetime, datetime]] = []
    week = 0
    while (wall_clock + timedelta(weeks=week)).date() <= until:
        start = (wall_clock + timedelta(weeks=week)).replace(tzinfo=zone)
        found.append((start, start + length))
        week += 1
    return found


# --- The clinic's view ----------------------------------------------------------------


def clinic_session(
    db: Session, clinic_id: uuid.UUID, session_id: uuid.UUID
) -> ScheduledSessionRecord | None:
    """The session, if it belongs to this clinic (else None, as if absent)."""
    return db.scalar(
        select(ScheduledSessionRecord).where(
            ScheduledSessionRecord.id == session_id,
            ScheduledSessionRecord.clinic_id == clinic_id,
        )
    )


def clinic_sessions_between(db: Session, clinic_id: uuid.UUID, start: datetime,
                            end: datetime, limit: int) -> list[ScheduledSessionRecord]:
    """The clinic's sessions starting in [start, end), oldest first, at most `limit`."""
    return list(db.scalars(
        select(ScheduledSessionRecord)
        .where(ScheduledSessionRecord.clinic_id == clinic_id,
               ScheduledSessionRecord.starts_at >= start,
               ScheduledSessionRecord.starts_at < end)
        .order_by(ScheduledSessionRecord.starts_at, ScheduledSessionRecord.id)
        .limit(limit)))


def session_zone(record: ScheduledSessionRecord, clinic: Clinic) -> ZoneInfo:
    """The zone of the session's local times: its own, else the clinic's."""
    if record.timezone:
        try:
            return ZoneInfo(record.timezone)
        except (ValueError, KeyError):
            pass
    return clinic_zone(clinic)


def session_views(db: Session, records: Sequence[ScheduledSessionRecord],
                  clinic: Clinic) -> list[ProgramSessionView]:
    """The sessions as the clinic sees them, with who attends named (names looked up
    once for the whole list)."""
    participant_ids = {r.participant_id for r in records if r.participant_id is not None}
    group_ids = {r.group_id for r in records if r.group_id is not None}
    names: dict[uuid.UUID, str] = {}
    if participant_ids:
        names.update((row.id, row.display_name) for row in db.execute(
            select(Participant.id, Participant.display_name)
            .where(Participant.id.in_(participant_ids))))
    if group_ids:
        names.update((row.id, row.name) for row in db.execute(
            select(ParticipantGroup.id, ParticipantGroup.name)
            .where(ParticipantGroup.id.in_(group_ids))))
    views = []
    for record in records:
        if record.participant_id is not None:
            audience = SessionAudience(kind="participant", participant_id=record.participant_id,
                                       name=names.get(record.participant_id, ""))
        elif record.group_id is not None:
            audience = SessionAudience(kind="group", group_id=record.group_id,
                                       name=names.get(record.group_id, ""))
        else:
            audience = SessionAudience(kind="program", name=WHOLE_PROGRAM)
        zone = session_zone(record, clinic)
        views.append(ProgramSessionView(
            **scheduled_session(record).model_dump(),
            audience=audience,
            series_id=record.series_id,
            timezone=zone.key,
            starts_at_local=record.starts_at.astimezone(zone),
            ends_at_local=record.ends_at.astimezone(zone),
        ))
    return views


def session_view(db: Session, record: ScheduledSessionRecord,
                 clinic: Clinic) -> ProgramSessionView:
    return session_views(db, [record], clinic)[0]
