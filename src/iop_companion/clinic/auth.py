"""Authentication: participant routes depend on `require_device`, family routes on
`require_family_member`, clinician routes on `require_clinician`.

Each looks tokens up in its own table (devices, family members, staff sessions), so
no kind of token ever opens another kind's routes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from iop_companion.clinic.audit import AuditAction, commit_failure, staff_actor
from iop_companion.clinic.credentials import digest
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.family import active_consents, scopes_of
from iop_companion.clinic.models import (
    Consent,
    FamilyMember,
    Participant,
    StaffRole,
    StaffSession,
)
from iop_companion.clinic.tokens import ACCESS_EXPIRED, AccessRefused, device_for_access_token

# Real tokens are 43 characters; anything far longer is not worth hashing.
_MAX_TOKEN_LENGTH = 200

NOT_AUTHORISED_MESSAGE = (
    "This device is not connected to a clinic account, or the clinic has disconnected it. "
    "Ask your clinic for a new enrolment code."
)

FAMILY_NOT_AUTHORISED_MESSAGE = (
    "You no longer have access to what was shared with you. "
    "Ask the person who invited you for a new invitation."
)

_bearer = HTTPBearer(
    auto_error=False,
    description="The access token from enrolment or from exchanging a refresh token.",
)

ACCESS_EXPIRED_MESSAGE = "The access token has expired. Exchange the refresh token for a new one."
# Apps look for `error="invalid_token"` and "expired" to refresh once instead of giving up.
ACCESS_EXPIRED_CHALLENGE = 'Bearer error="invalid_token", error_description="access token expired"'

_clinician_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ClinicianToken",
    description="The access token from signing in as a clinician.",
)

CLINICIAN_NOT_AUTHORISED_MESSAGE = "Your session has ended or is not valid. Please sign in again."
PASSWORD_CHANGE_REQUIRED_MESSAGE = (
    "You signed in with a temporary password. Choose a new password before going on."
)
ADMINISTRATORS_ONLY_MESSAGE = "Only an administrator of the clinic can do this."

_family_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="FamilyToken",
    description="The family token from joining with an invite code.",
)


@dataclass(frozen=True)
class AuthenticatedDevice:
    device_id: uuid.UUID
    participant: Participant


@dataclass(frozen=True)
class AuthenticatedFamilyMember:
    family_member_id: uuid.UUID
    participant: Participant
    consents: tuple[Consent, ...]  # in force for this request; never empty

    @property
    def scopes(self) -> list[str]:
        return scopes_of(self.consents)


def _refuse(message: str = NOT_AUTHORISED_MESSAGE) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        message,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _refuse_audited(db: Session, now: datetime, *, action: AuditAction, record_type: str,
                    record_id: uuid.UUID | None, reason: str, message: str) -> HTTPException:
    """Audit a failed sign-in (security R4; the token itself never is) and build the 401."""
    commit_failure(db, at=now, action=action, record_type=record_type, record_id=record_id,
                   reason=reason)
    return _refuse(message)


def _usable(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    if credentials is None or not 0 < len(credentials.credentials) <= _MAX_TOKEN_LENGTH:
        return None
    return credentials.credentials


def require_device(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    db: DbSession,
    now: Now,
) -> AuthenticatedDevice:
    """Resolve the bearer access token to an active device, or refuse the request with 401.

    An expired access token gets a 401 that says so (RFC 6750 `error="invalid_token"`
    with an "expired" description), telling the app to refresh rather than give up.
    """
    token = _usable(credentials)
    if token is None:
        raise _refuse()
    try:
        device = device_for_access_token(db, token, now)
    except AccessRefused as refusal:
        commit_failure(db, at=now, action=AuditAction.DEVICE_AUTHENTICATE, record_type="device",
                       record_id=refusal.device_id, reason=refusal.reason)
        if refusal.reason == ACCESS_EXPIRED:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                ACCESS_EXPIRED_MESSAGE,
                headers={"WWW-Authenticate": ACCESS_EXPIRED_CHALLENGE},
            ) from None
        raise _refuse() from None
    return AuthenticatedDevice(device_id=device.id, participant=device.participant)


CurrentDevice = Annotated[AuthenticatedDevice, Depends(require_device)]


def require_family_member(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_family_bearer)],
    db: DbSession,
    now: Now,
) -> AuthenticatedFamilyMember:
    """Resolve the bearer token to a family member with a consent in force now, or 401.

    The consent is checked on every request, so revoking it (or its expiry) ends
    access at the next one (security R3).
    """
    token = _usable(credentials)
    if token is None:
        raise _refuse(FAMILY_NOT_AUTHORISED_MESSAGE)
    member = db.scalar(select(FamilyMember).where(FamilyMember.token_hash == digest(token)))
    consents: list[Consent] = []
    if member is None:
        reason: str | None = "unknown_token"
    elif member.revoked_at is not None:
        reason = "family_member_revoked"
    else:
        consents = active_consents(db, member, now)
        reason = None if consents else "consent_inactive"  # revoked or expired
    if member is None or reason is not None:
        raise _refuse_audited(
            db, now, action=AuditAction.FAMILY_AUTHENTICATE, record_type="family_member",
            record_id=member.id if member else None, reason=reason or "unknown_token",
            message=FAMILY_NOT_AUTHORISED_MESSAGE)
    return AuthenticatedFamilyMember(
        family_member_id=member.id, participant=member.participant, consents=tuple(consents)
    )


CurrentFamilyMember = Annotated[AuthenticatedFamilyMember, Depends(require_family_member)]


@dataclass(frozen=True)
class AuthenticatedClinician:
    """A signed-in staff member: a clinician, or an administrator, who may do all that a
    clinician does and also manages the clinic's staff (one account per person)."""

    staff_id: uuid.UUID
    clinic_id: uuid.UUID
    session_id: uuid.UUID
    role: StaffRole = StaffRole.CLINICIAN


# A clinician's session ends after this long without a request (sliding), well before
# its 12-hour lifetime when a workstation is left signed in.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
_IDLE_RECORD_STEP = timedelta(minutes=1)

# What a session signed in with a temporary password may reach (route paths end so):
# the account itself, choosing the new password, and signing out (in the API and in the
# staff portal, clinic/portal/).
_OPEN_BEFORE_PASSWORD_CHANGE = ("/clinician/account", "/clinician/account/password",
                                "/clinician/sessions/current", "/clinician/sessions/revoke-all",
                                "/portal/password", "/portal/sign-out")


def _open_before_password_change(request: Request) -> bool:
    route = request.scope.get("route")
    return str(getattr(route, "path", "")).endswith(_OPEN_BEFORE_PASSWORD_CHANGE)


def require_clinician(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_clinician_bearer)],
    request: Request,
    db: DbSession,
    now: Now,
) -> AuthenticatedClinician:
    """Resolve the bearer token to a staff member's unexpired, unrevoked, recently used
    session of an account that is not disabled, or 401. An account still on a temporary
    password gets 403 everywhere but its own account and signing out."""
    token = _usable(credentials)
    if token is None:
        raise _refuse(CLINICIAN_NOT_AUTHORISED_MESSAGE)
    session = db.scalar(select(StaffSession).where(StaffSession.token_hash == digest(token)))
    if session is None:
        reason: str | None = "unknown_token"
    elif session.revoked_at is not None:
        reason = "session_revoked"
    elif session.expires_at <= now:
        reason = "session_expired"
    elif (session.last_used_at or session.created_at) + SESSION_IDLE_TIMEOUT <= now:
        reason = "session_idle"
    elif session.staff.disabled:
        reason = "staff_disabled"
    else:
        reason = None
    if session is None or reason is not None:
        raise _refuse_audited(
            db, now, action=AuditAction.STAFF_AUTHENTICATE, record_type="staff_session",
            record_id=session.id if session else None, reason=reason or "unknown_token",
            message=CLINICIAN_NOT_AUTHORISED_MESSAGE)
    if session.staff.password_change_required and not _open_before_password_change(request):
        commit_failure(db, at=now, action=AuditAction.STAFF_AUTHENTICATE,
                       actor=staff_actor(session.staff_id), record_type="staff_session",
                       record_id=session.id, reason="password_change_required")
        raise HTTPException(status.HTTP_403_FORBIDDEN, PASSWORD_CHANGE_REQUIRED_MESSAGE)
    if session.last_used_at is None or now - session.last_used_at >= _IDLE_RECORD_STEP:
        # The idle timeout slides; writing at most once a minute spares the database.
        session.last_used_at = now
        db.commit()
    return AuthenticatedClinician(staff_id=session.staff_id, clinic_id=session.staff.clinic_id,
                                  session_id=session.id, role=session.staff.role)


CurrentClinician = Annotated[AuthenticatedClinician, Depends(require_clinician)]


def require_administrator(clinician: CurrentClinician, db: DbSession,
                          now: Now) -> AuthenticatedClinician:
    """The signed-in staff member if they are an administrator; otherwise the attempt is
    audited and the answer is 403."""
    if clinician.role is not StaffRole.ADMINISTRATOR:
        commit_failure(db, at=now, action=AuditAction.STAFF_AUTHENTICATE,
                       actor=staff_actor(clinician.staff_id), record_type="staff",
                       record_id=clinician.staff_id,
                       reason="not_an_administrator")
        raise HTTPException(status.HTTP_403_FORBIDDEN, ADMINISTRATORS_ONLY_MESSAGE)
    return clinician


CurrentAdministrator = Annotated[AuthenticatedClinician, Depends(require_administrator)]
