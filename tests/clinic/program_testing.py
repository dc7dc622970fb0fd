"""A clinic set up for the program tests (groups, schedule, attendance, the clinic's
profile): Northside with a clinician, an administrator and three enrolled participants,
and Southside with a clinician and a participant of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import AuditEntry, StaffRole
from iop_companion.sync.protocol import ChangesResponse
from tests.clinic.clinic_testing import FakeClock, Records, bearer, clinician_headers

API = "/api/v1/clinician"
CHANGES = "/api/v1/participant/changes"
MODULE = "riding-out-cravings"


class Program:
    def __init__(self, client: TestClient, records: Records, enrol: Callable[..., str],
                 clock: FakeClock) -> None:
        self.client, self.records, self.clock = client, records, clock
        self.clinic = records.clinic()
        self.other_clinic = records.clinic("Southside Clinic")
        self.morgan_staff = records.clinician(self.clinic)
        records.clinician(self.clinic, "ada@northside.example", role=StaffRole.ADMINISTRATOR)
        records.clinician(self.other_clinic, "jo@southside.example")
        self.sam = records.participant(self.clinic, "Sam")
        self.riley = records.participant(self.clinic, "Riley")
        self.alex = records.participant(self.clinic, "Alex")
        self.outsider = records.participant(self.other_clinic, "Pat")
        self.sam_token = enrol(records.code(self.sam))
        self.riley_token = enrol(records.code(self.riley))
        self.alex_token = enrol(records.code(self.alex))
        self.morgan = clinician_headers(client, "morgan@northside.example")
        self.ada = clinician_headers(client, "ada@northside.example")
        self.jo = clinician_headers(client, "jo@southside.example")

    def group(self, name: str = "Tuesday evening group", *members: Any) -> dict[str, Any]:
        created = self.client.post(f"{API}/groups", json={"name": name}, headers=self.morgan)
        assert created.status_code == 201, created.text
        group: dict[str, Any] = created.json()
        for participant in members:
            added = self.client.post(f"{API}/groups/{group['id']}/members",
                                     json={"participant_id": str(participant.id)},
                                     headers=self.morgan)
            assert added.status_code == 200, added.text
        return group

    def session_body(self, *, starts_in: timedelta = timedelta(days=2),
                     **changes: Any) -> dict[str, Any]:
        starts = self.clock.now + starts_in
        body: dict[str, Any] = {
            "kind": "group",
            "title": "Process group",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "location": "Group room A",
            "facilitator": "Morgan Lee, LPC",
        }
        body.update(changes)
        return body

    def add_session(self, **changes: Any) -> dict[str, Any]:
        created = self.client.post(f"{API}/schedule", json=self.session_body(**changes),
                                   headers=self.morgan)
        assert created.status_code == 201, created.text
        session: dict[str, Any] = created.json()
        return session

    def feed(self, token: str, kind: str = "session") -> list[tuple[str, bool, dict[str, Any]]]:
        """(item id, deleted, data) of each change of `kind` on the device's feed."""
        response = self.client.get(CHANGES, params={"after": 0}, headers=bearer(token))
        assert response.status_code == 200, response.text
        page = ChangesResponse.model_validate(response.json())
        return [(c.id, c.deleted, c.data or {}) for c in page.changes if c.kind == kind]


def audited(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))
