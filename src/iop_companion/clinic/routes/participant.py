"""Routes for an enrolled participant's device.

The router itself depends on `require_device`, so a route added here later is
protected even if its author forgets to ask for the device.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from iop_companion.clinic.audit import AuditAction, device_actor, record_audit
from iop_companion.clinic.auth import CurrentDevice, require_device
from iop_companion.clinic.changes import changes_for_participant
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import AuditOutcome
from iop_companion.clinic.records import push_records
from iop_companion.clinic.schedule import sessions_for_participant
from iop_companion.clinic.sequence import server_epoch
from iop_companion.clinic.tokens import is_discharged
from iop_companion.clinic.wire import participant_profile, scheduled_session
from iop_companion.sync.protocol import (
    DEFAULT_CHANGES_PAGE,
    MAX_CHANGES_PAGE,
    MAX_CURSOR,
    ChangesResponse,
    ErrorBody,
    ParticipantProfile,
    PushOutcome,
    PushRecord,
    PushRequest,
    PushResponse,
    PushResult,
    RecordKind,
    ScheduleResponse,
)

_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}}

router = APIRouter(
    prefix="/participant",
    tags=["participant"],
    dependencies=[Depends(require_device)],
    responses=_ERRORS,
)


@router.get("/profile")
def read_profile(device: CurrentDevice, db: DbSession, now: Now) -> ParticipantProfile:
    participant = device.participant
    record_audit(
        db,
        at=now,
        actor=device_actor(device.device_id),
        action=AuditAction.PROFILE_READ,
        record_type="participant",
        record_id=participant.id,
    )
    db.commit()
    return participant_profile(participant)


@router.get("/schedule")
def read_schedule(device: CurrentDevice, db: DbSession, now: Now) -> ScheduleResponse:
    participant = device.participant
    sessions = sessions_for_participant(db, participant, now)
    record_audit(
        db,
        at=now,
        actor=device_actor(device.device_id),
        action=AuditAction.SCHEDULE_READ,
        record_type="participant",
        record_id=participant.id,
    )
    db.commit()
    return ScheduleResponse(
        sessions=[scheduled_session(record) for record in sessions], server_time=now
    )


@router.post("/records", responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def push(body: PushRequest, device: CurrentDevice, db: DbSession, now: Now) -> PushResponse:
    """Upload records (each one version of one record); one result per record, in order.

    200 whatever became of each record: STORED, DUPLICATE (an identical replay, with
    the original server_seq), CONFLICT (never overwritten) or REJECTED (bad payload).
    """
    participant_id = device.participant.id
    epoch = server_epoch(db)
    if not is_discharged(device.participant, now):
        results = push_records(db, participant_id=participant_id, device_id=device.device_id,
                               records=body.records, now=now)
        return PushResponse(results=results, server_epoch=epoch)
    # After the discharge day the clinic takes only safety flags and the participant's
    # answers about who may see what they share (their consent is theirs to give or
    # withdraw whatever their care status); the rest is refused per record.
    results = [
        push_records(db, participant_id=participant_id, device_id=device.device_id,
                     records=[record], now=now)[0]
        if record.kind in ACCEPTED_AFTER_DISCHARGE
        else _refused_after_discharge(db, device.device_id, record, now)
        for record in body.records
    ]
    return PushResponse(results=results, server_epoch=epoch)


ACCEPTED_AFTER_DISCHARGE = frozenset({RecordKind.SAFETY_FLAG, RecordKind.FAMILY_CONFIRMATION})

DISCHARGED_REASON = (
    "You have been discharged from the program, so the clinic no longer receives this kind "
    "of record. It stays on your phone. Safety requests still reach the clinic."
)


def _refused_after_discharge(db: DbSession, device_id: uuid.UUID, record: PushRecord,
                             now: datetime) -> PushResult:
    record_audit(db, at=now, actor=device_actor(device_id), action=AuditAction.RECORD_PUSH,
                 outcome=AuditOutcome.FAILURE, record_type="participant_record",
                 record_id=record.id, reason="participant_discharged")
    db.commit()
    return PushResult(id=record.id, version=record.version, outcome=PushOutcome.REJECTED,
                      reason=DISCHARGED_REASON)


_CHANGES_QUERY = frozenset({"after", "limit"})


def _known_query_only(request: Request) -> None:
    """Strict like request bodies: a misspelt parameter must not silently mean "from 0"."""
    unknown = sorted(set(request.query_params) - _CHANGES_QUERY)
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"'{unknown[0][:40]}' is not a parameter this server accepts; use 'after' and 'limit'.",
        )


@router.get(
    "/changes",
    responses={422: {"model": ErrorBody}},
    dependencies=[Depends(_known_query_only)],
)
def read_changes(
    device: CurrentDevice,
    db: DbSession,
    now: Now,
    after: Annotated[int, Query(ge=0, le=MAX_CURSOR, description="The last seq applied")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_CHANGES_PAGE)] = DEFAULT_CHANGES_PAGE,
) -> ChangesResponse:
    """What the clinic published for this participant after `after`, oldest first.

    Save `next_cursor` only once the page is applied; repeat while `has_more`. If
    `server_epoch` differs from the last one seen, the clinic was restored from a
    backup: start again from 0 and re-send what was already sent.
    """
    participant = device.participant
    epoch = server_epoch(db)
    page = changes_for_participant(db, participant, after, limit)
    record_audit(
        db,
        at=now,
        actor=device_actor(device.device_id),
        action=AuditAction.CHANGES_READ,
        record_type="participant",
        record_id=participant.id,
    )
    db.commit()
    return ChangesResponse(
        changes=page.changes,
        next_cursor=page.next_cursor,
        has_more=page.has_more,
        server_epoch=epoch,
    )
