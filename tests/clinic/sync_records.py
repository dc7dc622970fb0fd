"""Builders for pushed records (a module, so several test files can share them)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

PUSH = "/api/v1/participant/records"

DEVICE_TIME = datetime(2026, 3, 4, 14, 55, tzinfo=UTC)


def check_in_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "created_at": "2026-03-04T14:55:00.000000+00:00",
        "updated_at": "2026-03-04T14:55:00.000000+00:00",
        "schema_version": 1,
        "mood": 6,
        "craving": 3,
        "sleep_hours": 7.5,
        "sleep_quality": "fair",
        "medications": "yes",
        "used_since_last": False,
        "substance": None,
        "note": "Walked with my sister after group.",
        "thoughts_of_self_harm": False,
    }
    payload.update(changes)
    return payload


def record(
    kind: str = "check_in",
    *,
    record_id: uuid.UUID | None = None,
    version: int = 1,
    replaces_version: int | None = None,
    payload: dict[str, Any] | None = None,
    priority: int = 0,
    created_at: datetime = DEVICE_TIME,
) -> dict[str, Any]:
    """A PushRecord as JSON."""
    if payload is None:
        payload = check_in_payload() if kind == "check_in" else {"trigger": "phq9_item9"}
    return {
        "id": str(record_id or uuid.uuid4()),
        "kind": kind,
        "version": version,
        "replaces_version": replaces_version,
        "created_at": created_at.isoformat(),
        "priority": priority,
        "payload": payload,
    }


def safety_flag(trigger: str = "phq9_item9", **options: Any) -> dict[str, Any]:
    return record("safety_flag", payload={"trigger": trigger}, priority=100, **options)
