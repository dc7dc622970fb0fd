"""Clinician accounts: signing in, and their clinic's alerts (security A2, A3, R4).

A clinician (or an administrator, who is a clinician too) signs in with email and
password (Argon2id, one account per person) and gets a random bearer token that lives
12 hours and is stored only as a digest.
A clinician sees and acknowledges their own clinic's alerts and nothing else (the list
itself: clinic/alerts.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from iop_companion.clinic import throttle
from iop_companion.clinic.audit import (
    ANONYMOUS,
    AuditAction,
    commit_failure,
    record_audit,
    staff_actor,
)
from iop_companion.clinic.credentials import digest, hash_password, new_staff_token, verify_password
from iop_companion.clinic.models import (
    Alert,
    AuditOutcome,
    Participant,
    Staff,
    StaffSession,
)
from iop_companion.sync.protocol import ClinicianAlert

SESSION_LIFETIME = timedelta(hours=12)


class SignInRefused(Exception):
    """Wrong email or password (deliberately not saying which)."""


@dataclass(frozen=True)
class IssuedStaffSession:
    token: str  # shown once; only its digest is kept
    expires_at: datetime


@cache
def _dummy_hash() -> str:
    # Checked against when the email is unknown, so that both failures take as long.
    return hash_password("not-a-real-password")


def sign_in(db: Session, email: str, password: str, now: datetime,
            address: str | None = None) -> IssuedStaffSession:
    """Check a clinician's credentials and open a session; audits success and failure.

    Raises Throttled (before checking anything) while the client's address, everyone,
    or the email typed is blocked after too many failures, and SignInRefused.
    """
    per_address = throttle.address_key("sign_in", address, throttle.SIGN_IN_PER_ADDRESS)
    everyone = throttle.global_key("sign_in", throttle.SIGN_IN_GLOBAL)
    account = throttle.account_key(email)
    throttle.check(db, [per_address, everyone, account], now)
    staff = db.scalar(select(Staff).where(Staff.email == email.strip().lower()))
    password_ok = verify_password(staff.password_hash if staff else _dummy_hash(), password)
    if staff is None:
        reason: str | None = "unknown_email"
    elif not password_ok:
        reason = "wrong_password"
    elif staff.disabled:
        reason = "staff_disabled"
    else:
        reason = None
    if staff is None or reason is not None:
        _count_failure(db, [per_address, everyone], account, staff, now)
        commit_failure(db, at=now, action=AuditAction.STAFF_SIGN_IN, record_type="staff",
                       record_id=staff.id if staff else None, reason=reason or "unknown_email")
        raise SignInRefused()
    throttle.clear(db, account)
    token = new_staff_token()
    session = StaffSession(
        id=uuid.uuid4(),
        staff_id=staff.id,
        token_hash=digest(token),
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    db.add(session)
    record_audit(
        db,
        at=now,
        actor=staff_actor(staff.id),
        action=AuditAction.STAFF_SIGN_IN,
        record_type="staff_session",
        record_id=session.id,
    )
    db.commit()
    return IssuedStaffSession(token=token, expires_at=session.expires_at)


def _count_failure(db: Session, keys: list[throttle.Key], account: throttle.Key,
                   staff: Staff | None, now: datetime) -> None:
    """Count a failed sign-in; a lock of a real account is flagged on it and audited,
    so that the clinic's admin sees it (in the caller's transaction)."""
    for key in keys:
        if throttle.record_failure(db, key, now):
            record_audit(db, at=now, actor=ANONYMOUS, action=AuditAction.THROTTLE_BLOCK,
                         outcome=AuditOutcome.FAILURE, reason=":".join(key.name.split(":")[:2]))
    if throttle.record_failure(db, account, now) and staff is not None:
        staff.locked_out_at = now
        record_audit(db, at=now, actor=ANONYMOUS, action=AuditAction.STAFF_LOCK_OUT,
                     outcome=AuditOutcome.FAILURE, record_type="staff", record_id=staff.id,
                     reason="repeated_wrong_passwords")


def revoke_staff_sessions(db: Session, staff_id: uuid.UUID, now: datetime) -> int:
    """End every live session of the account (in the caller's transaction); how many."""
    result = db.execute(update(StaffSession)
                        .where(StaffSession.staff_id == staff_id,
                               StaffSession.revoked_at.is_(None))
                        .values(revoked_at=now)
                        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0))


def set_staff_disabled(db: Session, email: str, disabled: bool, now: datetime,
                       actor: str = "cli") -> Staff | None:
    """Disable (ending every session) or enable a staff account, audited as done by
    `actor` (the `iop-clinic` command, or an administrator); None if no such email.
    Enabling also clears the lock-out notice and the email's failure count."""
    staff = db.scalar(select(Staff).where(Staff.email == email.strip().lower()))
    if staff is None:
        return None
    staff.disabled = disabled
    if disabled:
        revoke_staff_sessions(db, staff.id, now)
    else:
        staff.locked_out_at = None
        throttle.clear(db, throttle.account_key(email))
    record_audit(db, at=now, actor=actor,
                 action=AuditAction.STAFF_DISABLE if disabled else AuditAction.STAFF_ENABLE,
                 record_type="staff", record_id=staff.id)
    return staff


def clinic_alert(db: Session, clinic_id: uuid.UUID, alert_id: uuid.UUID) -> Alert | None:
    """The alert, if it belongs to a participant of this clinic (else None, as if absent)."""
    return db.scalar(
        select(Alert)
        .join(Participant, Participant.id == Alert.participant_id)
        .where(Alert.id == alert_id, Participant.clinic_id == clinic_id)
    )


def clinician_alert(alert: Alert) -> ClinicianAlert:
    return ClinicianAlert(
        id=alert.id,
        participant_id=alert.participant_id,
        participant_name=alert.participant.display_name,
        trigger=alert.trigger.value,
        priority=alert.priority,
        raised_at=alert.raised_at,
        received_at=alert.received_at,
        acknowledged_at=alert.acknowledged_at,
        count=alert.flag_count,
        latest_at=alert.latest_at,
        detail=dict(alert.detail or {}),
        acknowledged_by=alert.acknowledged_by,
        acknowledged_by_name=alert.acknowledger.display_name if alert.acknowledger else None,
        acknowledgement_note=alert.acknowledgement_note,
    )
