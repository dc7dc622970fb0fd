"""A staff member's own account: who they are (role, whether a new password must be
chosen), and changing their password. Both stay open to an account still on a temporary
password, which can reach nothing else (clinic/auth.py)."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, status

from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Staff
from iop_companion.clinic.routes.clinician.administration import staff_member
from iop_companion.clinic.routes.clinician.common import clinician_router
from iop_companion.clinic.staff_admin import SamePassword, WrongPassword, change_own_password
from iop_companion.clinic.throttle import Throttled
from iop_companion.sync.protocol import ErrorBody, PasswordChangeRequest, StaffMember

WRONG_PASSWORD = "Your current password is not right. Please try again."
SAME_PASSWORD = "Choose a new password that is different from your current one."
TOO_MANY = "Too many attempts that did not work. Please wait a while and try again."
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (403, 422, 429)}

router = clinician_router()


@router.get("/account")
def read_own_account(clinician: CurrentClinician, db: DbSession, now: Now) -> StaffMember:
    """The signed-in staff member's own account: name, role (an administrator also
    manages staff), and whether they must choose a new password before anything else."""
    staff = db.get_one(Staff, clinician.staff_id)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.STAFF_ACCOUNT_READ, record_type="staff",
                 record_id=clinician.staff_id)
    db.commit()
    return staff_member(staff)


@router.post("/account/password", responses=ERRORS)
def change_password(body: PasswordChangeRequest, clinician: CurrentClinician, db: DbSession,
                    now: Now) -> StaffMember:
    """Choose a new password (at least 12 characters), giving the current one. Other
    sessions of the account end; this one stays. Wrong current passwords count toward
    the same lock-out as at sign-in (429 with Retry-After while it lasts)."""
    staff = db.get_one(Staff, clinician.staff_id)
    actor = staff_actor(clinician.staff_id)
    try:
        change_own_password(db, staff, clinician.session_id, current=body.current_password,
                            new=body.new_password, now=now)
    except Throttled as throttled:
        db.rollback()
        commit_failure(db, at=now, actor=actor, action=AuditAction.STAFF_PASSWORD_CHANGE,
                       record_type="staff", record_id=clinician.staff_id, reason="throttled")
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, TOO_MANY,
                            headers={"Retry-After": str(throttled.retry_after)}) from None
    except WrongPassword:
        db.commit()  # the failure and its count, added by change_own_password
        raise HTTPException(status.HTTP_403_FORBIDDEN, WRONG_PASSWORD) from None
    except SamePassword:
        db.rollback()
        commit_failure(db, at=now, actor=actor, action=AuditAction.STAFF_PASSWORD_CHANGE,
                       record_type="staff", record_id=clinician.staff_id,
                       reason="same_password")
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, SAME_PASSWORD) from None
    db.commit()
    return staff_member(staff)
