"""The pull feed: what the clinic publishes to participants' apps, and reading it back.

Every publication is one `PublishedChange` row carrying a snapshot of the item in its
wire model and a server sequence number (records.next_server_seq), taken last in the
publishing transaction so the server_state row lock is held as briefly as possible.
An app pulls everything after its cursor, in sequence order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from iop_companion.clinic.models import (
    Clinic,
    Participant,
    PublishedChange,
    ScheduledSessionRecord,
)
from iop_companion.clinic.records import next_server_seq
from iop_companion.clinic.wire import clinic_profile, program_details, scheduled_session
from iop_companion.sync.protocol import Change, ChangeKind


def publish(
    db: Session,
    *,
    clinic_id: uuid.UUID,
    participant_id: uuid.UUID | None,
    kind: ChangeKind,
    item_id: uuid.UUID,
    data: BaseModel | None,
    now: datetime,
) -> int:
    """Add one change to the caller's transaction and return its sequence number.

    `participant_id` None publishes to every participant of the clinic; `data` None
    publishes a deletion of the item.
    """
    db.flush()  # the caller's own writes first, so the seq lock is taken last
    seq = next_server_seq(db)
    db.add(
        PublishedChange(
            seq=seq,
            clinic_id=clinic_id,
            participant_id=participant_id,
            kind=kind.value,
            item_id=str(item_id),
            deleted=data is None,
            data=data.model_dump(mode="json") if data is not None else None,
            published_at=now,
        )
    )
    return seq


def publish_clinic_profile(db: Session, clinic: Clinic, now: datetime) -> int:
    return publish(db, clinic_id=clinic.id, participant_id=None,
                   kind=ChangeKind.CLINIC_PROFILE, item_id=clinic.id,
                   data=clinic_profile(clinic), now=now)


def publish_program(db: Session, participant: Participant, now: datetime) -> int:
    return publish(db, clinic_id=participant.clinic_id, participant_id=participant.id,
                   kind=ChangeKind.PROGRAM, item_id=participant.id,
                   data=program_details(participant), now=now)


def publish_session(db: Session, session: ScheduledSessionRecord, now: datetime) -> int:
    return publish(db, clinic_id=session.clinic_id, participant_id=session.participant_id,
                   kind=ChangeKind.SESSION, item_id=session.id,
                   data=scheduled_session(session), now=now)


@dataclass(frozen=True)
class ChangesPage:
    changes: list[Change]
    next_cursor: int
    has_more: bool


def changes_for_participant(
    db: Session, participant: Participant, after: int, limit: int
) -> ChangesPage:
    """The participant's changes with seq > `after`: their clinic's and their own."""
    rows = list(
        db.scalars(
            select(PublishedChange)
            .where(
                PublishedChange.clinic_id == participant.clinic_id,
                or_(
                    PublishedChange.participant_id.is_(None),
                    PublishedChange.participant_id == participant.id,
                ),
                PublishedChange.seq > after,
            )
            .order_by(PublishedChange.seq)
            .limit(limit + 1)  # one more than asked tells whether more remain
        )
    )
    page = rows[:limit]
    changes = [
        Change(seq=row.seq, kind=row.kind, id=row.item_id, deleted=row.deleted, data=row.data)
        for row in page
    ]
    return ChangesPage(
        changes=changes,
        next_cursor=page[-1].seq if page else after,
        has_more=len(rows) > limit,
    )
