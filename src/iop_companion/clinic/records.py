"""Push sync: storing the records a participant's app uploads (security Y1, Y2, Y5).

Each record is handled in a transaction of its own, so a result of STORED or
DUPLICATE means the row is committed, and one bad record does not hold up the rest
of its batch (Y3). A transaction starts by taking the next server sequence number
from the `server_state` row; that row lock orders concurrent pushes from any number
of workers, on SQLite (whose write lock it takes first) and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from iop_companion.clinic.alert_evaluation import raise_record_alerts
from iop_companion.clinic.audit import AuditAction, device_actor, record_audit
from iop_companion.clinic.changes import publish_record_version
from iop_companion.clinic.family import NotTheirFamilyMember, decide_on_joiner
from iop_companion.clinic.measures import ClinicScore, UnscorableAnswers, score_result, store_score
from iop_companion.clinic.models import (
    AuditOutcome,
    Participant,
    ParticipantRecord,
)
from iop_companion.clinic.sequence import next_server_seq
from iop_companion.sync.protocol import (
    SHARED_RECORD_KINDS,
    PushOutcome,
    PushRecord,
    PushResult,
    RecordKind,
    canonical_json,
    record_problem,
)

CHANGED_CONTENT_REASON = (
    "This version of the record is already stored with different content; "
    "it was not overwritten. Save the change as a new version."
)
STALE_BASE_REASON = (
    "stale base version: the record has changed since this edit was made. "
    "Review the latest version and edit that."
)
KIND_CHANGED_REASON = "A new version of a record cannot change its kind."


def content_sha256(record: PushRecord) -> str:
    """What makes two uploads of (id, version) the same: kind, base version and payload."""
    return content_hash(record.kind, record.replaces_version, record.payload)


def content_hash(kind: RecordKind, replaces_version: int | None,
                 payload: dict[str, Any]) -> str:
    content = {"kind": kind.value, "replaces_version": replaces_version, "payload": payload}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def push_records(
    db: Session,
    *,
    participant_id: uuid.UUID,
    device_id: uuid.UUID,
    records: Sequence[PushRecord],
    now: datetime,
) -> list[PushResult]:
    """Store each record (in order, each committed on its own) and say what became of it."""
    return [_push_one(db, participant_id, device_id, record, now) for record in records]


def _push_one(
    db: Session,
    participant_id: uuid.UUID,
    device_id: uuid.UUID,
    record: PushRecord,
    now: datetime,
) -> PushResult:
    problem = record_problem(record)  # the payload, and the device's time
    if problem is not None:
        return _answer(db, device_id, record, now, PushOutcome.REJECTED, problem, None, "rejected")
    sha = content_sha256(record)
    try:
        seq = next_server_seq(db)  # first: takes the lock before anything is read
        existing = _stored(db, participant_id, record)
        if existing is not None:
            db.rollback()  # gives the sequence number back
            return _replayed(db, device_id, record, now, existing, sha)
        if record.version > 1:
            latest = latest_version(db, participant_id, record.id)
            if latest is None or latest.version != record.replaces_version:
                db.rollback()
                return _answer(
                    db,
                    device_id,
                    record,
                    now,
                    PushOutcome.CONFLICT,
                    STALE_BASE_REASON,
                    None,
                    "stale_base",
                    latest=_latest(db, participant_id, record),
                )
            if latest.kind != record.kind:
                db.rollback()
                return _answer(
                    db,
                    device_id,
                    record,
                    now,
                    PushOutcome.CONFLICT,
                    KIND_CHANGED_REASON,
                    None,
                    "kind_changed",
                )
        score: ClinicScore | None = None
        if record.kind is RecordKind.MEASURE_RESULT:
            # After the replay check: a version already stored is answered as before.
            try:
                score = score_result(record.payload)
            except UnscorableAnswers as unscorable:
                db.rollback()
                return _answer(db, device_id, record, now, PushOutcome.REJECTED,
                               str(unscorable), None, "unscorable")
        if record.kind is RecordKind.FAMILY_CONFIRMATION:
            # The participant's answer about who joined takes effect with the record.
            try:
                decide_on_joiner(db, participant_id,
                                 uuid.UUID(str(record.payload["family_member_id"])),
                                 bool(record.payload["right_person"]), now,
                                 device_actor(device_id))
            except NotTheirFamilyMember as refused:
                db.rollback()
                return _answer(db, device_id, record, now, PushOutcome.REJECTED,
                               refused.message, None, refused.reason)
        stored = ParticipantRecord(
                server_seq=seq,
                participant_id=participant_id,
                device_id=device_id,
                record_id=record.id,
                version=record.version,
                replaces_version=record.replaces_version,
                kind=record.kind,
                priority=record.priority,
                content_sha256=sha,
                payload=record.payload,
                device_created_at=record.created_at,
                received_at=now,
            )
        db.add(stored)
        if score is not None:
            db.flush()  # the score refers to the stored row
            store_score(db, stored, score, now)
        # The alerts it raises (a flag; the clinic's rules on a check-in or a PHQ-9),
        # filed with the record in this transaction (clinic/alert_evaluation.py).
        raise_record_alerts(db, device_id, stored, score, now)
        if record.kind in SHARED_RECORD_KINDS:
            publish_record_version(db, participant_id, _clinic_of(db, participant_id),
                                   stored, now)
        record_audit(
            db,
            at=now,
            actor=device_actor(device_id),
            action=AuditAction.RECORD_PUSH,
            record_type="participant_record",
            record_id=record.id,
        )
        db.commit()
    except IntegrityError:
        # Another request stored the same (participant, id, version) between our
        # read and our insert: answer from what it stored.
        db.rollback()
        existing = _stored(db, participant_id, record)
        if existing is None:
            raise
        return _replayed(db, device_id, record, now, existing, sha)
    return PushResult(
        id=record.id, version=record.version, outcome=PushOutcome.STORED, server_seq=seq
    )


def _stored(db: Session, participant_id: uuid.UUID, record: PushRecord) -> ParticipantRecord | None:
    return db.scalar(
        select(ParticipantRecord).where(
            ParticipantRecord.participant_id == participant_id,
            ParticipantRecord.record_id == record.id,
            ParticipantRecord.version == record.version,
        )
    )


def _replayed(
    db: Session,
    device_id: uuid.UUID,
    record: PushRecord,
    now: datetime,
    existing: ParticipantRecord,
    sha: str,
) -> PushResult:
    if existing.content_sha256 == sha:
        return _answer(
            db,
            device_id,
            record,
            now,
            PushOutcome.DUPLICATE,
            None,
            existing.server_seq,
            "duplicate",
        )
    return _answer(
        db,
        device_id,
        record,
        now,
        PushOutcome.CONFLICT,
        CHANGED_CONTENT_REASON,
        None,
        "changed_content",
        latest=_latest(db, existing.participant_id, record),
    )


def _answer(
    db: Session,
    device_id: uuid.UUID,
    record: PushRecord,
    now: datetime,
    outcome: PushOutcome,
    reason: str | None,
    server_seq: int | None,
    audit_reason: str,
    latest: ParticipantRecord | None = None,
) -> PushResult:
    """Audit an upload that stored nothing new, and build its result. `latest`: with a
    conflict, the newest stored version, which the result carries back."""
    record_audit(
        db,
        at=now,
        actor=device_actor(device_id),
        action=AuditAction.RECORD_PUSH,
        outcome=AuditOutcome.SUCCESS if outcome is PushOutcome.DUPLICATE else AuditOutcome.FAILURE,
        record_type="participant_record",
        record_id=record.id,
        reason=audit_reason,
    )
    db.commit()
    return PushResult(
        id=record.id,
        version=record.version,
        outcome=outcome,
        reason=reason,
        server_seq=server_seq,
        latest_version=latest.version if latest is not None else None,
        latest_payload=dict(latest.payload) if latest is not None else None,
    )


def latest_version(db: Session, participant_id: uuid.UUID,
                   record_id: uuid.UUID) -> ParticipantRecord | None:
    """The newest stored version of one of the participant's records."""
    return db.scalar(
        select(ParticipantRecord)
        .where(ParticipantRecord.participant_id == participant_id,
               ParticipantRecord.record_id == record_id)
        .order_by(ParticipantRecord.version.desc())
        .limit(1)
    )


def _latest(db: Session, participant_id: uuid.UUID, record: PushRecord) -> ParticipantRecord | None:
    """The newest stored version of the record, if it is of the same kind."""
    latest = latest_version(db, participant_id, record.id)
    return latest if latest is not None and latest.kind == record.kind else None


def _clinic_of(db: Session, participant_id: uuid.UUID) -> uuid.UUID:
    clinic_id = db.scalar(select(Participant.clinic_id).where(Participant.id == participant_id))
    assert clinic_id is not None  # a pushing device belongs to a participant
    return clinic_id
