"""Enrolment and the schedule refresh, against the real clinic server and a real store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.sync.sync_testing import ServerClock


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("2468")


def test_enrol_keeps_token_profile_and_schedule(store: Store, clinic_client: ClinicClient,
                                                demo: DemoCredentials,
                                                server_clock: ServerClock) -> None:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.status(store).state is LinkState.NOT_ENROLLED
    outcome = link.enrol(store, demo.enrolment_code.lower().replace("-", " "))
    assert outcome.ok, outcome
    assert link.enrolment(store)["display_name"] == "Alex"
    assert link.profile(store)["name"] == demo.clinic_name
    now = server_clock.now
    sessions = store.schedule.list_between(now - timedelta(days=2), now + timedelta(days=60))
    assert sessions and {s["kind"] for s in sessions} >= {"group", "individual"}
    assert link.status(store).state is LinkState.UP_TO_DATE


def test_a_used_or_wrong_code_is_refused_clearly(store: Store, clinic_client: ClinicClient,
                                                 demo: DemoCredentials) -> None:
    link = ClinicLink(clinic_client)
    assert link.enrol(store, "").message_key == "connect.error.empty"
    assert link.enrol(store, "ZZZZ-ZZZZ").message_key == "connect.error.invalid"
    assert link.enrol(store, demo.enrolment_code).ok
    assert link.enrol(store, demo.enrolment_code).message_key == "connect.error.invalid"


def test_offline_refresh_keeps_the_saved_schedule(store: Store, clinic_client: ClinicClient,
                                                  demo: DemoCredentials) -> None:
    ClinicLink(clinic_client).enrol(store, demo.enrolment_code)
    saved = store.schedule.all()
    # The same phone, now with the clinic unreachable (nothing listens on port 9).
    offline = ClinicLink(ClinicClient("http://127.0.0.1:9", timeout=1))
    status = offline.refresh(store)
    assert status.state is LinkState.OFFLINE
    assert status.last_refresh is not None
    assert store.schedule.all() == saved
    # Back online: the problem clears.
    assert ClinicLink(clinic_client).refresh(store).state is LinkState.UP_TO_DATE


def test_enrol_while_offline_says_so(store: Store) -> None:
    offline = ClinicLink(ClinicClient("http://127.0.0.1:9", timeout=1))
    assert offline.enrol(store, "ABCD-2345").message_key == "connect.error.unreachable"
    assert offline.status(store).state is LinkState.NOT_ENROLLED


def test_no_clinic_configured(store: Store) -> None:
    link = ClinicLink(None)
    assert link.enrol(store, "ABCD-2345").message_key == "connect.error.no_clinic"
    assert link.refresh(store).state is LinkState.NOT_ENROLLED
