"""The clinician's alerts: those of their own clinic, most urgent first, a page at a time
or grouped per participant, and acknowledging one with a note. Priority, grouping and
order: clinic/alerts.py; what raises them and when: clinic/alert_evaluation.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from iop_companion.clinic.alert_evaluation import raise_silence_alerts
from iop_companion.clinic.alerts import (
    acknowledge,
    alert_cursor,
    alert_group_cursor,
    alert_group_page,
    alert_page,
)
from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.clinicians import clinic_alert, clinician_alert
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.paging import BadCursor, bad_cursor, paged_query_only
from iop_companion.clinic.routes.clinician.common import (
    WRITE_ERRORS,
    clinician_router,
    not_found,
)
from iop_companion.sync.protocol import (
    DEFAULT_ALERT_GROUPS_PAGE,
    DEFAULT_ALERTS_PAGE,
    MAX_ALERT_GROUPS_PAGE,
    MAX_ALERTS_PAGE,
    MAX_PAGE_CURSOR_LENGTH,
    AlertAcknowledgeRequest,
    ClinicianAlert,
    ClinicianAlertGroup,
    ClinicianAlertGroupsResponse,
    ClinicianAlertsResponse,
    ErrorBody,
)

NO_SUCH_ALERT = "There is no such alert."
PAGE_ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorBody}}
Cursor = Annotated[str | None, Query(max_length=MAX_PAGE_CURSOR_LENGTH,
                                     description="The previous page's `next`")]

router = clinician_router()


@router.get("/alerts", responses=PAGE_ERRORS, dependencies=[Depends(paged_query_only)])
def read_alerts(
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ALERTS_PAGE)] = DEFAULT_ALERTS_PAGE,
) -> ClinicianAlertsResponse:
    """The clinic's alerts: open ones first, then by priority (set by the clinic from the
    trigger), then the newest first; acknowledged ones stay listed after every open one.
    One open alert per participant and trigger, with the number of flags or rule events
    folded into it. Repeat with `cursor=next` while `next` is not null. The first page
    first raises "no check-in" alerts that have come due (clinic/alert_evaluation.py)."""
    try:
        after = alert_cursor(cursor) if cursor is not None else None
    except BadCursor:
        raise bad_cursor() from None
    if after is None:
        raise_silence_alerts(db, clinician.clinic_id, now)
    page = alert_page(db, clinician.clinic_id, after, limit)
    _audit_read(db, clinician, [alert.participant_id for alert in page.alerts], now)
    db.commit()
    return ClinicianAlertsResponse(alerts=[clinician_alert(alert) for alert in page.alerts],
                                   next=page.next_cursor)


@router.get("/alerts/by-participant", responses=PAGE_ERRORS,
            dependencies=[Depends(paged_query_only)])
def read_alert_groups(
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ALERT_GROUPS_PAGE)] = DEFAULT_ALERT_GROUPS_PAGE,
) -> ClinicianAlertGroupsResponse:
    """The work still to do: each participant with open alerts, most urgent first (their
    most urgent alert, then their latest), with those alerts, most urgent first. An
    alert leaves this list once acknowledged (it stays in `/alerts`). Paged by
    participant like `/alerts`; the first page first raises due "no check-in" alerts."""
    try:
        after = alert_group_cursor(cursor) if cursor is not None else None
    except BadCursor:
        raise bad_cursor() from None
    if after is None:
        raise_silence_alerts(db, clinician.clinic_id, now)
    page = alert_group_page(db, clinician.clinic_id, after, limit)
    _audit_read(db, clinician, [group.participant.id for group in page.groups], now)
    db.commit()
    return ClinicianAlertGroupsResponse(
        groups=[ClinicianAlertGroup(participant_id=group.participant.id,
                                    participant_name=group.participant.display_name,
                                    priority=group.priority, latest_at=group.latest_at,
                                    alerts=[clinician_alert(alert) for alert in group.alerts])
                for group in page.groups],
        next=page.next_cursor,
    )


def _audit_read(db: Session, clinician: CurrentClinician, shown: list[uuid.UUID],
                now: datetime) -> None:
    """Each participant whose alerts were shown is a read of that participant's data."""
    for participant_id in dict.fromkeys(shown) or [None]:
        record_audit(
            db,
            at=now,
            actor=staff_actor(clinician.staff_id),
            action=AuditAction.ALERTS_READ,
            record_type="participant" if participant_id else "clinic",
            record_id=participant_id or clinician.clinic_id,
        )


@router.post("/alerts/{alert_id}/acknowledge", responses=WRITE_ERRORS)
def acknowledge_alert(
    alert_id: uuid.UUID, body: AlertAcknowledgeRequest, clinician: CurrentClinician,
    db: DbSession, now: Now,
) -> ClinicianAlert:
    """Close the alert, keeping who acknowledged it (the signed-in clinician), when, and
    their note (1 to 1000 characters: what was done). The next flag or rule event of its
    trigger opens a new one. Acknowledging it again changes nothing: the first
    acknowledgement and its note stand, and are returned."""
    alert = clinic_alert(db, clinician.clinic_id, alert_id)
    if alert is None:
        not_found(db, clinician, AuditAction.ALERT_ACKNOWLEDGE, "alert", alert_id,
                  NO_SUCH_ALERT, now)
    changed = acknowledge(db, alert, clinician.staff_id, body.note, now)
    record_audit(
        db,
        at=now,
        actor=staff_actor(clinician.staff_id),
        action=AuditAction.ALERT_ACKNOWLEDGE,
        record_type="alert",
        record_id=alert.id,
        reason=None if changed else "already_acknowledged",
    )
    db.commit()
    return clinician_alert(alert)
