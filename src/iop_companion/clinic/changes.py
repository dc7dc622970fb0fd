"""The pull feed: what the clinic publishes to participants' apps, and reading it back.

Every publication is one `PublishedChange` row carrying a snapshot of the item in its
wire model and a server sequence number (sequence.next_server_seq), taken last in the
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
    Consent,
    DiaryTargetRecord,
    FamilyInvite,
    FamilyMember,
    HomeworkRecord,
    ModuleAssignmentRecord,
    Participant,
    ParticipantRecord,
    PublishedChange,
    ScheduledSessionRecord,
)
from iop_companion.clinic.sequence import next_server_seq
from iop_companion.clinic.wire import (
    clinic_profile,
    consent_notice,
    diary_targets,
    homework_assignment,
    module_assignment,
    program_details,
    record_version,
    scheduled_session,
)
from iop_companion.sync.protocol import Change, ChangeKind, ConsentNotice


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


def publish_diary_targets(db: Session, participant: Participant, now: datetime) -> int:
    """The participant's diary-card targets as they stand now, for their own apps."""
    rows = list(db.scalars(select(DiaryTargetRecord)
                           .where(DiaryTargetRecord.participant_id == participant.id)))
    return publish(db, clinic_id=participant.clinic_id, participant_id=participant.id,
                   kind=ChangeKind.DIARY_TARGETS, item_id=participant.id,
                   data=diary_targets(rows), now=now)


def publish_session(db: Session, session: ScheduledSessionRecord, now: datetime) -> int:
    return publish(db, clinic_id=session.clinic_id, participant_id=session.participant_id,
                   kind=ChangeKind.SESSION, item_id=session.id,
                   data=scheduled_session(session), now=now)


def publish_record_version(db: Session, participant_id: uuid.UUID, clinic_id: uuid.UUID,
                           record: ParticipantRecord, now: datetime) -> int:
    """A stored version of a shared record (a goal, the aftercare plan), for the
    participant's apps: the clinic's edits reach the phone, the phone's reach its others."""
    return publish(db, clinic_id=clinic_id, participant_id=participant_id,
                   kind=ChangeKind(record.kind.value), item_id=record.record_id,
                   data=record_version(record), now=now)


def publish_homework(db: Session, record: HomeworkRecord, now: datetime) -> int:
    return publish(db, clinic_id=record.clinic_id, participant_id=record.participant_id,
                   kind=ChangeKind.HOMEWORK, item_id=record.id,
                   data=homework_assignment(record), now=now)


def publish_module_assignment(db: Session, record: ModuleAssignmentRecord, now: datetime) -> int:
    return publish(db, clinic_id=record.clinic_id, participant_id=record.participant_id,
                   kind=ChangeKind.MODULE_ASSIGNMENT, item_id=record.id,
                   data=module_assignment(record), now=now)


def consent_as_published(db: Session, consent: Consent) -> ConsentNotice:
    """The consent as the participant's app sees it, named as the participant named the
    person on the invite (else the name the family member joined with)."""
    invite = db.get(FamilyInvite, consent.invite_id) if consent.invite_id else None
    member = db.get(FamilyMember, consent.family_member_id) if consent.family_member_id else None
    name = invite.recipient_name if invite is not None else (member.display_name if member
                                                             else "")
    return consent_notice(consent, name, invite.expires_at if invite is not None else None,
                          joined_name=member.display_name if member is not None else None)


def publish_consent(db: Session, consent: Consent, now: datetime) -> int:
    """The consent as it stands now, for the participant's own app (never a family's)."""
    participant = db.get(Participant, consent.participant_id)
    assert participant is not None
    return publish(db, clinic_id=participant.clinic_id, participant_id=participant.id,
                   kind=ChangeKind.CONSENT, item_id=consent.id,
                   data=consent_as_published(db, consent), now=now)


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
