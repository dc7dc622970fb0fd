"""Routes open to anyone: the health probe, enrolment and family joining (both by code),
and clinician sign-in (by email and password)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from iop_companion.clinic import throttle
from iop_companion.clinic.audit import (
    ANONYMOUS,
    AuditAction,
    commit_failure,
    device_actor,
    family_actor,
    record_audit,
)
from iop_companion.clinic.clinicians import SignInRefused, sign_in
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.enrolment import EnrolmentRefused, redeem_enrolment_code
from iop_companion.clinic.family import InviteRefused, redeem_family_invite
from iop_companion.clinic.models import AuditOutcome
from iop_companion.clinic.throttle import Throttled
from iop_companion.clinic.tokens import RefreshRefused, exchange_refresh_token
from iop_companion.clinic.wire import clinic_profile
from iop_companion.sync.protocol import (
    PROTOCOL_VERSION,
    ClinicianSessionResponse,
    ClinicianSignInRequest,
    EnrolmentRequest,
    EnrolmentResponse,
    ErrorBody,
    FamilyJoinRequest,
    FamilyJoinResponse,
    HealthResponse,
    TokenPair,
    TokenRefreshRequest,
)

router = APIRouter(tags=["public"])

# Paths (below the API prefix) reachable without a device token. Everything else is
# refused by default; a test walks every route to hold us to this list.
# The refresh-token exchange is public in that sense: the refresh token in its body
# is the credential (it never travels in a header, so it never opens other routes).
PUBLIC_PATHS = frozenset(
    {"/health", "/enrolments", "/device/tokens", "/family/join", "/clinician/sessions"}
)

REFRESH_REFUSED_MESSAGE = (
    "This device is no longer connected to the clinic. Ask your clinic for a new enrolment code."
)

# One message for a wrong email and a wrong password: it must not say which accounts exist.
SIGN_IN_REFUSED_MESSAGE = "That email and password do not match an account. Please try again."

# One answer for an unknown, used, expired or withdrawn code: a guesser learns nothing
# about which codes exist (the reason is in the audit log).
CODE_REFUSED_MESSAGE = (
    "That code did not work: it may be mistyped, used or expired. "
    "Check it, or ask your clinic for a new one."
)
INVITE_REFUSED_MESSAGE = (
    "That invite code did not work: it may be mistyped, used or expired. "
    "Check it, or ask the person who invited you for a new one."
)
# One answer whichever throttle (this address, everyone, this account) is blocking.
THROTTLED_MESSAGE = "Too many attempts that did not work. Please wait a while and try again."


def _throttled(throttled: Throttled) -> HTTPException:
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, THROTTLED_MESSAGE,
                         headers={"Retry-After": str(throttled.retry_after)})


def _client_address(request: Request) -> str | None:
    # The connecting address; behind a reverse proxy, run uvicorn with
    # --proxy-headers/--forwarded-allow-ips so that this is the client's own.
    return request.client.host if request.client else None


def _code_keys(kind: str, request: Request) -> list[throttle.Key]:
    return [throttle.address_key(kind, _client_address(request), throttle.CODE_PER_ADDRESS),
            throttle.global_key(kind, throttle.CODE_GLOBAL)]


def _count_code_failure(db: DbSession, keys: list[throttle.Key], now: Now) -> None:
    """Count a wrong code under each key, in the caller's transaction."""
    for key in keys:
        if throttle.record_failure(db, key, now):
            record_audit(db, at=now, actor=ANONYMOUS, action=AuditAction.THROTTLE_BLOCK,
                         outcome=AuditOutcome.FAILURE,
                         reason=":".join(key.name.split(":")[:2]))


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 413, 422, 429)
}


@router.get("/health", responses={503: {"model": ErrorBody}})
def health(db: DbSession) -> HealthResponse:
    try:
        db.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "The clinic database is not reachable."
        ) from None
    return HealthResponse(status="ok", protocol_version=PROTOCOL_VERSION)


@router.post("/enrolments", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def enrol_device(body: EnrolmentRequest, request: Request, db: DbSession,
                 now: Now) -> EnrolmentResponse:
    """Trade a single-use enrolment code for the device's first tokens.

    401 with one message for any code that does not work (unknown, used, expired);
    429 with Retry-After after too many of them, from this address or from everyone.
    """
    keys = _code_keys("enrolment", request)
    try:
        throttle.check(db, keys, now)
    except Throttled as throttled:
        raise _throttled(throttled) from None
    try:
        enrolment = redeem_enrolment_code(db, body.code, body.device_label, now)
    except EnrolmentRefused as refusal:
        db.rollback()
        _count_code_failure(db, keys, now)
        commit_failure(db, at=now, action=AuditAction.ENROLMENT_CREATE,
                       record_type="enrolment_code", record_id=refusal.code_id,
                       reason=refusal.reason)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, CODE_REFUSED_MESSAGE) from None

    participant = enrolment.participant
    record_audit(
        db,
        at=now,
        actor=device_actor(enrolment.device.id),
        action=AuditAction.ENROLMENT_CREATE,
        record_type="device",
        record_id=enrolment.device.id,
    )
    db.commit()
    return EnrolmentResponse(
        access_token=enrolment.tokens.access_token,
        access_expires_in=enrolment.tokens.access_expires_in,
        refresh_token=enrolment.tokens.refresh_token,
        participant_id=participant.id,
        display_name=participant.display_name,
        clinic=clinic_profile(participant.clinic),
        program_start=participant.program_start,
        program_end=participant.program_end,
    )


@router.post("/device/tokens", responses=_ERRORS)
def refresh_device_tokens(body: TokenRefreshRequest, db: DbSession, now: Now) -> TokenPair:
    """Exchange a refresh token for a new access and refresh token; the old one is spent.

    401 for an unknown, expired or spent token or a revoked device. Presenting a spent
    refresh token revokes the device: two parties hold it, one of them a thief.
    """
    try:
        device, tokens = exchange_refresh_token(db, body.refresh_token, now)
    except RefreshRefused as refusal:
        # Keep the revocation a reuse caused (it is in this transaction), then audit.
        db.commit()
        actor = device_actor(refusal.device_id) if refusal.device_id else ANONYMOUS
        if refusal.reason == "refresh_token_reused":
            record_audit(db, at=now, actor=actor, action=AuditAction.DEVICE_REVOKE,
                         record_type="device", record_id=refusal.device_id,
                         reason=refusal.reason)
        commit_failure(db, at=now, actor=actor, action=AuditAction.DEVICE_TOKENS_REFRESH,
                       record_type="device", record_id=refusal.device_id,
                       reason=refusal.reason)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, REFRESH_REFUSED_MESSAGE,
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    record_audit(db, at=now, actor=device_actor(device.id),
                 action=AuditAction.DEVICE_TOKENS_REFRESH, record_type="device",
                 record_id=device.id)
    db.commit()
    return TokenPair(
        access_token=tokens.access_token,
        access_expires_in=tokens.access_expires_in,
        refresh_token=tokens.refresh_token,
    )


@router.post("/family/join", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def join_family(body: FamilyJoinRequest, request: Request, db: DbSession,
                now: Now) -> FamilyJoinResponse:
    """Trade a participant's invite code for a family token (sees shared education only).

    401 with one message for any code that does not work (unknown, used, expired,
    withdrawn); 429 with Retry-After after too many of them.
    """
    keys = _code_keys("family_join", request)
    try:
        throttle.check(db, keys, now)
    except Throttled as throttled:
        raise _throttled(throttled) from None
    try:
        joined = redeem_family_invite(db, body.code, body.display_name, now)
    except InviteRefused as refusal:
        db.rollback()
        _count_code_failure(db, keys, now)
        commit_failure(db, at=now, action=AuditAction.FAMILY_JOIN,
                       record_type="family_invite", record_id=refusal.invite_id,
                       reason=refusal.reason)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, INVITE_REFUSED_MESSAGE) from None

    actor = family_actor(joined.member.id)
    record_audit(
        db,
        at=now,
        actor=actor,
        action=AuditAction.FAMILY_JOIN,
        record_type="family_member",
        record_id=joined.member.id,
    )
    for consent in joined.consents:
        record_audit(
            db,
            at=now,
            actor=actor,
            action=AuditAction.CONSENT_BIND,
            record_type="consent",
            record_id=consent.id,
        )
    db.commit()
    participant = joined.participant
    return FamilyJoinResponse(
        family_token=joined.family_token,
        family_member_id=joined.member.id,
        display_name=joined.member.display_name,
        participant_first_name=participant.display_name,
        clinic=clinic_profile(participant.clinic),
        shared_scope=joined.scopes,
    )


@router.post("/clinician/sessions", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def clinician_sign_in(
    body: ClinicianSignInRequest, request: Request, db: DbSession, now: Now
) -> ClinicianSessionResponse:
    """Sign a clinician in; the access token lasts 12 hours, and ends after 30 minutes
    unused. Failures are audited. 429 with Retry-After after too many failures (from this
    address, from everyone, or for this email: 5 wrong passwords lock the account for
    15 minutes, doubling with each further one, and flag it for the clinic's admin)."""
    try:
        issued = sign_in(db, body.email, body.password, now, _client_address(request))
    except Throttled as throttled:
        raise _throttled(throttled) from None
    except SignInRefused:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            SIGN_IN_REFUSED_MESSAGE,
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    return ClinicianSessionResponse(access_token=issued.token, expires_at=issued.expires_at)
