"""Enrolment: a participant's device trades a single-use clinic code for its first tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from iop_companion.clinic.models import Device, EnrolmentCode, Participant
from iop_companion.clinic.single_use import claim, find_code, unused_code
from iop_companion.clinic.tokens import IssuedTokens, issue_tokens
from iop_companion.sync.protocol import format_enrolment_code

# A code shown on a screen in the clinic must not outlive the visit (security A1).
MAX_CODE_LIFETIME = timedelta(minutes=15)


class EnrolmentRefused(Exception):
    """Base for the ways a code can fail; `code_id` names the code row when there is one."""

    reason = "refused"

    def __init__(self, code_id: uuid.UUID | None = None) -> None:
        super().__init__(self.reason)
        self.code_id = code_id


class UnknownCode(EnrolmentRefused):
    reason = "unknown_code"


class CodeAlreadyUsed(EnrolmentRefused):
    reason = "code_already_used"


class CodeExpired(EnrolmentRefused):
    reason = "code_expired"


@dataclass(frozen=True)
class Enrolment:
    device: Device
    participant: Participant
    tokens: IssuedTokens  # returned to the device once; only their digests are stored


def issue_enrolment_code(
    session: Session,
    participant_id: uuid.UUID,
    now: datetime,
    lifetime: timedelta = MAX_CODE_LIFETIME,
) -> str:
    """Create a code for `participant_id` and return it as shown to people ("ABCD-2345")."""
    if not timedelta(0) < lifetime <= MAX_CODE_LIFETIME:
        raise ValueError(f"an enrolment code lives at most {MAX_CODE_LIFETIME}")
    code, code_hash = unused_code(session, EnrolmentCode)
    session.add(
        EnrolmentCode(
            participant_id=participant_id,
            code_hash=code_hash,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return format_enrolment_code(code)


def redeem_enrolment_code(
    session: Session, canonical_code: str, device_label: str, now: datetime
) -> Enrolment:
    """Consume the code and register a device; raises an EnrolmentRefused subclass."""
    code = find_code(session, EnrolmentCode, canonical_code)
    if code is None:
        raise UnknownCode()
    if code.used_at is not None:
        raise CodeAlreadyUsed(code.id)
    if code.expires_at <= now:
        raise CodeExpired(code.id)
    if not claim(session, EnrolmentCode, code.id, now):
        raise CodeAlreadyUsed(code.id)

    device = Device(participant_id=code.participant_id, label=device_label, created_at=now)
    session.add(device)
    session.flush()
    tokens = issue_tokens(session, device.id, now)
    return Enrolment(device=device, participant=device.participant, tokens=tokens)
