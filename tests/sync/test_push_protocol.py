"""PushRecord and payload rules, shared by the app and the server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from iop_companion.sync.protocol import (
    PushRecord,
    PushRequest,
    RecordKind,
    payload_problem,
)

_GOOD_CHECK_IN = {
    "mood": 0,
    "craving": 10,
    "sleep_hours": 0,
    "sleep_quality": "poor",
    "medications": "not_applicable",
    "used_since_last": True,
    "substance": "alcohol",
    "note": "n" * 2000,
    "thoughts_of_self_harm": True,
    "schema_version": 1,
    "id": str(uuid.uuid4()),
    "created_at": "2026-03-04T14:00:00+00:00",
    "updated_at": "2026-03-04T15:00:00-06:00",
}


def _record(**changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": "check_in",
        "version": 1,
        "replaces_version": None,
        "created_at": datetime(2026, 3, 4, tzinfo=UTC).isoformat(),
        "payload": {},
        **changes,
    }


def test_valid_payloads_have_no_problem() -> None:
    assert payload_problem(RecordKind.CHECK_IN, _GOOD_CHECK_IN) is None
    for trigger in (
        "phq9_item9",
        "check_in_self_harm",
        "diary_card_self_harm",
        "participant_request",
    ):
        assert payload_problem(RecordKind.SAFETY_FLAG, {"trigger": trigger}) is None


@pytest.mark.parametrize(
    ("kind", "payload", "word"),
    [
        (RecordKind.CHECK_IN, {**_GOOD_CHECK_IN, "sleep_hours": float("nan")}, "finite"),
        (RecordKind.CHECK_IN, {**_GOOD_CHECK_IN, "sleep_hours": float("inf")}, "finite"),
        (RecordKind.CHECK_IN, {**_GOOD_CHECK_IN, "note": "x" * 17_000}, "16 KiB"),
        (RecordKind.CHECK_IN, {**_GOOD_CHECK_IN, "diagnosis": "F10.20"}, "diagnosis"),
        (RecordKind.CHECK_IN, {k: v for k, v in _GOOD_CHECK_IN.items() if k != "mood"}, "mood"),
        (RecordKind.SAFETY_FLAG, {"trigger": "secret-value"}, "trigger"),
    ],
)
def test_bad_payloads_are_explained_without_their_values(
    kind: RecordKind, payload: dict[str, Any], word: str
) -> None:
    problem = payload_problem(kind, payload)
    assert problem is not None and word in problem
    assert "F10.20" not in problem and "secret-value" not in problem


def test_the_envelope_is_strict() -> None:
    PushRecord.model_validate(_record())
    PushRecord.model_validate(_record(version=3, replaces_version=2))
    for bad in (
        _record(created_at="2026-03-04T00:00:00"),
        _record(version=0),
        _record(version=2),
        _record(version=2, replaces_version=2),
        _record(replaces_version=1),
        _record(priority=-1),
        _record(kind="diary"),
        _record(extra=1),
    ):
        with pytest.raises(ValidationError):
            PushRecord.model_validate(bad)
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"records": [_record()] * 101})
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"records": []})
