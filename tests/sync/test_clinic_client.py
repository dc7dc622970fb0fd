"""ClinicClient: the app's view of the clinic, with every failure turned into a kind message."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.embedded import start_embedded_clinic
from iop_companion.clinic.models import Consent, Device
from iop_companion.sync.clinic_client import (
    ClinicClient,
    ClinicError,
    ClinicUnreachable,
    ExpiredCode,
    InsecureClinicUrl,
    InvalidCode,
    NotAuthorised,
)
from iop_companion.sync.protocol import PROTOCOL_VERSION, SessionKind, SessionStatus
from tests.sync.sync_testing import ServerClock

# ---------------------------------------------------------------- against the real server


def test_health_reports_the_protocol_version(clinic_client: ClinicClient) -> None:
    assert clinic_client.health().protocol_version == PROTOCOL_VERSION


def test_enrol_then_read_profile_and_schedule(
    clinic_client: ClinicClient, demo: DemoCredentials
) -> None:
    enrolment = clinic_client.enrol(demo.enrolment_code.lower(), "Alex's phone")
    assert enrolment.display_name == "Alex"
    assert enrolment.clinic.crisis_line

    profile = clinic_client.profile(enrolment.access_token)
    schedule = clinic_client.schedule(enrolment.access_token)

    assert profile.participant_id == enrolment.participant_id
    assert {s.kind for s in schedule.sessions} >= {SessionKind.GROUP, SessionKind.INDIVIDUAL}
    assert any(s.status is SessionStatus.CANCELLED and s.note for s in schedule.sessions)


def test_a_used_code_is_an_invalid_code(clinic_client: ClinicClient, demo: DemoCredentials) -> None:
    clinic_client.enrol(demo.enrolment_code, "first phone")
    with pytest.raises(InvalidCode) as caught:
        clinic_client.enrol(demo.enrolment_code, "second phone")
    assert caught.value.status_code == 401
    assert "ask your clinic for a new one" in caught.value.message


def test_an_unknown_code_is_an_invalid_code(
    clinic_client: ClinicClient, demo: DemoCredentials
) -> None:
    with pytest.raises(InvalidCode):
        clinic_client.enrol("ZZZZ-9999", "phone")


def test_an_expired_code(
    clinic_client: ClinicClient, demo: DemoCredentials, server_clock: ServerClock
) -> None:
    server_clock.advance(timedelta(minutes=16))
    # The clinic answers an expired code like any other that does not work.
    with pytest.raises(InvalidCode) as caught:
        clinic_client.enrol(demo.enrolment_code, "phone")
    assert "expired" in caught.value.message


def test_a_malformed_code_is_explained_before_anything_is_sent(clinic_client: ClinicClient) -> None:
    with pytest.raises(ClinicError) as caught:
        clinic_client.enrol("ABC", "phone")
    assert "like ABCD-2345" in caught.value.message


def test_a_revoked_device_is_not_authorised(
    clinic_client: ClinicClient,
    demo: DemoCredentials,
    clinic_app: FastAPI,
    server_clock: ServerClock,
) -> None:
    token = clinic_client.enrol(demo.enrolment_code, "phone").access_token
    with clinic_app.state.clinic.sessions.begin() as session:
        session.execute(sa.update(Device).values(revoked_at=server_clock.now))
    for read in (clinic_client.profile, clinic_client.schedule):
        with pytest.raises(NotAuthorised) as caught:
            read(token)
        assert token not in caught.value.message and token not in str(caught.value)


def test_a_made_up_token_is_not_authorised(clinic_client: ClinicClient) -> None:
    with pytest.raises(NotAuthorised):
        clinic_client.schedule("x" * 43)


# ------------------------------------------------------------------- family members


def test_join_family_then_read_what_is_shared(
    clinic_client: ClinicClient, demo: DemoCredentials
) -> None:
    joined = clinic_client.join_family(demo.family_invite_code.lower(), "Sam")
    assert joined.display_name == "Sam"
    assert joined.participant_first_name == "Alex"
    assert joined.shared_scope == ["education"]
    assert joined.clinic.crisis_line

    shared = clinic_client.family_shared(joined.family_token)

    assert shared.participant_first_name == "Alex"
    assert shared.clinic == joined.clinic
    assert shared.modules == []


def test_a_used_or_unknown_invite_is_an_invalid_code(
    clinic_client: ClinicClient, demo: DemoCredentials
) -> None:
    clinic_client.join_family(demo.family_invite_code, "Sam")
    for code in (demo.family_invite_code, "ZZZZ-9999"):
        with pytest.raises(InvalidCode) as caught:
            clinic_client.join_family(code, "Sam")
        assert type(caught.value) is InvalidCode and caught.value.status_code == 401
        assert "the person who invited you" in caught.value.message
        assert "clinic" not in caught.value.message  # a family member deals with the inviter


def test_an_expired_invite(
    clinic_client: ClinicClient, demo: DemoCredentials, server_clock: ServerClock
) -> None:
    server_clock.advance(timedelta(days=7))
    with pytest.raises(InvalidCode) as caught:
        clinic_client.join_family(demo.family_invite_code, "Sam")
    assert caught.value.status_code == 401 and "expired" in caught.value.message
    assert "invited you" in caught.value.message


def test_the_enrolment_code_is_not_an_invite(
    clinic_client: ClinicClient, demo: DemoCredentials
) -> None:
    with pytest.raises(InvalidCode):
        clinic_client.join_family(demo.enrolment_code, "Sam")


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [("ABC", "Sam", "invite code has 8 letters"), ("ABCD-2345", "", "'display_name' cannot")],
)
def test_a_malformed_join_is_explained_before_anything_is_sent(
    code: str, name: str, expected: str
) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing should be sent")

    with pytest.raises(ClinicError) as caught:
        _mock_client(never).join_family(code, name)
    assert expected in caught.value.message


def test_sharing_stops_when_the_consent_is_revoked(
    clinic_client: ClinicClient,
    demo: DemoCredentials,
    clinic_app: FastAPI,
    server_clock: ServerClock,
) -> None:
    token = clinic_client.join_family(demo.family_invite_code, "Sam").family_token
    clinic_client.family_shared(token)
    with clinic_app.state.clinic.sessions.begin() as session:
        session.execute(sa.update(Consent).values(revoked_at=server_clock.now))
    with pytest.raises(NotAuthorised) as caught:
        clinic_client.family_shared(token)
    assert "no longer have access" in caught.value.message
    assert token not in str(caught.value)


def test_family_and_device_tokens_do_not_cross(
    clinic_client: ClinicClient, demo: DemoCredentials
) -> None:
    device_token = clinic_client.enrol(demo.enrolment_code, "Alex's phone").access_token
    family_token = clinic_client.join_family(demo.family_invite_code, "Sam").family_token
    with pytest.raises(NotAuthorised):
        clinic_client.family_shared(device_token)
    for read in (clinic_client.profile, clinic_client.schedule):
        with pytest.raises(NotAuthorised):
            read(family_token)


def test_family_refusals_are_specific_to_their_call() -> None:
    gone = _mock_client(lambda request: httpx.Response(410, json={"detail": "gone"}))
    with pytest.raises(ExpiredCode):
        gone.join_family("ABCD-2345", "Sam")
    with pytest.raises(ClinicError) as caught:
        gone.family_shared("token")
    assert type(caught.value) is ClinicError
    refused = _mock_client(lambda request: httpx.Response(401, json={"detail": "no"}))
    with pytest.raises(NotAuthorised) as not_authorised:
        refused.family_shared("family-token-value")
    assert "no longer have access" in not_authorised.value.message
    with pytest.raises(InvalidCode):
        refused.join_family("ABCD-2345", "Sam")


def test_the_family_token_travels_in_the_authorization_header_only() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    with pytest.raises(ClinicError):
        _mock_client(record).family_shared("fam-123")
    (request,) = seen
    assert request.headers["authorization"] == "Bearer fam-123"
    assert str(request.url) == "https://clinic.example/api/v1/family/shared"


def test_over_a_real_socket(tmp_path: Path) -> None:
    clinic = start_embedded_clinic(tmp_path / "demo.sqlite3")
    try:
        with ClinicClient(clinic.url, timeout=5) as client:
            assert client.health().status == "ok"
            token = client.enrol(clinic.credentials.enrolment_code, "phone").access_token
            assert client.schedule(token).sessions
            with pytest.raises(InvalidCode):
                client.enrol(clinic.credentials.enrolment_code, "phone")
            family_token = client.join_family(
                clinic.credentials.family_invite_code, "Sam"
            ).family_token
            assert client.family_shared(family_token).participant_first_name == "Alex"
    finally:
        clinic.stop()


# ------------------------------------------------------------------ transport failures


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens here once the probe closes


def test_a_closed_port_is_unreachable() -> None:
    with (
        ClinicClient(f"http://127.0.0.1:{_closed_port()}", timeout=2) as client,
        pytest.raises(ClinicUnreachable) as caught,
    ):
        client.health()
    assert caught.value.retryable
    assert "internet connection" in caught.value.message


def _mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> ClinicClient:
    return ClinicClient(
        "https://clinic.example", http=httpx.Client(transport=httpx.MockTransport(handler))
    )


def test_a_timeout_is_unreachable() -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ClinicUnreachable):
        _mock_client(time_out).health()


@pytest.mark.parametrize(
    ("status", "body", "expected_type", "retryable"),
    [
        (500, b"Internal Server Error", ClinicError, True),
        (502, b"<html>Bad gateway</html>", ClinicError, True),
        (503, b'{"detail": "The clinic database is not reachable."}', ClinicError, True),
        (429, b"", ClinicError, True),
        (403, b'{"detail": "Forbidden"}', NotAuthorised, False),
        (401, b"", NotAuthorised, False),
        (404, b"", ClinicError, False),
        (413, b'{"detail": "too large"}', ClinicError, False),
    ],
)
def test_http_errors_map_to_kind_exceptions(
    status: int, body: bytes, expected_type: type[ClinicError], retryable: bool
) -> None:
    client = _mock_client(lambda request: httpx.Response(status, content=body))
    with pytest.raises(ClinicError) as caught:
        client.schedule("secret-token-value-" + "x" * 30)
    error = caught.value
    assert type(error) is expected_type
    assert error.status_code == status
    assert error.retryable is retryable
    assert error.message and "secret-token-value" not in error.message
    assert "<html>" not in error.message


def test_a_422_shows_the_servers_explanation() -> None:
    detail = "An enrolment code has 8 letters and numbers, like ABCD-2345."
    client = _mock_client(lambda request: httpx.Response(422, json={"detail": detail}))
    with pytest.raises(ClinicError) as caught:
        client.enrol("ABCD-2345", "phone")
    assert caught.value.message == detail


def test_a_422_without_an_explanation_gets_a_general_message() -> None:
    client = _mock_client(lambda request: httpx.Response(422, content=b"nope"))
    with pytest.raises(ClinicError) as caught:
        client.enrol("ABCD-2345", "phone")
    assert caught.value.message == ClinicError.default_message


def test_enrolment_refusals_are_specific_to_enrolment() -> None:
    gone = _mock_client(lambda request: httpx.Response(410, json={"detail": "expired"}))
    with pytest.raises(ExpiredCode):
        gone.enrol("ABCD-2345", "phone")
    with pytest.raises(ClinicError) as caught:
        gone.schedule("token")
    assert type(caught.value) is ClinicError


def test_a_reply_the_app_cannot_read_is_an_error_not_a_crash() -> None:
    client = _mock_client(lambda request: httpx.Response(200, json={"sessions": "soon"}))
    with pytest.raises(ClinicError, match="does not understand"):
        client.schedule("token")


def test_the_token_travels_in_the_authorization_header_only() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"sessions": [], "server_time": "2026-03-04T15:00:00Z"})

    _mock_client(record).schedule("tok-123")
    (request,) = seen
    assert request.headers["authorization"] == "Bearer tok-123"
    assert "tok-123" not in str(request.url)
    assert str(request.url) == "https://clinic.example/api/v1/participant/schedule"


# ------------------------------------------------------------------------ the URL rule


@pytest.mark.parametrize(
    "url",
    [
        "http://clinic.example",
        "http://192.168.1.20:8000",
        "http://127.0.0.1.evil.example",
        "http://localhost.evil.example",
        "ftp://clinic.example",
        "clinic.example",
        "https://",
        "",
    ],
)
def test_insecure_or_invalid_urls_are_refused_at_construction(url: str) -> None:
    with pytest.raises(InsecureClinicUrl) as caught:
        ClinicClient(url)
    assert caught.value.message


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://clinic.example/", "https://clinic.example"),
        ("https://clinic.example/iop", "https://clinic.example/iop"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_https_anywhere_and_http_on_this_machine_are_accepted(url: str, base: str) -> None:
    with ClinicClient(url) as client:
        assert client.base_url == base


def test_the_timeout_applies_to_the_clients_own_connection() -> None:
    with ClinicClient("https://clinic.example", timeout=3) as client:
        assert client._http.timeout == httpx.Timeout(3)


def test_an_injected_http_client_is_left_open() -> None:
    http = httpx.Client()
    with ClinicClient("https://clinic.example", http=http):
        pass
    assert not http.is_closed
    http.close()
