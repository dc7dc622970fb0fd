"""Helpers for family tests: the participant's answer about who joined, sent as their
app sends it (a `family_confirmation` record pushed by one of their devices)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from iop_companion.sync.protocol import RecordKind, family_confirmation_id
from tests.clinic.clinic_testing import bearer

PUSH = "/api/v1/participant/records"


def answer_record(family_member_id: uuid.UUID | str, right_person: bool, at: datetime,
                  *, version: int = 1) -> dict[str, Any]:
    record_id = str(family_confirmation_id(family_member_id))
    return {
        "id": record_id,
        "kind": RecordKind.FAMILY_CONFIRMATION.value,
        "version": version,
        "replaces_version": version - 1 if version > 1 else None,
        "created_at": at.isoformat(),
        "payload": {"id": record_id, "family_member_id": str(family_member_id),
                    "right_person": right_person},
    }


def push_answer(client: TestClient, device_token: str, family_member_id: uuid.UUID | str,
                right_person: bool, at: datetime, *, version: int = 1) -> dict[str, Any]:
    """Push the participant's answer; returns its result (stored, rejected, ...)."""
    response = client.post(PUSH, headers=bearer(device_token), json={
        "records": [answer_record(family_member_id, right_person, at, version=version)]})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["results"][0]
    return result
