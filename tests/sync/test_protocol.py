"""The wire models: strict requests, tolerant responses, readable errors."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from iop_companion.sync.protocol import (
    EnrolmentRequest,
    FamilyJoinRequest,
    FamilyJoinResponse,
    FamilySharedResponse,
    ScheduledSession,
    ScheduleResponse,
    describe_validation_errors,
    format_enrolment_code,
    normalise_enrolment_code,
    normalise_invite_code,
)


@pytest.mark.parametrize(
    "typed",
    ["ABCD-2345", "abcd-2345", "ABCD2345", " abcd 2345 ", "AbCd\u20142345", "A B C D 2 3 4 5"],
)
def test_codes_are_normalised_however_they_are_typed(typed: str) -> None:
    assert normalise_enrolment_code(typed) == "ABCD2345"


@pytest.mark.parametrize(
    "typed", ["", "ABCD-234", "ABCD-23456", "ABCD-2O45", "ABCD-2I45", "ABCD_2345", "ÄBCD-2345"]
)
def test_malformed_codes_get_a_message_with_an_example(typed: str) -> None:
    with pytest.raises(ValueError, match="8 letters and numbers, like ABCD-2345"):
        normalise_enrolment_code(typed)


def test_codes_are_shown_in_two_groups_of_four() -> None:
    assert format_enrolment_code("ABCD2345") == "ABCD-2345"


def test_the_enrolment_request_carries_the_canonical_code() -> None:
    request = EnrolmentRequest(code="abcd 2345", device_label="  Alex's phone ")
    assert request.code == "ABCD2345"
    assert request.device_label == "Alex's phone"


@pytest.mark.parametrize(
    "fields",
    [
        {"code": "ABCD-2345", "device_label": "x", "participant_id": str(uuid4())},
        {"code": "ABCD-2345", "device_label": "x" * 81},
        {"code": "ABCD-2345", "device_label": "line\nbreak"},
        {"code": "ABCD-2345"},
    ],
)
def test_enrolment_requests_are_strict(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        EnrolmentRequest.model_validate(fields)


def _session(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "id": str(uuid4()),
        "kind": "group",
        "title": "Process group",
        "starts_at": "2026-03-04T15:00:00Z",
        "ends_at": "2026-03-04T16:00:00Z",
        "location": "Group room B",
        "telehealth": False,
        "facilitator": "Morgan Lee, LPC",
        "status": "scheduled",
        "note": None,
    }
    return fields | overrides


def test_session_times_must_carry_a_timezone() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        ScheduledSession.model_validate(_session(starts_at="2026-03-04T09:00:00"))


def test_responses_ignore_fields_added_by_a_newer_server() -> None:
    response = ScheduleResponse.model_validate(
        {
            "sessions": [_session(room_map_url="https://x")],
            "server_time": "2026-03-04T15:00:00Z",
            "cursor": 7,
        }
    )
    assert response.sessions[0].starts_at == datetime.fromisoformat("2026-03-04T15:00:00+00:00")


def test_unknown_session_kinds_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ScheduledSession.model_validate(_session(kind="karaoke"))


def test_error_descriptions_name_fields_but_never_quote_values() -> None:
    secret = "I relapsed on Tuesday"
    with pytest.raises(ValidationError) as caught:
        EnrolmentRequest.model_validate({"code": secret, "device_label": 42, "extra": secret})
    described = describe_validation_errors(caught.value.errors())
    assert secret not in described
    assert "8 letters and numbers" in described
    assert "'extra' is not a field this server accepts." in described


# ------------------------------------------------------------------------------ family


@pytest.mark.parametrize("typed", ["ABCD-2345", " abcd 2345 ", "AbCd\u20132345"])
def test_invite_codes_are_normalised_like_enrolment_codes(typed: str) -> None:
    assert normalise_invite_code(typed) == normalise_enrolment_code(typed) == "ABCD2345"


@pytest.mark.parametrize("typed", ["", "ABCD-234", "ABCD-2O45"])
def test_malformed_invite_codes_get_a_message_about_invite_codes(typed: str) -> None:
    with pytest.raises(ValueError, match="An invite code has 8 letters and numbers, like ABCD"):
        normalise_invite_code(typed)


def test_the_join_request_carries_the_canonical_code_and_a_trimmed_name() -> None:
    request = FamilyJoinRequest(code="abcd 2345", display_name="  Sam ")
    assert (request.code, request.display_name) == ("ABCD2345", "Sam")


@pytest.mark.parametrize(
    "fields",
    [
        {"code": "ABCD-2345", "display_name": "Sam", "participant_id": str(uuid4())},
        {"code": "ABCD-2345", "display_name": ""},
        {"code": "ABCD-2345", "display_name": "x" * 81},
        {"code": "ABCD-2345", "display_name": "line\nbreak"},
        {"code": "ABCD-234", "display_name": "Sam"},
        {"display_name": "Sam"},
    ],
)
def test_join_requests_are_strict(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        FamilyJoinRequest.model_validate(fields)


def _clinic() -> dict[str, object]:
    return {
        "id": str(uuid4()),
        "name": "Cedar Hollow Recovery Center",
        "address": "1420 Cedar Hollow Drive",
        "phone": "+1 (555) 010-2300",
        "crisis_line": "+1 (555) 010-4477",
        "timezone": "America/Chicago",
    }


def test_family_responses_tolerate_new_fields_and_new_scopes() -> None:
    joined = FamilyJoinResponse.model_validate(
        {
            "family_token": "t" * 43,
            "family_member_id": str(uuid4()),
            "display_name": "Sam",
            "participant_first_name": "Alex",
            "clinic": _clinic(),
            "shared_scope": ["education", "family_sessions"],
            "added_later": True,
        }
    )
    assert joined.shared_scope == ["education", "family_sessions"]
    shared = FamilySharedResponse.model_validate(
        {
            "participant_first_name": "Alex",
            "clinic": _clinic(),
            "modules": [
                {
                    "id": str(uuid4()),
                    "title": "Supporting without enabling",
                    "summary": "What helps, and what gets in the way.",
                    "minutes": 10,
                }
            ],
        }
    )
    assert shared.modules[0].title == "Supporting without enabling"
