"""The participant's coping-skill logs: DBT diary cards, CBT thought records and urge
logs, a page at a time.

Each log is shown as its newest version (an edit is a new version); a log whose newest
version is a tombstone (the participant deleted it) is not listed. The order is the
clinic's: the most recently received version first, so an edited log comes back to the
top. Family members never reach these routes (routes/family.py serves shared education
only).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import Field, StrictInt, TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.diary_targets import target_labels
from iop_companion.clinic.models import ParticipantRecord
from iop_companion.clinic.paging import (
    BadCursor,
    bad_cursor,
    decode_cursor,
    encode_cursor,
    paged_query_only,
)
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    clinician_router,
    participant_or_404,
)
from iop_companion.sync.protocol import MAX_CURSOR, MAX_PAGE_CURSOR_LENGTH, ErrorBody
from iop_companion.sync.protocol.payloads.coping_logs import CopingLogsPage, CopingLogView
from iop_companion.sync.protocol.push import RecordKind

DEFAULT_PAGE = 50
MAX_PAGE = 200
# The envelope every stored app record carries: not part of what the clinician reads.
_ENVELOPE = frozenset({"id", "created_at", "updated_at", "schema_version", "deleted"})
# The key of a page's last row: the server sequence number of its newest version.
_KEY: TypeAdapter[tuple[int]] = TypeAdapter(
    tuple[Annotated[StrictInt, Field(ge=1, le=MAX_CURSOR)]])
ERRORS: dict[int | str, dict[str, Any]] = {**NOT_FOUND_ERRORS, 422: {"model": ErrorBody}}

router = clinician_router()

Cursor = Annotated[str | None, Query(max_length=MAX_PAGE_CURSOR_LENGTH,
                                     description="The previous page's `next`")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


def _page(db: Session, participant_id: uuid.UUID, kind: RecordKind, before: int | None,
          limit: int) -> tuple[list[ParticipantRecord], int | None]:
    """Up to `limit` live logs of `kind`, newest version first, below `before`; and the
    key the next page starts below (None at the end). Tombstones are read and skipped,
    so a page can hold fewer than `limit` logs only at the end of the list."""
    newest = (
        select(ParticipantRecord.record_id, func.max(ParticipantRecord.version).label("version"))
        .where(ParticipantRecord.participant_id == participant_id,
               ParticipantRecord.kind == kind)
        .group_by(ParticipantRecord.record_id)
        .subquery()
    )
    query = (
        select(ParticipantRecord)
        .join(newest, (ParticipantRecord.record_id == newest.c.record_id)
              & (ParticipantRecord.version == newest.c.version))
        .where(ParticipantRecord.participant_id == participant_id)
        .order_by(ParticipantRecord.server_seq.desc())
    )
    found: list[ParticipantRecord] = []
    while True:
        batch_query = query if before is None else query.where(
            ParticipantRecord.server_seq < before)
        batch = list(db.scalars(batch_query.limit(limit + 1)))
        for record in batch:
            if len(found) == limit:
                return found, found[-1].server_seq
            if record.payload.get("deleted") is not True:
                found.append(record)
            before = record.server_seq
        if len(batch) <= limit:
            return found, None


def _read(kind: RecordKind, action: AuditAction, participant_id: uuid.UUID,
          clinician: CurrentClinician, db: Session, now: Any, cursor: str | None,
          limit: int, list_name: str) -> CopingLogsPage:
    try:
        before = decode_cursor(list_name, cursor, _KEY)[0] if cursor is not None else None
    except BadCursor:
        raise bad_cursor() from None
    participant_or_404(db, clinician, participant_id, action, now)
    records, next_before = _page(db, participant_id, kind, before, limit)
    # A diary card's targets by name (removed targets too: old cards keep their ratings).
    labels = target_labels(db, participant_id) if kind is RecordKind.DIARY_CARD else {}
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                 record_type="participant", record_id=participant_id)
    db.commit()
    return CopingLogsPage(
        logs=[CopingLogView(record_id=record.record_id, version=record.version,
                            content={name: value for name, value in record.payload.items()
                                     if name not in _ENVELOPE},
                            received_at=record.received_at,
                            target_labels=_labels_of(record.payload, labels))
              for record in records],
        next=encode_cursor(list_name, next_before) if next_before is not None else None)


def _labels_of(payload: dict[str, Any], labels: dict[str, str]) -> dict[str, str]:
    rated = payload.get("targets")
    return {target_id: labels[target_id] for target_id in rated
            if target_id in labels} if isinstance(rated, dict) else {}


@router.get("/participants/{participant_id}/diary-cards", responses=ERRORS,
            dependencies=[Depends(paged_query_only)])
def read_diary_cards(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                     now: Now, cursor: Cursor = None,
                     limit: Limit = DEFAULT_PAGE) -> CopingLogsPage:
    """The participant's DBT diary cards (urges, emotions, skills, targets with their
    labels in `target_labels`, medications, note), the most recently received first. Repeat with `cursor=next` while `next` is not null."""
    return _read(RecordKind.DIARY_CARD, AuditAction.DIARY_CARDS_READ, participant_id,
                 clinician, db, now, cursor, limit, "diary-cards")


@router.get("/participants/{participant_id}/thought-records", responses=ERRORS,
            dependencies=[Depends(paged_query_only)])
def read_thought_records(participant_id: uuid.UUID, clinician: CurrentClinician,
                         db: DbSession, now: Now, cursor: Cursor = None,
                         limit: Limit = DEFAULT_PAGE) -> CopingLogsPage:
    """The participant's CBT thought records, the most recently received first. Repeat
    with `cursor=next` while `next` is not null."""
    return _read(RecordKind.THOUGHT_RECORD, AuditAction.THOUGHT_RECORDS_READ, participant_id,
                 clinician, db, now, cursor, limit, "thought-records")


@router.get("/participants/{participant_id}/urge-logs", responses=ERRORS,
            dependencies=[Depends(paged_query_only)])
def read_urge_logs(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                   now: Now, cursor: Cursor = None,
                   limit: Limit = DEFAULT_PAGE) -> CopingLogsPage:
    """The participant's urge logs, the most recently received first. Repeat with
    `cursor=next` while `next` is not null."""
    return _read(RecordKind.URGE_LOG, AuditAction.URGE_LOGS_READ, participant_id,
                 clinician, db, now, cursor, limit, "urge-logs")
