"""The clinic's stated response time to "I need support", set by staff on the real
server, reaches the app with the clinic's profile; a bad stored value promises nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from iop_companion.clinic.demo import DEMO_SUPPORT_RESPONSE_HOURS, DemoCredentials
from iop_companion.services.clinic_link import PROFILE_KEY, ClinicLink, LinkState
from iop_companion.services.support_response import clinic_response_hours
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.sync.sync_testing import ServerClock, signed_in_staff

SUPPORT_RESPONSE = "/api/v1/clinician/clinic/support-response"


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


def test_the_clinics_stated_time_reaches_the_app_and_follows_its_changes(
        store: Store, clinic_client: ClinicClient, clinic_app: FastAPI,
        demo: DemoCredentials, server_clock: ServerClock) -> None:
    assert clinic_response_hours(store) is None  # not enrolled: no clinic, no promise
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert clinic_response_hours(store) == DEMO_SUPPORT_RESPONSE_HOURS == 4
    http, staff = signed_in_staff(clinic_app, demo)
    with http:
        assert http.put(SUPPORT_RESPONSE, json={"hours": 24},
                        headers=staff).status_code == 200
        assert link.sync(store).state is LinkState.UP_TO_DATE
        assert clinic_response_hours(store) == 24
        assert http.put(SUPPORT_RESPONSE, json={"hours": None},
                        headers=staff).status_code == 200
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert clinic_response_hours(store) is None


@pytest.mark.parametrize("stored", [
    {}, {"support_response_hours": None}, {"support_response_hours": 0},
    {"support_response_hours": 169}, {"support_response_hours": -1},
    {"support_response_hours": "4"}, {"support_response_hours": 4.0},
    {"support_response_hours": True}, {"support_response_hours": [4]}, "not a profile", 4,
])
def test_a_missing_or_bad_stored_value_promises_no_time(store: Store, stored: Any) -> None:
    store.settings.set(PROFILE_KEY, stored)
    assert clinic_response_hours(store) is None


@pytest.mark.parametrize("hours", [1, 4, 168])
def test_a_good_stored_value_is_read_as_is(store: Store, hours: int) -> None:
    store.settings.set(PROFILE_KEY, {"name": "Clinic", "support_response_hours": hours})
    assert clinic_response_hours(store) == hours
