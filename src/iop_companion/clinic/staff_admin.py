"""Managing a clinic's staff accounts (an administrator's work), and a staff member
changing their own password.

An administrator adds an account or resets its password by giving out a temporary
password: random, shown once, stored like any password (Argon2id), and marked so that
the account's sessions open nothing but choosing a new password (clinic/auth.py).
Disabling and enabling call the same function as `iop-clinic staff` does
(clinicians.set_staff_disabled), so both end sessions and clear lock-outs alike.

Adding an account and resetting a password take `by`, the administrator's staff id, or
None for the `iop-clinic` command (audited as "cli"; how a clinic gets its first
administrator, and how a sole administrator locked out gets back in).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from iop_companion.clinic import throttle
from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.clinicians import revoke_staff_sessions, set_staff_disabled
from iop_companion.clinic.credentials import hash_password, verify_password
from iop_companion.clinic.models import AuditOutcome, Staff, StaffRole, StaffSession
from iop_companion.sync.protocol import ENROLMENT_CODE_ALPHABET

# Four groups of four from the enrolment codes' alphabet (no 0/O, 1/I/L): 80 random
# bits, easy to read out or type from a note.
_TEMPORARY_GROUPS = 4
_TEMPORARY_GROUP_LENGTH = 4


class EmailTaken(Exception):
    """Another account already has this email (emails are unique on the server)."""


class OwnAccount(Exception):
    """An administrator may not do this to their own account."""


class WrongPassword(Exception):
    """The current password given does not match the account's."""


class SamePassword(Exception):
    """The new password is the one the account already has."""


def new_temporary_password() -> str:
    return "-".join(
        "".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _ in range(_TEMPORARY_GROUP_LENGTH))
        for _ in range(_TEMPORARY_GROUPS))


def clinic_staff(db: Session, clinic_id: uuid.UUID) -> list[Staff]:
    return list(db.scalars(select(Staff).where(Staff.clinic_id == clinic_id)
                           .order_by(Staff.display_name, Staff.id)))


def clinic_staff_member(db: Session, clinic_id: uuid.UUID, staff_id: uuid.UUID) -> Staff | None:
    """The account if it belongs to this clinic (else None, as if it did not exist)."""
    staff = db.get(Staff, staff_id)
    return staff if staff is not None and staff.clinic_id == clinic_id else None


def _actor(by: uuid.UUID | None) -> str:
    return staff_actor(by) if by is not None else "cli"


def add_staff(db: Session, clinic_id: uuid.UUID, *, email: str, display_name: str,
              role: StaffRole, by: uuid.UUID | None, now: datetime) -> tuple[Staff, str]:
    """Add an account with a temporary password, audited (the caller commits); returns
    the account and the password, to be shown once. Raises EmailTaken."""
    email = email.strip().lower()
    if db.scalar(select(Staff.id).where(Staff.email == email)) is not None:
        raise EmailTaken()
    password = new_temporary_password()
    staff = Staff(id=uuid.uuid4(), clinic_id=clinic_id, email=email, display_name=display_name,
                  password_hash=hash_password(password), role=role, created_at=now,
                  password_change_required=True)
    db.add(staff)
    record_audit(db, at=now, actor=_actor(by), action=AuditAction.STAFF_CREATE,
                 record_type="staff", record_id=staff.id)
    return staff, password


def set_disabled(db: Session, staff: Staff, disabled: bool, *, by: uuid.UUID,
                 now: datetime) -> None:
    """Disable (ending every session at once) or enable (clearing any lock-out) another
    account, audited (the caller commits). Raises OwnAccount for the admin's own."""
    if staff.id == by:
        raise OwnAccount()
    set_staff_disabled(db, staff.email, disabled, now, actor=staff_actor(by))


def reset_password(db: Session, staff: Staff, *, by: uuid.UUID | None,
                   now: datetime) -> tuple[str, int]:
    """Give another account a new temporary password and end its sessions, audited (the
    caller commits); returns the password, to be shown once, and how many sessions
    ended. Also clears the email's wrong-password count and lock-out notice: the person
    is about to sign in with a password they have never typed. Raises OwnAccount."""
    if staff.id == by:
        raise OwnAccount()
    password = new_temporary_password()
    staff.password_hash = hash_password(password)
    staff.password_change_required = True
    staff.locked_out_at = None
    throttle.clear(db, throttle.account_key(staff.email))
    ended = revoke_staff_sessions(db, staff.id, now)
    record_audit(db, at=now, actor=_actor(by),
                 action=AuditAction.STAFF_PASSWORD_RESET, record_type="staff",
                 record_id=staff.id)
    return password, ended


def change_own_password(db: Session, staff: Staff, session_id: uuid.UUID, *, current: str,
                        new: str, now: datetime) -> None:
    """Replace the account's password and end its other sessions, audited; the caller
    commits. Raises Throttled while the email is locked out after wrong passwords (a
    wrong current password counts like one at sign-in), WrongPassword, SamePassword."""
    account = throttle.account_key(staff.email)
    throttle.check(db, [account], now)
    actor = staff_actor(staff.id)
    if not verify_password(staff.password_hash, current):
        if throttle.record_failure(db, account, now):
            staff.locked_out_at = now
            record_audit(db, at=now, actor=actor, action=AuditAction.STAFF_LOCK_OUT,
                         outcome=AuditOutcome.FAILURE, record_type="staff",
                         record_id=staff.id, reason="repeated_wrong_passwords")
        record_audit(db, at=now, actor=actor, action=AuditAction.STAFF_PASSWORD_CHANGE,
                     outcome=AuditOutcome.FAILURE, record_type="staff", record_id=staff.id,
                     reason="wrong_password")
        raise WrongPassword()
    if new == current:
        raise SamePassword()
    staff.password_hash = hash_password(new)
    staff.password_change_required = False
    throttle.clear(db, account)
    # Whoever else was signed in with the old password is signed out; this session stays.
    db.execute(update(StaffSession)
               .where(StaffSession.staff_id == staff.id, StaffSession.id != session_id,
                      StaffSession.revoked_at.is_(None))
               .values(revoked_at=now)
               .execution_options(synchronize_session=False))
    record_audit(db, at=now, actor=actor, action=AuditAction.STAFF_PASSWORD_CHANGE,
                 record_type="staff", record_id=staff.id)
