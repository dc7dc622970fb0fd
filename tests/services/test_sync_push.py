"""The outbox reaches the clinic: flags first, nothing lost, nothing doubled."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.domain.check_in import CheckInDraft
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.safety import raise_safety_flag
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.sync.sync_testing import ServerClock

DRAFT = CheckInDraft(mood=6, craving=2, sleep_hours="7", sleep_quality="good", medications="yes",
                     used_since_last=False, thoughts_of_self_harm=False)


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def enrolled(store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
             server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


def alerts(clinic_client: ClinicClient, demo: DemoCredentials) -> list:
    session = clinic_client.clinician_sign_in(demo.clinician_email, demo.clinician_password)
    return clinic_client.clinician_alerts(session.access_token).alerts


def test_check_ins_and_flags_leave_the_outbox_once_stored(
        store: Store, enrolled: ClinicLink, clinic_client: ClinicClient,
        demo: DemoCredentials, server_clock: ServerClock) -> None:
    save_check_in(store, DRAFT)
    raise_safety_flag(store, SafetyTrigger.PARTICIPANT_REQUEST, server_clock.now)
    # The flag is first in line whatever was queued before it.
    assert [e["kind"] for e in store.outbox.pending()] == ["safety_flag", "check_in"]
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 0
    found = alerts(clinic_client, demo)
    assert [a.trigger for a in found] == ["participant_request"]
    # A second sync sends nothing new and creates no second alert.
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    assert len(alerts(clinic_client, demo)) == 1


def test_offline_keeps_everything_queued_until_the_clinic_answers(
        store: Store, enrolled: ClinicLink, clinic_client: ClinicClient,
        demo: DemoCredentials, server_clock: ServerClock) -> None:
    raise_safety_flag(store, SafetyTrigger.CHECK_IN_SELF_HARM, server_clock.now)
    offline = ClinicLink(ClinicClient("http://127.0.0.1:9", timeout=1), clock=server_clock)
    assert offline.sync(store).state is LinkState.OFFLINE
    assert store.outbox.count_pending() == 1
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 0
    assert len(alerts(clinic_client, demo)) == 1


class LoseTheAnswer(httpx.BaseTransport):
    """The server commits the push, then the connection drops before the reply."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.dropped = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/participant/records") and not self.dropped:
            self.dropped = True
            response.read()
            raise httpx.ReadError("connection reset after the server committed")
        return response


def test_a_lost_reply_is_resent_without_doubling(
        store: Store, enrolled: ClinicLink, clinic_client: ClinicClient,
        demo: DemoCredentials, server_clock: ServerClock) -> None:
    raise_safety_flag(store, SafetyTrigger.PARTICIPANT_REQUEST, server_clock.now)
    http = clinic_client._http  # the in-process TestClient
    flaky_http = httpx.Client(transport=LoseTheAnswer(http._transport), base_url=http.base_url)
    flaky = ClinicLink(ClinicClient("http://localhost", http=flaky_http), clock=server_clock)
    assert flaky.sync(store).state is LinkState.OFFLINE
    assert store.outbox.count_pending() == 1  # not acknowledged, so still queued
    server_clock.advance(timedelta(minutes=1))
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 0
    assert len(alerts(clinic_client, demo)) == 1


def test_a_refused_record_is_parked_not_resent_forever(
        store: Store, enrolled: ClinicLink) -> None:
    store.outbox.enqueue("check_in", "8c1f5a6e-3f55-4d0b-9d9e-4f2c8c3f0a11", {"mood": 99})
    assert enrolled.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 1  # kept: nothing is lost
    assert store.outbox.pending() == []       # but not sent again
    [parked] = store.outbox.parked()
    assert parked["parked_reason"]
