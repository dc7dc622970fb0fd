"""Clinician accounts: signing in, and their clinic's alerts (security A2, A3, R4).

A clinician signs in with email and password (Argon2id, one account per person)
and gets a random bearer token that lives 12 hours and is stored only as a digest.
A clinician sees and acknowledges their own clinic's alerts and nothing else (the list
itself: clinic/alerts.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from iop_companion.clinic.audit import (
    AuditAction,
    commit_failure,
    record_audit,
    staff_actor,
)
from iop_companion.clinic.credentials import digest, hash_password, new_staff_token, verify_password
from iop_companion.clinic.models import (
    Alert,
    Participant,
    Staff,
    StaffRole,
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


def sign_in(db: Session, email: str, password: str, now: datetime) -> IssuedStaffSession:
    """Check a clinician's credentials and open a session; audits success and failure."""
    staff = db.scalar(select(Staff).where(Staff.email == email.strip().lower()))
    password_ok = verify_password(staff.password_hash if staff else _dummy_hash(), password)
    if staff is None:
        reason: str | None = "unknown_email"
    elif not password_ok:
        reason = "wrong_password"
    elif staff.role is not StaffRole.CLINICIAN:
        reason = "not_a_clinician"
    else:
        reason = None
    if staff is None or reason is not None:
        commit_failure(db, at=now, action=AuditAction.STAFF_SIGN_IN, record_type="staff",
                       record_id=staff.id if staff else None, reason=reason or "unknown_email")
        raise SignInRefused()
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
    )
