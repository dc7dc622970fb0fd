"""Test helpers for the clinic server: a controllable clock and a row builder.

A module rather than conftest.py content so that tests can import the types for
their fixture annotations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.credentials import digest, hash_password
from iop_companion.clinic.enrolment import MAX_CODE_LIFETIME, issue_enrolment_code
from iop_companion.clinic.family import INVITE_LIFETIME, issue_family_invite
from iop_companion.clinic.models import (
    Clinic,
    Consent,
    Device,
    DeviceToken,
    FamilyMember,
    Participant,
    ScheduledSessionRecord,
    Staff,
    StaffRole,
)
from iop_companion.sync.protocol import ConsentScope, SessionKind, SessionStatus

# A Wednesday, 9:00 in Chicago; the demo schedule around it crosses the start of
# daylight saving time (8 March 2026).
WEDNESDAY_MORNING = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def clinician_headers(client: TestClient, email: str) -> dict[str, str]:
    """Sign in as the clinician `email` (password CLINICIAN_PASSWORD): their auth header."""
    response = client.post("/api/v1/clinician/sessions",
                           json={"email": email, "password": CLINICIAN_PASSWORD})
    assert response.status_code == 201, response.text
    return bearer(response.json()["access_token"])


class FakeClock:
    """The server's clock in tests: fixed until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


_Row = TypeVar("_Row", Clinic, Participant, ScheduledSessionRecord, Staff)

CLINICIAN_PASSWORD = "correct horse battery staple"


@dataclass
class Records:
    """Builds rows for tests; each method commits so the server sees the data."""

    sessions: sessionmaker[Session]
    clock: FakeClock

    def clinic(self, name: str = "Northside Clinic") -> Clinic:
        clinic = Clinic(
            name=name,
            address="10 Example Street, Springfield, IL 62701",
            phone="+1 (555) 010-1000",
            crisis_line="+1 (555) 010-1999",
            timezone="America/Chicago",
        )
        return self._saved(clinic)

    def participant(self, clinic: Clinic, name: str = "Sam") -> Participant:
        return self._saved(
            Participant(
                clinic_id=clinic.id,
                display_name=name,
                program_start=date(2026, 3, 2),
                program_end=date(2026, 4, 24),
            )
        )

    def clinician(
        self,
        clinic: Clinic,
        email: str = "morgan@northside.example",
        role: StaffRole = StaffRole.CLINICIAN,
    ) -> Staff:
        return self._saved(
            Staff(
                clinic_id=clinic.id,
                email=email,
                display_name="Morgan Lee",
                password_hash=hash_password(CLINICIAN_PASSWORD),
                role=role,
            )
        )

    def code(
        self,
        participant: Participant,
        issued_at: datetime | None = None,
        lifetime: timedelta = MAX_CODE_LIFETIME,
    ) -> str:
        with self.sessions.begin() as session:
            return issue_enrolment_code(
                session, participant.id, issued_at or self.clock.now, lifetime
            )

    def invite(
        self,
        participant: Participant,
        recipient_name: str = "Riley",
        *,
        issued_at: datetime | None = None,
        lifetime: timedelta = INVITE_LIFETIME,
        consent_expires_at: datetime | None = None,
    ) -> str:
        """Issue a family invite with an education consent; returns the code as shown."""
        with self.sessions.begin() as session:
            return issue_family_invite(
                session,
                participant.id,
                recipient_name,
                issued_at or self.clock.now,
                scopes=(ConsentScope.EDUCATION,),
                purpose="To learn how to support the participant's recovery.",
                lifetime=lifetime,
                consent_expires_at=consent_expires_at,
            ).code

    def device_id(self, token: str) -> uuid.UUID:
        """The device an access or refresh token belongs to."""
        with self.sessions() as session:
            found = session.scalar(
                select(DeviceToken.device_id).where(DeviceToken.token_hash == digest(token))
            )
        assert found is not None
        return found

    def revoke_device(self, token: str) -> None:
        device_id = self.device_id(token)
        with self.sessions.begin() as session:
            session.execute(
                update(Device).where(Device.id == device_id).values(revoked_at=self.clock.now)
            )

    def family_member_id(self, family_token: str) -> uuid.UUID:
        with self.sessions() as session:
            found = session.scalar(
                select(FamilyMember.id).where(FamilyMember.token_hash == digest(family_token))
            )
        assert found is not None
        return found

    def revoke_consents(self, family_token: str) -> None:
        """The participant withdraws every consent given to this family member."""
        member_id = self.family_member_id(family_token)
        with self.sessions.begin() as session:
            session.execute(
                update(Consent)
                .where(Consent.family_member_id == member_id)
                .values(revoked_at=self.clock.now)
            )

    def expire_consents(self, family_token: str) -> None:
        """Let a minute pass and make that the end of every consent given to this member."""
        member_id = self.family_member_id(family_token)
        self.clock.advance(timedelta(minutes=1))  # a consent expires after it was granted
        with self.sessions.begin() as session:
            session.execute(
                update(Consent)
                .where(Consent.family_member_id == member_id)
                .values(expires_at=self.clock.now)
            )

    def revoke_family_member(self, family_token: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(FamilyMember)
                .where(FamilyMember.token_hash == digest(family_token))
                .values(revoked_at=self.clock.now)
            )

    def session(
        self,
        clinic: Clinic,
        participant: Participant | None = None,
        *,
        title: str = "Process group",
        kind: SessionKind = SessionKind.GROUP,
        starts_in: timedelta = timedelta(days=1),
        status: SessionStatus = SessionStatus.SCHEDULED,
    ) -> ScheduledSessionRecord:
        starts_at = self.clock.now + starts_in
        return self._saved(
            ScheduledSessionRecord(
                clinic_id=clinic.id,
                participant_id=participant.id if participant else None,
                kind=kind,
                title=title,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
                location="Group room A",
                telehealth=False,
                facilitator="Morgan Lee, LPC",
                status=status,
            )
        )

    def _saved(self, row: _Row) -> _Row:
        with self.sessions.begin() as session:
            session.add(row)
        return row
