"""The clinic's audit log, for its administrators: who did what to which record and
when, newest first, a page at a time (clinic/audit_log.py says which rows are the
clinic's). A clinician gets 403."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.audit_log import audit_cursor, clinic_audit_page, staff_names
from iop_companion.clinic.auth import CurrentAdministrator
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.paging import BadCursor, bad_cursor, paged_query_only
from iop_companion.clinic.routes.clinician.administration import administrator_router
from iop_companion.sync.protocol import (
    DEFAULT_AUDIT_PAGE,
    MAX_AUDIT_PAGE,
    MAX_PAGE_CURSOR_LENGTH,
    AuditEntryView,
    AuditLogResponse,
    ErrorBody,
)

PAGE_ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorBody}}

router = administrator_router()


@router.get("/audit", responses=PAGE_ERRORS, dependencies=[Depends(paged_query_only)])
def read_audit_log(
    admin: CurrentAdministrator,
    db: DbSession,
    now: Now,
    cursor: Annotated[str | None, Query(max_length=MAX_PAGE_CURSOR_LENGTH,
                                        description="The previous page's `next`")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_PAGE)] = DEFAULT_AUDIT_PAGE,
) -> AuditLogResponse:
    """The clinic's audit log, newest first: what its staff, its participants' phones and
    their family members did, and every attempt on its records. Repeat with
    `cursor=next` while `next` is not null (a page may come back short, even empty,
    before the end)."""
    try:
        before = audit_cursor(cursor) if cursor is not None else None
    except BadCursor:
        raise bad_cursor() from None
    page = clinic_audit_page(db, admin.clinic_id, before, limit)
    names = staff_names(db, admin.clinic_id)
    # Reading the log is itself audited; the row lands above this page, seen next time.
    record_audit(db, at=now, actor=staff_actor(admin.staff_id), action=AuditAction.AUDIT_READ,
                 record_type="clinic", record_id=admin.clinic_id)
    db.commit()
    return AuditLogResponse(
        entries=[AuditEntryView(id=entry.id, at=entry.at, actor=entry.actor,
                                actor_name=names.get(entry.actor), action=entry.action,
                                outcome=entry.outcome.value,  # type: ignore[arg-type]
                                record_type=entry.record_type, record_id=entry.record_id,
                                reason=entry.reason)
                 for entry in page.entries],
        next=page.next_cursor)
