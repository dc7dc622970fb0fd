"""The clinic's staff accounts, for its administrators: list, add (with a temporary
password shown once), disable, enable, and reset a password. A clinician gets 403."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from fastapi import HTTPException, status
from sqlalchemy.exc import IntegrityError

from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentAdministrator
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Staff, StaffRole
from iop_companion.clinic.routes.clinician.administration import (
    administrator_router,
    staff_member,
)
from iop_companion.clinic.routes.clinician.common import not_found
from iop_companion.clinic.staff_admin import (
    EmailTaken,
    OwnAccount,
    add_staff,
    clinic_staff,
    clinic_staff_member,
    reset_password,
    set_disabled,
)
from iop_companion.sync.protocol import (
    ErrorBody,
    PasswordResetResponse,
    StaffCreatedResponse,
    StaffCreateRequest,
    StaffListResponse,
    StaffMember,
)

NO_SUCH_STAFF = "There is no such staff account."
EMAIL_TAKEN = "An account with this email already exists."
NOT_YOUR_OWN = {
    AuditAction.STAFF_DISABLE: "You cannot disable your own account. Ask another "
                               "administrator.",
    AuditAction.STAFF_PASSWORD_RESET: "To change your own password, use Change password "
                                      "(POST /clinician/account/password).",
}
CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (404, 409)}
CREATE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (409, 422)}

router = administrator_router()


@router.get("/staff")
def read_staff(admin: CurrentAdministrator, db: DbSession, now: Now) -> StaffListResponse:
    """Every staff account of the clinic, by name: role, disabled, locked out after
    wrong passwords, still on a temporary password."""
    staff = clinic_staff(db, admin.clinic_id)
    record_audit(db, at=now, actor=staff_actor(admin.staff_id), action=AuditAction.STAFF_READ,
                 record_type="clinic", record_id=admin.clinic_id)
    db.commit()
    return StaffListResponse(staff=[staff_member(member) for member in staff])


@router.post("/staff", status_code=status.HTTP_201_CREATED, responses=CREATE_ERRORS)
def create_staff(body: StaffCreateRequest, admin: CurrentAdministrator, db: DbSession,
                 now: Now) -> StaffCreatedResponse:
    """Add a clinician or administrator to the clinic. The answer holds a temporary
    password, shown this once: give it to the person, who signs in with it and must
    then choose their own. 409 if the email already has an account."""
    try:
        staff, password = add_staff(db, admin.clinic_id, email=body.email,
                                    display_name=body.display_name,
                                    role=StaffRole(body.role), by=admin.staff_id, now=now)
        db.commit()
    except (EmailTaken, IntegrityError):  # IntegrityError: added at the same moment elsewhere
        db.rollback()
        commit_failure(db, at=now, actor=staff_actor(admin.staff_id),
                       action=AuditAction.STAFF_CREATE, record_type="clinic",
                       record_id=admin.clinic_id, reason="email_taken")
        raise HTTPException(status.HTTP_409_CONFLICT, EMAIL_TAKEN) from None
    return StaffCreatedResponse(staff=staff_member(staff), temporary_password=password)


@router.post("/staff/{staff_id}/disable", responses=CHANGE_ERRORS)
def disable_staff(staff_id: uuid.UUID, admin: CurrentAdministrator, db: DbSession,
                  now: Now) -> StaffMember:
    """Disable an account: its sessions end at once and it cannot sign in. Not your own
    (409). Disabling it again changes nothing more."""
    return _set_disabled(staff_id, admin, db, now, disabled=True)


@router.post("/staff/{staff_id}/enable", responses=CHANGE_ERRORS)
def enable_staff(staff_id: uuid.UUID, admin: CurrentAdministrator, db: DbSession,
                 now: Now) -> StaffMember:
    """Enable an account again; this also clears a lock-out after wrong passwords."""
    return _set_disabled(staff_id, admin, db, now, disabled=False)


@router.post("/staff/{staff_id}/reset-password", responses=CHANGE_ERRORS)
def reset_staff_password(staff_id: uuid.UUID, admin: CurrentAdministrator, db: DbSession,
                         now: Now) -> PasswordResetResponse:
    """Give an account a new temporary password (shown this once) and sign it out
    everywhere; it must choose its own password at its next sign-in. Not your own (409)."""
    staff = _staff_or_404(db, admin, staff_id, AuditAction.STAFF_PASSWORD_RESET, now)
    try:
        password, ended = reset_password(db, staff, by=admin.staff_id, now=now)
    except OwnAccount:
        _own_account(db, admin, AuditAction.STAFF_PASSWORD_RESET, now)
    db.commit()
    return PasswordResetResponse(staff=staff_member(staff), temporary_password=password,
                                 ended_sessions=ended)


def _set_disabled(staff_id: uuid.UUID, admin: CurrentAdministrator, db: DbSession, now: Now,
                  *, disabled: bool) -> StaffMember:
    action = AuditAction.STAFF_DISABLE if disabled else AuditAction.STAFF_ENABLE
    staff = _staff_or_404(db, admin, staff_id, action, now)
    try:
        set_disabled(db, staff, disabled, by=admin.staff_id, now=now)
    except OwnAccount:
        _own_account(db, admin, action, now)
    db.commit()
    return staff_member(staff)


def _staff_or_404(db: DbSession, admin: CurrentAdministrator, staff_id: uuid.UUID,
                  action: AuditAction, now: Now) -> Staff:
    staff = clinic_staff_member(db, admin.clinic_id, staff_id)
    if staff is None:
        not_found(db, admin, action, "staff", staff_id, NO_SUCH_STAFF, now)
    return staff


def _own_account(db: DbSession, admin: CurrentAdministrator, action: AuditAction,
                 now: Now) -> NoReturn:
    commit_failure(db, at=now, actor=staff_actor(admin.staff_id), action=action,
                   record_type="staff", record_id=admin.staff_id, reason="own_account")
    message = NOT_YOUR_OWN.get(action, NOT_YOUR_OWN[AuditAction.STAFF_DISABLE])
    raise HTTPException(status.HTTP_409_CONFLICT, message)
