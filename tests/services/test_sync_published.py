"""What the clinic publishes for one participant beyond the schedule (homework, module
assignments, consent changes) reaches the phone through the pull feed, over a real
clinic server in-process, and is rebuilt after the clinic is restored from a backup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID, DemoCredentials
from iop_companion.domain.consents import SharingState, sharing_overview
from iop_companion.services.clinic_link import SERVER_EPOCH_KEY, ClinicLink, LinkState
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from tests.sync.sync_testing import ServerClock

BASE = f"/api/v1/clinician/participants/{DEMO_PARTICIPANT_ID}"


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def link(store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
         server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


@pytest.fixture
def staff(clinic_app: FastAPI, demo: DemoCredentials) -> Iterator[tuple[TestClient, dict]]:
    with TestClient(clinic_app, base_url="http://localhost") as http:
        signed_in = http.post("/api/v1/clinician/sessions",
                              json={"email": demo.clinician_email,
                                    "password": demo.clinician_password})
        assert signed_in.status_code == 201, signed_in.text
        yield http, {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def test_homework_arrives_changes_and_is_withdrawn(
        store: Store, link: ClinicLink, staff: tuple[TestClient, dict]) -> None:
    http, headers = staff
    created = http.post(f"{BASE}/homework", headers=headers, json={
        "title": "Urge log, 3 days", "instructions": "One line a day.", "due_on": "2026-03-10"})
    assert created.status_code == 201, created.text
    homework_id = created.json()["id"]
    assert link.sync(store).state is LinkState.UP_TO_DATE
    [mirrored] = store.homework.all()
    assert (mirrored["id"], mirrored["title"], mirrored["status"]) == (
        homework_id, "Urge log, 3 days", "assigned")

    http.post(f"{BASE}/homework/{homework_id}/withdraw", headers=headers)
    link.sync(store)
    assert store.homework.get(homework_id)["status"] == "withdrawn"


def test_a_consent_given_and_then_withdrawn_at_the_clinic_shows_on_the_phone(
        store: Store, link: ClinicLink, staff: tuple[TestClient, dict],
        demo: DemoCredentials, server_clock: ServerClock) -> None:
    # The demo clinic issued a family invite for Sam: waiting for Sam to connect.
    link.sync(store)
    [waiting] = sharing_overview(store.consents.all(), server_clock.now)
    assert (waiting.recipient_name, waiting.state) == ("Sam", SharingState.WAITING)

    http, headers = staff
    joined = http.post("/api/v1/family/join",
                       json={"code": demo.family_invite_code, "display_name": "Sam"})
    assert joined.status_code == 201, joined.text
    link.sync(store)
    [active] = sharing_overview(store.consents.all(), server_clock.now)
    assert active.state is SharingState.ACTIVE

    revoked = http.post(f"{BASE}/consents/{active.consent_id}/revoke", headers=headers)
    assert revoked.status_code == 200, revoked.text
    link.sync(store)
    [ended] = sharing_overview(store.consents.all(), server_clock.now)
    assert ended.state is SharingState.ENDED


def test_a_restored_clinic_s_feed_rebuilds_the_mirrors(
        store: Store, link: ClinicLink, staff: tuple[TestClient, dict]) -> None:
    http, headers = staff
    http.post(f"{BASE}/homework", headers=headers, json={"title": "Walk after dinner"})
    link.sync(store)
    assert len(store.homework.all()) == 1
    # A different epoch (as after a restore): the app drops what it mirrored and pulls
    # everything again from 0, so it ends with exactly what the clinic has.
    store.settings.set(SERVER_EPOCH_KEY, "an-epoch-from-before-the-restore")
    store.homework.apply_changes([{"id": "stale", "title": "Not at the clinic any more"}])
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert [h["title"] for h in store.homework.all()] == ["Walk after dinner"]
    assert len(store.consents.all()) >= 1


def test_a_pulled_version_the_phone_cannot_keep_stops_the_cursor_before_it(
        store: Store, link: ClinicLink, clinic_app: FastAPI, server_clock: ServerClock) -> None:
    """Never skipped silently (security Y3): the clinic's write routes refuse such text,
    so this takes an older server or a hand edit; the phone waits for a fix."""
    import sqlalchemy as sa

    from iop_companion.clinic.models import PublishedChange
    from iop_companion.services.clinic_link import PULL_CURSOR_KEY
    from iop_companion.sync.protocol import aftercare_plan_id

    link.sync(store)
    cursor = store.settings.get(PULL_CURSOR_KEY)
    plan_id = aftercare_plan_id(DEMO_PARTICIPANT_ID)
    with clinic_app.state.clinic.sessions.begin() as db:
        last = db.scalar(sa.select(sa.func.max(PublishedChange.seq)))
        clinic_id = db.scalar(sa.select(PublishedChange.clinic_id).limit(1))
        db.add(PublishedChange(
            seq=last + 1, clinic_id=clinic_id, participant_id=DEMO_PARTICIPANT_ID,
            kind="aftercare_plan", item_id=str(plan_id), deleted=False,
            data={"version": 1, "replaces_version": None, "author": "clinic",
                  "payload": {"people_to_call": ["bell\x07"]}},
            published_at=server_clock.now))
        db.execute(sa.text("UPDATE server_state SET last_seq = :seq"), {"seq": last + 1})
    assert link.sync(store).state is LinkState.FAILED
    assert store.settings.get(PULL_CURSOR_KEY) == cursor
    assert store.aftercare_plan.get() is None
