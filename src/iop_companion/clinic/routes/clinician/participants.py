"""The clinic's participants: the list with each one's status at a glance, one
participant's status, and adding a participant (who then gets an enrolment code,
routes/clinician/enrolment_codes.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, status

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Clinic
from iop_companion.clinic.paging import BadCursor, bad_cursor, paged_query_only
from iop_companion.clinic.participant_status import (
    LatestMeasure,
    ParticipantGlance,
    add_participant,
    glance,
    participant_cursor,
    participant_page,
)
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    WRITE_ERRORS,
    clinician_router,
    participant_or_404,
)
from iop_companion.sync.protocol import (
    DEFAULT_PARTICIPANTS_PAGE,
    MAX_PAGE_CURSOR_LENGTH,
    MAX_PARTICIPANTS_PAGE,
    ErrorBody,
    MeasureSnapshot,
    ParticipantCreateRequest,
    ParticipantsResponse,
    ParticipantStatus,
)

PAGE_ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorBody}}

router = clinician_router()


@router.get("/participants", responses=PAGE_ERRORS, dependencies=[Depends(paged_query_only)])
def read_participants(
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    cursor: Annotated[str | None, Query(max_length=MAX_PAGE_CURSOR_LENGTH,
                                        description="The previous page's `next`")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PARTICIPANTS_PAGE)] = DEFAULT_PARTICIPANTS_PAGE,
) -> ParticipantsResponse:
    """The clinic's participants by name, each with their status at a glance: program,
    enrolled or discharged, last sync, last check-in, open alerts, latest PHQ-9 and
    GAD-7, days since reported use and since the app was last used. Repeat with
    `cursor=next` while `next` is not null."""
    try:
        after = participant_cursor(cursor) if cursor is not None else None
    except BadCursor:
        raise bad_cursor() from None
    page = participant_page(db, clinician.clinic_id, after, limit)
    clinic = db.get_one(Clinic, clinician.clinic_id)
    statuses = glance(db, clinic, page.participants, now)
    # Each participant shown is a read of that participant's data.
    for participant in page.participants or [None]:
        record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                     action=AuditAction.PARTICIPANTS_READ,
                     record_type="participant" if participant else "clinic",
                     record_id=participant.id if participant else clinician.clinic_id)
    db.commit()
    return ParticipantsResponse(participants=[participant_status(s) for s in statuses],
                                next=page.next_cursor)


@router.post("/participants", status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
def create_participant(body: ParticipantCreateRequest, clinician: CurrentClinician,
                       db: DbSession, now: Now) -> ParticipantStatus:
    """Add a participant to the clinic. Their program dates reach their app once it is
    enrolled (POST .../participants/{id}/enrolment-codes gives the code)."""
    participant = add_participant(db, clinician.clinic_id, body.display_name,
                                  body.program_start, body.program_end, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.PARTICIPANT_CREATE, record_type="participant",
                 record_id=participant.id)
    db.commit()
    clinic = db.get_one(Clinic, clinician.clinic_id)
    return participant_status(glance(db, clinic, [participant], now)[0])


@router.get("/participants/{participant_id}", responses=NOT_FOUND_ERRORS)
def read_participant(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                     now: Now) -> ParticipantStatus:
    """One participant of the clinic with their status at a glance."""
    participant = participant_or_404(db, clinician, participant_id,
                                     AuditAction.PARTICIPANT_READ, now)
    found = glance(db, participant.clinic, [participant], now)[0]
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.PARTICIPANT_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return participant_status(found)


def participant_status(found: ParticipantGlance) -> ParticipantStatus:
    participant = found.participant
    return ParticipantStatus(
        id=participant.id,
        display_name=participant.display_name,
        program_start=participant.program_start,
        program_end=participant.program_end,
        discharged_on=participant.discharged_on,
        status="discharged" if found.discharged else "enrolled",
        active_devices=found.active_devices,
        last_sync_at=found.last_sync_at,
        last_check_in_on=found.last_check_in_on,
        open_alerts=found.open_alerts,
        phq9=_snapshot(found.phq9),
        gad7=_snapshot(found.gad7),
        days_since_use=found.days_since_use,
        days_since_app_used=found.days_since_app_used,
        created_at=participant.created_at,
    )


def _snapshot(measure: LatestMeasure | None) -> MeasureSnapshot | None:
    if measure is None:
        return None
    return MeasureSnapshot(total=measure.total, band=measure.band,
                           completed_at=measure.completed_at, received_at=measure.received_at)
