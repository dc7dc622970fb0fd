"""The app's client for pull sync and device tokens, against the real server in-process."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.sync.clinic_client import AccessTokenExpired, ClinicClient, NotAuthorised
from iop_companion.sync.protocol import ChangeKind, ScheduledSession, change_data
from tests.sync.sync_testing import ServerClock


def test_changes_come_in_pages_with_typed_data(
    clinic_client: ClinicClient, demo: DemoCredentials
) -> None:
    enrolment = clinic_client.enrol(demo.enrolment_code, "phone")
    first = clinic_client.changes(enrolment.access_token, after=0, limit=5)
    assert len(first.changes) == 5 and first.has_more
    second = clinic_client.changes(enrolment.access_token, after=first.next_cursor, limit=5)
    assert second.changes[0].seq > first.changes[-1].seq
    sessions = [change_data(c) for c in first.changes + second.changes
                if c.kind == ChangeKind.SESSION]
    assert sessions and all(isinstance(s, ScheduledSession) for s in sessions)


def test_expiry_is_its_own_error_and_a_refresh_mends_it(
    clinic_client: ClinicClient, demo: DemoCredentials, server_clock: ServerClock
) -> None:
    enrolment = clinic_client.enrol(demo.enrolment_code, "phone")
    server_clock.advance(timedelta(minutes=15))
    with pytest.raises(AccessTokenExpired) as expired:
        clinic_client.changes(enrolment.access_token, after=0)
    assert not expired.value.retryable
    pair = clinic_client.refresh_tokens(enrolment.refresh_token)
    assert clinic_client.changes(pair.access_token, after=0).changes
    # The spent refresh token is refused (and that disconnects the device).
    with pytest.raises(NotAuthorised) as refused:
        clinic_client.refresh_tokens(enrolment.refresh_token)
    assert type(refused.value) is NotAuthorised
    with pytest.raises(NotAuthorised):
        clinic_client.changes(pair.access_token, after=0)
    with pytest.raises(NotAuthorised):
        clinic_client.refresh_tokens("")  # refused without a round trip


def test_a_plain_401_is_not_mistaken_for_expiry() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "no"}, headers={"WWW-Authenticate": "Bearer"})

    client = ClinicClient("https://clinic.example", http=httpx.Client(
        transport=httpx.MockTransport(answer)))
    with pytest.raises(NotAuthorised) as caught:
        client.changes("t" * 43, after=0)
    assert type(caught.value) is NotAuthorised
