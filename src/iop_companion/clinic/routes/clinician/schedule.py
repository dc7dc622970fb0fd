"""The clinic's schedule: listing its sessions over a span of days, reading one, adding
one (for one participant, one group or the whole program, maybe repeated weekly),
changing one, cancelling one, and cancelling one with the rest of its weekly series.
Each write is published to the apps that see the session (clinic/schedule.py) and
audited; apps get sessions in the same shape as before, in UTC."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Query, Request, status

from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.groups import ARCHIVED_MESSAGE, clinic_group
from iop_companion.clinic.models import Clinic, ScheduledSessionRecord
from iop_companion.clinic.participant_status import clinic_zone
from iop_companion.clinic.routes.clinician.common import (
    NO_SUCH_PARTICIPANT,
    WRITE_ERRORS,
    clinic_participant,
    clinician_router,
    not_found,
)
from iop_companion.clinic.schedule import (
    RepeatRefused,
    add_session,
    cancel_following,
    cancel_session,
    change_session,
    clinic_session,
    clinic_sessions_between,
    session_view,
    session_views,
    weekly_occurrences,
)
from iop_companion.sync.protocol import (
    DEFAULT_SCHEDULE_DAYS_AFTER,
    DEFAULT_SCHEDULE_DAYS_BEFORE,
    MAX_SCHEDULE_DAYS,
    MAX_SCHEDULE_SESSIONS,
    ErrorBody,
    ProgramSessionCreateRequest,
    ProgramSessionView,
    ScheduleListResponse,
    SessionCancelRequest,
    SessionCreatedResponse,
    SessionDetails,
    SessionsCancelledResponse,
    SessionSeriesCancelRequest,
    SessionStatus,
    SessionWrite,
)
from iop_companion.sync.protocol.clinician_reads import DATE_RANGE_MESSAGE, date_in_range

NO_SUCH_SESSION = "There is no such session."
NO_SUCH_GROUP = "There is no such group."
CREATE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS, 409: {"model": ErrorBody}}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (404, 422)}
_LIST_PARAMETERS = frozenset({"from", "to"})
_DETAIL_FIELDS = frozenset(SessionDetails.model_fields)

router = clinician_router()


def _clinic(db: DbSession, clinician: CurrentClinician) -> Clinic:
    clinic = db.get(Clinic, clinician.clinic_id)
    assert clinic is not None  # a signed-in clinician's clinic exists
    return clinic


def _details(body: SessionWrite) -> SessionDetails:
    # SessionWrite checked the same rules and made every time zone-aware; in UTC, as the
    # clinic stores them and apps have always got them.
    details = SessionDetails.model_validate(body.model_dump(include=_DETAIL_FIELDS))
    return _in_utc(details, details.starts_at, details.ends_at)


def _in_utc(details: SessionDetails, starts_at: datetime, ends_at: datetime) -> SessionDetails:
    return details.model_copy(update={"starts_at": starts_at.astimezone(UTC),
                                      "ends_at": ends_at.astimezone(UTC)})


def _clinic_session_or_404(db: DbSession, clinician: CurrentClinician, session_id: uuid.UUID,
                           action: AuditAction, now: datetime) -> ScheduledSessionRecord:
    """The session if it belongs to the clinician's clinic; otherwise the attempt is
    audited and the answer is 404, as if it did not exist."""
    record = clinic_session(db, clinician.clinic_id, session_id)
    if record is None:
        not_found(db, clinician, action, "scheduled_session", session_id, NO_SUCH_SESSION, now)
    return record


def _refuse(db: DbSession, clinician: CurrentClinician, action: AuditAction, record_type: str,
            record_id: uuid.UUID | None, reason: str, code: int, message: str,
            now: datetime) -> HTTPException:
    commit_failure(db, at=now, actor=staff_actor(clinician.staff_id), action=action,
                   record_type=record_type, record_id=record_id, reason=reason)
    return HTTPException(code, message)


def _known_parameters_only(request: Request) -> None:
    # A misspelt `?form=` must not silently mean "the default span".
    unknown = sorted(set(request.query_params) - _LIST_PARAMETERS)
    if unknown:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"'{unknown[0][:40]}' is not a parameter this server accepts; "
                            "use 'from' and 'to'.")


@router.get("/schedule", responses=READ_ERRORS,
            dependencies=[Depends(_known_parameters_only)])
def read_schedule(
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    from_day: Annotated[date | None, Query(
        alias="from", description="The first day (default: a week before today)")] = None,
    to_day: Annotated[date | None, Query(
        alias="to", description="The last day (default: four weeks after today)")] = None,
) -> ScheduleListResponse:
    """The clinic's sessions starting on the days `from` to `to` (both included, days of
    the clinic's calendar, at most 366), oldest first, cancelled ones included, each
    with who attends. At most 500: `truncated` says there were more."""
    clinic = _clinic(db, clinician)
    zone = clinic_zone(clinic)
    today = now.astimezone(zone).date()
    for name, day in (("from", from_day), ("to", to_day)):
        if day is not None and not date_in_range(day):
            raise _refuse(db, clinician, AuditAction.SCHEDULE_LIST_READ, "clinic", clinic.id,
                          "bad_span", status.HTTP_422_UNPROCESSABLE_CONTENT,
                          f"'{name}' {DATE_RANGE_MESSAGE}.", now)
    first = from_day or today - timedelta(days=DEFAULT_SCHEDULE_DAYS_BEFORE)
    last = to_day or max(first, today) + timedelta(days=DEFAULT_SCHEDULE_DAYS_AFTER)
    if first > last:
        raise _refuse(db, clinician, AuditAction.SCHEDULE_LIST_READ, "clinic", clinic.id,
                      "bad_span", status.HTTP_422_UNPROCESSABLE_CONTENT,
                      "'from' must be on or before 'to'.", now)
    if (last - first).days + 1 > MAX_SCHEDULE_DAYS:
        raise _refuse(db, clinician, AuditAction.SCHEDULE_LIST_READ, "clinic", clinic.id,
                      "bad_span", status.HTTP_422_UNPROCESSABLE_CONTENT,
                      f"Ask for at most {MAX_SCHEDULE_DAYS} days of the schedule at a time.",
                      now)
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    records = clinic_sessions_between(db, clinic.id, start, end, MAX_SCHEDULE_SESSIONS + 1)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.SCHEDULE_LIST_READ, record_type="clinic",
                 record_id=clinic.id)
    db.commit()
    return ScheduleListResponse(
        from_day=first, to_day=last, timezone=zone.key,
        sessions=session_views(db, records[:MAX_SCHEDULE_SESSIONS], clinic),
        truncated=len(records) > MAX_SCHEDULE_SESSIONS)


@router.get("/schedule/{session_id}", responses=READ_ERRORS)
def read_session(session_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                 now: Now) -> ProgramSessionView:
    """One session of the clinic, with who attends, its series and its local times."""
    record = _clinic_session_or_404(db, clinician, session_id,
                                    AuditAction.SCHEDULE_LIST_READ, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.SCHEDULE_LIST_READ, record_type="scheduled_session",
                 record_id=record.id)
    db.commit()
    return session_view(db, record, _clinic(db, clinician))


@router.post("/schedule", status_code=status.HTTP_201_CREATED, responses=CREATE_ERRORS)
def create_session(
    body: ProgramSessionCreateRequest, clinician: CurrentClinician, db: DbSession, now: Now
) -> SessionCreatedResponse:
    """Add a session for one participant (`participant_id`), one group (`group_id`) or
    the whole program (neither); with `repeat_weekly_until`, one a week at the same
    local time up to that day (at most 26 weeks on), sharing a `series_id`. Answers
    with the first session and every occurrence."""
    actor = staff_actor(clinician.staff_id)
    action = AuditAction.SESSION_CREATE
    if body.participant_id is not None and clinic_participant(
            db, clinician, body.participant_id) is None:
        not_found(db, clinician, action, "participant", body.participant_id,
                  NO_SUCH_PARTICIPANT, now)
    if body.group_id is not None:
        group = clinic_group(db, clinician.clinic_id, body.group_id)
        if group is None:
            not_found(db, clinician, action, "participant_group", body.group_id,
                      NO_SUCH_GROUP, now)
        if group.archived_at is not None:
            raise _refuse(db, clinician, action, "participant_group", group.id,
                          "group_archived", status.HTTP_409_CONFLICT, ARCHIVED_MESSAGE, now)
    clinic = _clinic(db, clinician)
    # The zone the local times were written in (and a repeat keeps): the request's, else
    # the clinic's; stored with each session.
    zone = ZoneInfo(body.timezone) if body.timezone is not None else clinic_zone(clinic)
    details = _details(body)
    times = [(details.starts_at, details.ends_at)]
    if body.repeat_weekly_until is not None:
        try:
            times = weekly_occurrences(details.starts_at, details.ends_at, zone,
                                       body.repeat_weekly_until)
        except RepeatRefused as refused:
            raise _refuse(db, clinician, action, "clinic", clinic.id, "bad_repeat",
                          status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused), now) from None
    series_id = uuid.uuid4() if len(times) > 1 else None
    created = []
    for starts_at, ends_at in times:
        occurrence = _in_utc(details, starts_at, ends_at)
        record = add_session(db, clinic_id=clinician.clinic_id,
                             participant_id=body.participant_id, group_id=body.group_id,
                             series_id=series_id, timezone=zone.key, details=occurrence,
                             now=now)
        record_audit(db, at=now, actor=actor, action=action,
                     record_type="scheduled_session", record_id=record.id)
        created.append(record)
    db.commit()
    views = session_views(db, created, clinic)
    return SessionCreatedResponse(**views[0].model_dump(), occurrences=views)


@router.put("/schedule/{session_id}", responses=WRITE_ERRORS)
def update_session(
    session_id: uuid.UUID,
    body: SessionWrite,
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
) -> ProgramSessionView:
    """Replace one session's details (time, place, who leads it...); apps get the new
    version. Other occurrences of its series stay as they are. Who attends does not
    change: cancel it and add another for that."""
    actor = staff_actor(clinician.staff_id)
    record = _clinic_session_or_404(db, clinician, session_id, AuditAction.SESSION_CHANGE, now)
    change_session(db, record, _details(body), now, timezone=body.timezone)
    record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_CHANGE,
                 record_type="scheduled_session", record_id=record.id)
    db.commit()
    return session_view(db, record, _clinic(db, clinician))


@router.post("/schedule/{session_id}/cancel", responses=WRITE_ERRORS)
def cancel_scheduled_session(
    session_id: uuid.UUID,
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    body: SessionCancelRequest | None = None,
) -> ProgramSessionView:
    """Cancel one session (it stays on the schedule, marked cancelled); cancelling again
    changes nothing."""
    actor = staff_actor(clinician.staff_id)
    record = _clinic_session_or_404(db, clinician, session_id, AuditAction.SESSION_CANCEL, now)
    repeated = record.status is SessionStatus.CANCELLED
    if not repeated:
        cancel_session(db, record, body.note if body else None, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_CANCEL,
                 record_type="scheduled_session", record_id=record.id,
                 reason="already_cancelled" if repeated else None)
    db.commit()
    return session_view(db, record, _clinic(db, clinician))


@router.post("/schedule/{session_id}/cancel-following", responses=WRITE_ERRORS)
def cancel_session_and_following(
    session_id: uuid.UUID,
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    body: SessionSeriesCancelRequest | None = None,
) -> SessionsCancelledResponse:
    """Cancel this session and every later occurrence of its weekly series that is still
    on (only this one if it is not in a series). Earlier occurrences stay as they are;
    those cancelled already are left alone (an empty list: nothing was left to cancel)."""
    actor = staff_actor(clinician.staff_id)
    record = _clinic_session_or_404(db, clinician, session_id,
                                    AuditAction.SESSION_SERIES_CANCEL, now)
    cancelled = cancel_following(db, record, body.note if body else None, now)
    for one in cancelled:
        record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_SERIES_CANCEL,
                     record_type="scheduled_session", record_id=one.id)
    if not cancelled:
        record_audit(db, at=now, actor=actor, action=AuditAction.SESSION_SERIES_CANCEL,
                     record_type="scheduled_session", record_id=record.id,
                     reason="already_cancelled")
    db.commit()
    return SessionsCancelledResponse(
        cancelled=session_views(db, cancelled, _clinic(db, clinician)))
