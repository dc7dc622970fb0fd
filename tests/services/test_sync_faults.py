"""Fault injection between the app and the real clinic server (security Y1-Y4): whatever
the network does, every record the participant wrote ends up on the server exactly once,
and the app never counts as sent what the clinic did not commit."""

from __future__ import annotations

import random
import warnings
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from iop_companion.clinic.api import create_app
from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.models import ParticipantRecord, ScheduledSessionRecord
from iop_companion.domain.check_in import CheckInDraft
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.safety import raise_safety_flag
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.sync.faults import Fault, FaultyNetwork, every_nth, once
from tests.sync.sync_testing import ServerClock

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

DRAFT = CheckInDraft(mood=6, craving=2, sleep_hours="7", sleep_quality="good", medications="yes",
                     used_since_last=False, thoughts_of_self_harm=False)
PUSH = "/records"
CHANGES = "/changes"


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def server(clinic_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(clinic_app, base_url="http://localhost") as http:
        yield http


@pytest.fixture
def network(server: TestClient) -> FaultyNetwork:
    return FaultyNetwork(server)


@pytest.fixture
def link(store: Store, network: FaultyNetwork, demo: DemoCredentials,
         server_clock: ServerClock) -> Iterator[ClinicLink]:
    with httpx.Client(transport=network) as http:
        link = ClinicLink(ClinicClient("http://localhost", http=http), clock=server_clock)
        assert link.enrol(store, demo.enrolment_code).ok
        yield link


def on_server(app: FastAPI) -> list[tuple[str, int]]:
    with app.state.clinic.sessions() as session:
        rows = session.execute(select(ParticipantRecord.record_id, ParticipantRecord.version))
        return [(str(record_id), version) for record_id, version in rows]


def written(store: Store) -> set[str]:
    return {record["id"] for record in store.check_ins.all()}


def assert_exactly_once(app: FastAPI, store: Store) -> None:
    rows = on_server(app)
    doubled = [key for key, count in Counter(rows).items() if count > 1]
    assert doubled == []
    assert written(store) <= {record_id for record_id, _ in rows}  # nothing lost
    assert store.outbox.count_pending() == 0


def sync_until_clean(link: ClinicLink, store: Store, attempts: int = 50) -> None:
    for _ in range(attempts):
        if link.sync(store).state is LinkState.UP_TO_DATE and not store.outbox.count_pending():
            return
    raise AssertionError("the outbox never emptied")


def test_a_connection_cut_mid_upload_keeps_the_record_and_sends_it_later(
        store: Store, link: ClinicLink, network: FaultyNetwork, clinic_app: FastAPI) -> None:
    save_check_in(store, DRAFT)
    network.schedule = once(Fault.CUT_UPLOAD, only_path=PUSH)
    assert link.sync(store).state is LinkState.OFFLINE
    assert store.outbox.count_pending() == 1 and on_server(clinic_app) == []
    network.schedule = lambda request: Fault.NONE
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert_exactly_once(clinic_app, store)


def test_a_reply_lost_after_the_server_committed_is_resent_and_not_doubled(
        store: Store, link: ClinicLink, network: FaultyNetwork, clinic_app: FastAPI) -> None:
    for _ in range(3):
        save_check_in(store, DRAFT)
    network.schedule = once(Fault.CUT_RESPONSE, only_path=PUSH)
    assert link.sync(store).state is LinkState.OFFLINE
    assert len(on_server(clinic_app)) == 3  # committed, but the app never heard
    assert store.outbox.count_pending() == 3  # so it still holds them
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert len(on_server(clinic_app)) == 3
    assert_exactly_once(clinic_app, store)


def test_a_replayed_request_stores_each_record_once(
        store: Store, link: ClinicLink, network: FaultyNetwork, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    save_check_in(store, DRAFT)
    raise_safety_flag(store, SafetyTrigger.PARTICIPANT_REQUEST, server_clock.now)
    network.schedule = lambda request: Fault.REPLAY
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert len(on_server(clinic_app)) == 2
    assert_exactly_once(clinic_app, store)


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.RATE_LIMITED, Fault.CUT_UPLOAD,
                                   Fault.CUT_RESPONSE])
def test_every_third_request_failing_loses_and_doubles_nothing(
        store: Store, link: ClinicLink, network: FaultyNetwork, clinic_app: FastAPI,
        fault: Fault) -> None:
    network.schedule = every_nth(3, fault)
    for day in range(12):
        save_check_in(store, DRAFT)
        link.sync(store)  # some of these fail: that is the point
    sync_until_clean(link, store)
    assert len(on_server(clinic_app)) == 12
    assert_exactly_once(clinic_app, store)
    assert network.seen[fault] > 0


def test_a_lost_reply_while_pulling_never_skips_a_change(
        store: Store, link: ClinicLink, network: FaultyNetwork, clinic_app: FastAPI) -> None:
    network.schedule = once(Fault.CUT_RESPONSE, only_path=CHANGES)
    link.sync(store)
    assert network.seen[Fault.CUT_RESPONSE] == 1
    sync_until_clean(link, store)
    with clinic_app.state.clinic.sessions() as session:
        on_clinic = {str(row) for row in session.scalars(select(ScheduledSessionRecord.id))}
    on_phone = {session["id"] for session in store.schedule.all()}
    assert on_phone == on_clinic


def test_a_server_restart_between_syncs_loses_nothing(
        store: Store, vault: Vault, demo: DemoCredentials, clinic_app: FastAPI,
        server_clock: ServerClock) -> None:
    database_url = str(clinic_app.state.clinic.engine.url)
    with TestClient(clinic_app, base_url="http://localhost") as http:
        link = ClinicLink(ClinicClient("http://localhost", http=http), clock=server_clock)
        assert link.enrol(store, demo.enrolment_code).ok
        save_check_in(store, DRAFT)
        assert link.sync(store).state is LinkState.UP_TO_DATE
    restarted = create_app(database_url, clock=server_clock)  # a new process, same database
    try:
        with TestClient(restarted, base_url="http://localhost") as http:
            link = ClinicLink(ClinicClient("http://localhost", http=http), clock=server_clock)
            save_check_in(store, DRAFT)
            assert link.sync(store).state is LinkState.UP_TO_DATE
        assert_exactly_once(restarted, store)
        assert len(on_server(restarted)) == 2
    finally:
        restarted.state.clinic.engine.dispose()


def test_a_random_storm_of_faults_loses_and_doubles_nothing(
        store: Store, link: ClinicLink, network: FaultyNetwork, clinic_app: FastAPI) -> None:
    dice = random.Random(20261122)
    faults = [Fault.NONE] * 6 + [Fault.CUT_UPLOAD, Fault.CUT_RESPONSE, Fault.SERVER_ERROR,
                                 Fault.REPLAY, Fault.RATE_LIMITED]
    network.schedule = lambda request: dice.choice(faults)
    for _ in range(40):
        for _ in range(dice.randint(0, 3)):
            save_check_in(store, DRAFT)
        link.sync(store)
    network.schedule = lambda request: Fault.NONE
    sync_until_clean(link, store)
    assert_exactly_once(clinic_app, store)
    assert sum(network.seen[f] for f in faults if f is not Fault.NONE) > 10
