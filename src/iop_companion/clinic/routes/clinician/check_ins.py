"""The participant's daily check-ins over a span of days (mood, craving, sleep, use,
triggers, warning signs, skills, note), for charts with the numbers beside them."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, status
from pydantic import ValidationError

from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import ParticipantRecord
from iop_companion.clinic.participant_status import aware_time, clinic_zone
from iop_companion.clinic.participant_view import check_ins_between
from iop_companion.clinic.routes.clinician.common import clinician_router, participant_or_404
from iop_companion.sync.protocol import (
    DEFAULT_CHECK_IN_DAYS,
    MAX_CHECK_IN_DAYS,
    CheckInsResponse,
    CheckInView,
    ErrorBody,
)
from iop_companion.sync.protocol.clinician_reads import DATE_RANGE_MESSAGE, date_in_range

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (404, 422)}
_PARAMETERS = frozenset({"from", "to"})

router = clinician_router()


def _known_parameters_only(request: Request) -> None:
    # A misspelt `?form=` must not silently mean "the last four weeks".
    unknown = sorted(set(request.query_params) - _PARAMETERS)
    if unknown:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"'{unknown[0][:40]}' is not a parameter this server accepts; "
                            "use 'from' and 'to'.")


@router.get("/participants/{participant_id}/check-ins", responses=ERRORS,
            dependencies=[Depends(_known_parameters_only)])
def read_check_ins(
    participant_id: uuid.UUID,
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    from_day: Annotated[date | None, Query(
        alias="from", description="The first day (default: 27 days before `to`)")] = None,
    to_day: Annotated[date | None, Query(
        alias="to", description="The last day (default: today, in the clinic's time zone)")
    ] = None,
) -> CheckInsResponse:
    """The participant's check-ins saved on the days `from` to `to` (both included, at
    most 366 days; a check-in's day is the phone's calendar day when it was saved),
    oldest first, each as the participant saved it."""
    participant = participant_or_404(db, clinician, participant_id,
                                     AuditAction.CHECK_INS_READ, now)
    zone = clinic_zone(participant.clinic)
    try:
        first, last = _span(from_day, to_day, now.astimezone(zone).date())
    except ValueError as problem:
        commit_failure(db, at=now, actor=staff_actor(clinician.staff_id),
                       action=AuditAction.CHECK_INS_READ, record_type="participant",
                       record_id=participant_id, reason="bad_span")
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(problem)) from None
    found = check_ins_between(db, participant_id, first, last, zone)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.CHECK_INS_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return CheckInsResponse(from_day=first, to_day=last,
                            check_ins=[_view(day, record) for day, record in found])


def _span(from_day: date | None, to_day: date | None, today: date) -> tuple[date, date]:
    """The first and last day to show; ValueError saying what is wrong with the span
    asked for (the dates as given are checked before any default is counted from them:
    from a date near year 1 that would overflow)."""
    for name, day in (("from", from_day), ("to", to_day)):
        if day is not None and not date_in_range(day):
            raise ValueError(f"'{name}' {DATE_RANGE_MESSAGE}.")
    last = to_day or today
    first = from_day or last - timedelta(days=DEFAULT_CHECK_IN_DAYS - 1)
    if first > last:
        raise ValueError("'from' must be on or before 'to' (which is today if left out).")
    if (last - first).days + 1 > MAX_CHECK_IN_DAYS:
        raise ValueError(f"Ask for at most {MAX_CHECK_IN_DAYS} days of check-ins at a time.")
    return first, last


_FIELDS = ("mood", "craving", "sleep_hours", "sleep_quality", "medications",
           "used_since_last", "substance", "thoughts_of_self_harm", "triggers",
           "warning_signs", "skills_used", "note")
# Shown as null when a check-in lacks them (an unanswered scale is null as sent).
_UNANSWERED = dict.fromkeys(("mood", "craving", "sleep_hours", "sleep_quality", "medications",
                             "used_since_last"))


def _view(day: date, record: ParticipantRecord) -> CheckInView:
    payload = record.payload
    common = {"record_id": record.record_id, "day": day,
              "saved_at": aware_time(payload.get("created_at")),
              "received_at": record.received_at}
    answers = {name: payload[name] for name in _FIELDS if name in payload}
    try:
        return CheckInView.model_validate({**_UNANSWERED, **answers, **common})
    except ValidationError:
        # Stored by an app whose check-in had another shape: the day is still shown,
        # never dropped (a missing check-in would read as a day without one).
        return CheckInView.model_validate({**_UNANSWERED, **common})
