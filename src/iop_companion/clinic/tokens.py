"""Device credentials: a 15-minute access token and a single-use refresh token (security A2).

Both are random, returned once and stored only as SHA-256 digests. Exchanging a
refresh token spends it and issues a new pair; presenting a spent one again means
someone else holds a copy, so the device is revoked (theft detection) and its
owner re-enrols with a new code from the clinic.

One exception, because phones lose replies all the time: a spent token presented again
while nothing issued in exchange for it has been used is the same phone retrying a
refresh whose reply never arrived (however long it was offline since). It gets a fresh
pair, and the pair it never received is retired. Theft is still caught, one step
later: if the retired pair did reach someone, that holder presents it and reveals the
copy; if the chain moved on (a later token was used), the replay is refused at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from iop_companion.clinic.credentials import digest, new_device_token
from iop_companion.clinic.models import Device, DeviceToken, DeviceTokenKind, Participant

ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
# A phone left unused for half a year must be connected again at the clinic.
REFRESH_TOKEN_LIFETIME = timedelta(days=180)


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    access_expires_in: int  # seconds


class RefreshRefused(Exception):
    """A refresh token that buys nothing; `reason` is for the audit log."""

    def __init__(self, reason: str, device_id: uuid.UUID | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.device_id = device_id


class AccessRefused(Exception):
    def __init__(self, reason: str, device_id: uuid.UUID | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.device_id = device_id


ACCESS_EXPIRED = "access_expired"
DISCHARGE_GRACE_OVER = "discharge_grace_over"
# A discharged participant's devices keep working (safety flags only) for this long
# after the discharge date, then get 401 like a revoked device.
DISCHARGE_GRACE = timedelta(days=30)


def discharge_grace_over(participant: Participant, now: datetime) -> bool:
    discharged_on = participant.discharged_on
    return discharged_on is not None and now.date() >= discharged_on + DISCHARGE_GRACE


def is_discharged(participant: Participant, now: datetime) -> bool:
    """Past the discharge day (server time): what the phone wrote in care, sent on the day
    itself, is still taken; a discharge dated later has not happened yet."""
    return participant.discharged_on is not None and participant.discharged_on < now.date()


def issue_tokens(db: Session, device_id: uuid.UUID, now: datetime,
                 parent_id: uuid.UUID | None = None) -> IssuedTokens:
    """Add a fresh pair for the device to the caller's transaction (`parent_id`: the
    refresh token exchanged for it)."""
    # Housekeeping: access tokens that can no longer open anything.
    db.execute(
        delete(DeviceToken).where(
            DeviceToken.device_id == device_id,
            DeviceToken.kind == DeviceTokenKind.ACCESS,
            DeviceToken.expires_at <= now,
        )
    )
    access, refresh = new_device_token(), new_device_token()
    db.add_all([
        DeviceToken(device_id=device_id, kind=DeviceTokenKind.ACCESS, token_hash=digest(access),
                    issued_at=now, expires_at=now + ACCESS_TOKEN_LIFETIME, parent_id=parent_id),
        DeviceToken(device_id=device_id, kind=DeviceTokenKind.REFRESH,
                    token_hash=digest(refresh), issued_at=now,
                    expires_at=now + REFRESH_TOKEN_LIFETIME, parent_id=parent_id),
    ])
    db.flush()
    return IssuedTokens(access_token=access, refresh_token=refresh,
                        access_expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()))


def exchange_refresh_token(db: Session, refresh_token: str, now: datetime) -> tuple[
        Device, IssuedTokens]:
    """Spend the refresh token and issue a new pair, in the caller's transaction.

    Raises RefreshRefused. A reused token revokes its device; the caller must
    commit that even though the request is refused.
    """
    row = db.scalar(
        select(DeviceToken).where(
            DeviceToken.token_hash == digest(refresh_token),
            DeviceToken.kind == DeviceTokenKind.REFRESH,
        )
    )
    if row is None:
        raise RefreshRefused("unknown_token")
    device = row.device
    if device.revoked_at is not None:
        raise RefreshRefused("device_revoked", device.id)
    if discharge_grace_over(device.participant, now):
        raise RefreshRefused(DISCHARGE_GRACE_OVER, device.id)
    if row.retired_at is not None:
        # A pair we took to be lost did arrive somewhere: two holders.
        device.revoked_at = now
        raise RefreshRefused("retired_token_presented", device.id)
    if row.expires_at <= now:
        raise RefreshRefused("refresh_token_expired", device.id)
    if row.used_at is not None and not _successors_used(db, row):
        _retire_successors(db, row, now)
        return device, issue_tokens(db, device.id, now, parent_id=row.id)
    if row.used_at is not None or not _spend(db, row.id, now):
        # Spent, and what it bought is in use: two holders of one token.
        device.revoked_at = now
        raise RefreshRefused("refresh_token_reused", device.id)
    return device, issue_tokens(db, device.id, now, parent_id=row.id)


def _successors(row: DeviceToken) -> Any:
    """The live (not retired) tokens issued in exchange for `row`."""
    return (DeviceToken.parent_id == row.id, DeviceToken.retired_at.is_(None))


def _successors_used(db: Session, row: DeviceToken) -> bool:
    used = db.scalar(select(DeviceToken.id).where(
        *_successors(row), DeviceToken.used_at.is_not(None)).limit(1))
    return used is not None


def _retire_successors(db: Session, row: DeviceToken, now: datetime) -> None:
    """Retire the pair whose reply was lost: presenting its refresh token later reveals a
    copy, and its access token opens nothing from now on."""
    db.execute(
        update(DeviceToken).where(*_successors(row))
        .values(retired_at=now, expires_at=now)
        .execution_options(synchronize_session=False)
    )


def _spend(db: Session, token_id: uuid.UUID, now: datetime) -> bool:
    """Mark the token used with a conditional UPDATE: of two racing requests, one wins."""
    result = cast(
        CursorResult[Any],
        db.execute(
            update(DeviceToken)
            .where(DeviceToken.id == token_id, DeviceToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def device_for_access_token(db: Session, access_token: str, now: datetime) -> Device:
    """The active device this unexpired access token belongs to; raises AccessRefused."""
    row = db.scalar(
        select(DeviceToken).where(
            DeviceToken.token_hash == digest(access_token),
            DeviceToken.kind == DeviceTokenKind.ACCESS,
        )
    )
    if row is None:
        raise AccessRefused("unknown_token")
    if row.device.revoked_at is not None:
        raise AccessRefused("device_revoked", row.device_id)
    if discharge_grace_over(row.device.participant, now):
        raise AccessRefused(DISCHARGE_GRACE_OVER, row.device_id)
    if row.retired_at is not None:
        raise AccessRefused("retired_token", row.device_id)
    if row.expires_at <= now:
        raise AccessRefused(ACCESS_EXPIRED, row.device_id)
    if row.used_at is None:
        # The first use proves the pair arrived: replaying the refresh token that
        # bought it is theft, not a lost reply (see exchange_refresh_token).
        _spend(db, row.id, now)
        db.commit()
    return row.device


def revoke_devices(db: Session, participant_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    """Revoke every active device of the participant; returns their ids."""
    devices = list(
        db.scalars(
            select(Device).where(
                Device.participant_id == participant_id, Device.revoked_at.is_(None)
            )
        )
    )
    for device in devices:
        device.revoked_at = now
    return [device.id for device in devices]
