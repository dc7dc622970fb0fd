"""Routes for an enrolled participant's device.

The router itself depends on `require_device`, so a route added here later is
protected even if its author forgets to ask for the device.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from iop_companion.clinic.audit import AuditAction, device_actor, record_audit
from iop_companion.clinic.auth import CurrentDevice, require_device
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.records import push_records, server_epoch
from iop_companion.clinic.schedule import sessions_for_participant
from iop_companion.clinic.wire import participant_profile, scheduled_session
from iop_companion.sync.protocol import (
    ErrorBody,
    ParticipantProfile,
    PushRequest,
    PushResponse,
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
    results = push_records(
        db, participant_id=participant_id, device_id=device.device_id, records=body.records, now=now
    )
    return PushResponse(results=results, server_epoch=epoch)
