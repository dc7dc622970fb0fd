"""Ending a clinician's sessions: signing out here, and signing out everywhere (every
session of the account, on every computer). Signing in is public (routes/public.py)."""

from __future__ import annotations

from fastapi import Response, status
from sqlalchemy import update

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.clinicians import revoke_staff_sessions
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import StaffSession
from iop_companion.clinic.routes.clinician.common import clinician_router

router = clinician_router()


@router.delete("/sessions/current", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(clinician: CurrentClinician, db: DbSession, now: Now) -> Response:
    """End this session: its token opens nothing from now on."""
    db.execute(update(StaffSession)
               .where(StaffSession.id == clinician.session_id,
                      StaffSession.revoked_at.is_(None))
               .values(revoked_at=now)
               .execution_options(synchronize_session=False))
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.STAFF_SIGN_OUT, record_type="staff_session",
                 record_id=clinician.session_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/sessions/revoke-all", status_code=status.HTTP_204_NO_CONTENT)
def sign_out_everywhere(clinician: CurrentClinician, db: DbSession, now: Now) -> Response:
    """End every session of this account, this one included (a lost laptop, a shared
    computer left signed in)."""
    revoke_staff_sessions(db, clinician.staff_id, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.STAFF_SIGN_OUT_EVERYWHERE, record_type="staff",
                 record_id=clinician.staff_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
