"""What the participant's app sent, for the clinician's view of one participant: check-ins
over a span of days, the newest shared version of a plan, and lapse reviews.

Only what the participant shared ever reaches the clinic: the safety and relapse-
prevention plans are sent only while the participant shares them (services/
plan_sharing.py), so the newest stored version is the newest they shared.
"""

from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from iop_companion.clinic.models import Device, ParticipantRecord
from iop_companion.clinic.participant_status import check_in_day, iso_date
from iop_companion.clinic.shared_records import latest_versions
from iop_companion.sync.protocol import RecordKind


def check_ins_between(db: Session, participant_id: uuid.UUID, first: date, last: date,
                      zone: ZoneInfo) -> list[tuple[date, ParticipantRecord]]:
    """The participant's check-ins saved on the days `first` to `last` (the phone's
    calendar), each with its day, oldest first.

    The day is read from each check-in (it is in the phone's time, which the database
    cannot index), so all of the participant's check-ins are read: one a day, a few
    hundred rows at most in a year of care.
    """
    rows = db.scalars(
        select(ParticipantRecord)
        .where(ParticipantRecord.participant_id == participant_id,
               ParticipantRecord.kind == RecordKind.CHECK_IN)
        .order_by(ParticipantRecord.server_seq))
    newest: dict[uuid.UUID, ParticipantRecord] = {}
    for record in rows:  # a check-in changed later is shown as it now stands
        if record.record_id not in newest or record.version > newest[record.record_id].version:
            newest[record.record_id] = record
    dated = [(check_in_day(record, zone), record) for record in newest.values()]
    in_span = [(day, record) for day, record in dated if first <= day <= last]
    return sorted(in_span, key=lambda pair: (pair[0], pair[1].device_created_at,
                                             pair[1].server_seq))


def latest_shared_plan(db: Session, participant_id: uuid.UUID,
                       kind: RecordKind) -> ParticipantRecord | None:
    """The newest version of the participant's plan of `kind` the clinic received."""
    return db.scalar(select(ParticipantRecord)
                     .where(ParticipantRecord.participant_id == participant_id,
                            ParticipantRecord.kind == kind)
                     .order_by(ParticipantRecord.server_seq.desc()).limit(1))


def lapse_reviews(db: Session, participant_id: uuid.UUID) -> list[ParticipantRecord]:
    """The newest version of each lapse review, the latest day first."""
    reviews = latest_versions(db, participant_id, RecordKind.LAPSE_REVIEW)
    return sorted(reviews, key=lambda r: (iso_date(r.payload.get("happened_on")) or date.min,
                                          r.server_seq), reverse=True)


def participant_devices(db: Session, participant_id: uuid.UUID) -> list[Device]:
    return list(db.scalars(select(Device).where(Device.participant_id == participant_id)
                           .order_by(Device.created_at.desc(), Device.id)))
