"""The clinician's safety alerts: those of their own clinic, most urgent first, a page at
a time, and acknowledging one. Priority, grouping and order: clinic/alerts.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query

from iop_companion.clinic.alerts import alert_cursor, alert_page
from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.clinicians import clinic_alert, clinician_alert
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.paging import BadCursor, bad_cursor, paged_query_only
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    clinician_router,
    not_found,
)
from iop_companion.sync.protocol import (
    DEFAULT_ALERTS_PAGE,
    MAX_ALERTS_PAGE,
    MAX_PAGE_CURSOR_LENGTH,
    ClinicianAlert,
    ClinicianAlertsResponse,
    ErrorBody,
)

NO_SUCH_ALERT = "There is no such alert."
PAGE_ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorBody}}

router = clinician_router()


@router.get("/alerts", responses=PAGE_ERRORS, dependencies=[Depends(paged_query_only)])
def read_alerts(
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    cursor: Annotated[str | None, Query(max_length=MAX_PAGE_CURSOR_LENGTH,
                                        description="The previous page's `next`")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ALERTS_PAGE)] = DEFAULT_ALERTS_PAGE,
) -> ClinicianAlertsResponse:
    """The clinic's alerts: open ones first, then by priority (set by the clinic from the
    trigger), then the newest flag first. One open alert per participant and trigger,
    with the number of flags folded into it. Repeat with `cursor=next` while `next` is
    not null."""
    try:
        after = alert_cursor(cursor) if cursor is not None else None
    except BadCursor:
        raise bad_cursor() from None
    page = alert_page(db, clinician.clinic_id, after, limit)
    # Each participant whose alerts were shown is a read of that participant's data.
    shown = dict.fromkeys(alert.participant_id for alert in page.alerts)
    for participant_id in shown or [None]:
        record_audit(
            db,
            at=now,
            actor=staff_actor(clinician.staff_id),
            action=AuditAction.ALERTS_READ,
            record_type="participant" if participant_id else "clinic",
            record_id=participant_id or clinician.clinic_id,
        )
    db.commit()
    return ClinicianAlertsResponse(alerts=[clinician_alert(alert) for alert in page.alerts],
                                   next=page.next_cursor)


@router.post("/alerts/{alert_id}/acknowledge", responses=NOT_FOUND_ERRORS)
def acknowledge_alert(
    alert_id: uuid.UUID, clinician: CurrentClinician, db: DbSession, now: Now
) -> ClinicianAlert:
    """Mark the alert as seen to, closing it (the next flag of its trigger opens a new
    one); acknowledging it again changes nothing."""
    alert = clinic_alert(db, clinician.clinic_id, alert_id)
    if alert is None:
        not_found(db, clinician, AuditAction.ALERT_ACKNOWLEDGE, "alert", alert_id,
                  NO_SUCH_ALERT, now)
    repeated = alert.acknowledged_at is not None
    if not repeated:
        alert.acknowledged_at = now
        alert.acknowledged_by = clinician.staff_id
    record_audit(
        db,
        at=now,
        actor=staff_actor(clinician.staff_id),
        action=AuditAction.ALERT_ACKNOWLEDGE,
        record_type="alert",
        record_id=alert.id,
        reason="already_acknowledged" if repeated else None,
    )
    db.commit()
    return clinician_alert(alert)
