"""The clinic's own measure schedule, set by staff on the real server, reaches the app
through sync and changes when a measure is next due."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.domain.measures import MeasureId
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.measures import complete_measure, measures_due
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.sync.sync_testing import ServerClock, signed_in_staff

NOT_AT_ALL = [0] * 9


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


def test_the_clinics_phq9_interval_decides_when_it_is_due_again(
        store: Store, clinic_client: ClinicClient, clinic_app: FastAPI,
        demo: DemoCredentials, server_clock: ServerClock) -> None:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    done_at = server_clock.now
    complete_measure(store, MeasureId.PHQ9, NOT_AT_ALL, done_at)

    def phq9_next_due() -> timedelta:
        due = {d.measure: d for d in measures_due(store, done_at)}[MeasureId.PHQ9]
        assert due.next_due is not None and due.last_completed is not None
        return due.next_due - due.last_completed

    assert phq9_next_due() == timedelta(days=14)  # the default
    http, staff = signed_in_staff(clinic_app, demo)
    with http:
        answer = http.put("/api/v1/clinician/clinic/measure-schedule",
                          json={"phq9": 28}, headers=staff)
        assert answer.status_code == 200, answer.text
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert phq9_next_due() == timedelta(days=28)
