"""Records the clinic and the participant both write: treatment goals (with the
participant's weekly ratings) and the aftercare plan; and discharge.

A clinician's edit is stored exactly like a version pushed by the app (a new
`ParticipantRecord`, never an overwrite) and published on the participant's pull feed.
It must name the version it replaces; if the participant's app stored a newer one
meanwhile, the edit is refused with that newest version, for the clinician to review.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from iop_companion.clinic.changes import publish_program, publish_record_version
from iop_companion.clinic.models import Participant, ParticipantRecord
from iop_companion.clinic.records import content_hash, latest_version
from iop_companion.clinic.sequence import next_server_seq
from iop_companion.sync.protocol import RecordKind, payload_problem


class StaleVersion(Exception):
    """The record changed since the version the clinician's edit names."""

    def __init__(self, latest: ParticipantRecord | None) -> None:
        super().__init__("stale version")
        self.latest = latest


class InvalidContent(Exception):
    """The content does not fit its kind (the message is safe to show)."""


def latest_versions(db: Session, participant_id: uuid.UUID,
                    kind: RecordKind) -> list[ParticipantRecord]:
    """The newest stored version of each record of `kind`, oldest record first."""
    newest = (
        select(ParticipantRecord.record_id, func.max(ParticipantRecord.version).label("version"))
        .where(ParticipantRecord.participant_id == participant_id,
               ParticipantRecord.kind == kind)
        .group_by(ParticipantRecord.record_id)
        .subquery()
    )
    rows = db.scalars(
        select(ParticipantRecord)
        .join(newest, (ParticipantRecord.record_id == newest.c.record_id)
              & (ParticipantRecord.version == newest.c.version))
        .where(ParticipantRecord.participant_id == participant_id)
        .order_by(ParticipantRecord.server_seq)
    )
    return list(rows)


def write_clinic_version(
    db: Session,
    *,
    participant: Participant,
    kind: RecordKind,
    record_id: uuid.UUID,
    replaces_version: int | None,
    content: Mapping[str, Any],
    staff_id: uuid.UUID,
    now: datetime,
) -> ParticipantRecord:
    """Store a clinician's version of a shared record and publish it; the caller commits.

    Raises StaleVersion when `replaces_version` is not the newest stored version (None
    means "a new record", refused if the record exists; a version named for a record
    that does not exist is StaleVersion(None)), InvalidContent when the content does
    not fit its kind.
    """
    seq = next_server_seq(db)  # first: the lock orders this against the app's pushes
    latest = latest_version(db, participant.id, record_id)
    if (latest.version if latest else None) != replaces_version or (
            latest is not None and latest.kind != kind):
        raise StaleVersion(latest)
    stamp = now.isoformat()
    previous = latest.payload if latest is not None else {}
    payload = {
        **dict(content),
        "id": str(record_id),
        "created_at": previous.get("created_at") or stamp,
        "updated_at": stamp,
        "schema_version": 1,
    }
    problem = payload_problem(kind, payload)
    if problem is not None:
        raise InvalidContent(problem)
    version = latest.version + 1 if latest else 1
    record = ParticipantRecord(
        server_seq=seq,
        participant_id=participant.id,
        device_id=None,
        author_staff_id=staff_id,
        record_id=record_id,
        version=version,
        replaces_version=replaces_version,
        kind=kind,
        priority=0,
        content_sha256=content_hash(kind, replaces_version, payload),
        payload=payload,
        device_created_at=now,
        received_at=now,
    )
    db.add(record)
    publish_record_version(db, participant.id, participant.clinic_id, record, now)
    return record


def goal_ratings(db: Session, participant_id: uuid.UUID) -> list[ParticipantRecord]:
    """The newest version of each weekly rating, newest week first."""
    ratings = latest_versions(db, participant_id, RecordKind.GOAL_RATING)
    return sorted(ratings, key=lambda r: str(r.payload.get("week_of", "")), reverse=True)


def discharge(db: Session, participant: Participant, discharged_on: Any, now: datetime) -> None:
    """Record the discharge and tell the participant's app (the caller commits)."""
    participant.discharged_on = discharged_on
    publish_program(db, participant, now)
