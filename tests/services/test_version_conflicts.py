"""When the clinic already holds a newer version of a record the phone edited, nothing
is overwritten: the phone's version is set aside with the clinic's newest, later edits
wait behind it, and the participant keeps theirs or takes the clinic's (issue 4).

The "other writer" here is a second phone of the same participant, pushing straight
into the real clinic server; the clinician's edits of shared records take the same path.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.models import Device, ParticipantRecord
from iop_companion.clinic.records import push_records
from iop_companion.services import shared_records
from iop_companion.services.clinic_link import ClinicLink
from iop_companion.services.plan_sharing import RELAPSE_PLAN, start_sharing
from iop_companion.services.recovery import save_relapse_plan
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol import PushRecord, RecordKind
from tests.sync.sync_testing import ServerClock


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def link(store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
         server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


def _other_phone_saves(clinic_app: FastAPI, store: Store, record_id: str, version: int,
                       triggers: list[str], now: datetime) -> None:
    participant_id = uuid.UUID(ClinicLink.enrolment(store)["participant_id"])
    plan = store.relapse_plan.get()
    assert plan is not None
    with clinic_app.state.clinic.sessions() as db:
        device_id = db.scalar(select(Device.id).where(Device.participant_id == participant_id))
        [result] = push_records(db, participant_id=participant_id, device_id=device_id, now=now,
                                records=[PushRecord(
                                    id=uuid.UUID(record_id), kind=RecordKind.RELAPSE_PLAN,
                                    version=version, replaces_version=version - 1,
                                    created_at=now, payload={**plan, "triggers": triggers})])
    assert result.outcome == "stored"


def _clinic_versions(clinic_app: FastAPI, record_id: str) -> list[tuple[int, int | None, list]]:
    with clinic_app.state.clinic.sessions() as db:
        rows = db.scalars(select(ParticipantRecord)
                          .where(ParticipantRecord.record_id == uuid.UUID(record_id))
                          .order_by(ParticipantRecord.server_seq))
        return [(r.version, r.replaces_version, r.payload["triggers"]) for r in rows]


def _conflict(store: Store, link: ClinicLink, clinic_app: FastAPI,
              server_clock: ServerClock) -> tuple[str, dict]:
    """Phone saves v1 (synced); the other phone stores v2; this phone's own v2 conflicts."""
    plan = save_relapse_plan(store, {"triggers": "payday"}, server_clock())
    assert start_sharing(store, server_clock(), plan=RELAPSE_PLAN)
    link.sync(store)
    _other_phone_saves(clinic_app, store, plan["id"], 2, ["payday", "the bar on 5th"],
                       server_clock())
    save_relapse_plan(store, {"triggers": "payday\nSunday evenings"}, server_clock())
    link.sync(store)
    [parked] = store.outbox.parked()
    return plan["id"], parked


def test_a_conflict_is_set_aside_with_the_clinic_s_newest_version(
        store: Store, link: ClinicLink, clinic_app: FastAPI, server_clock: ServerClock) -> None:
    record_id, parked = _conflict(store, link, clinic_app, server_clock)
    assert parked["version"] == 2
    assert parked["conflict_latest"]["version"] == 2
    assert parked["conflict_latest"]["payload"]["triggers"] == ["payday", "the bar on 5th"]
    assert shared_records.can_use_clinic_version(store, parked)
    # Nothing was overwritten at the clinic.
    assert _clinic_versions(clinic_app, record_id) == [
        (1, None, ["payday"]), (2, 1, ["payday", "the bar on 5th"])]


def test_later_edits_wait_behind_the_conflict_then_keep_mine_sends_the_newest_on_top(
        store: Store, link: ClinicLink, clinic_app: FastAPI, server_clock: ServerClock) -> None:
    record_id, parked = _conflict(store, link, clinic_app, server_clock)
    save_relapse_plan(store, {"triggers": "payday\nSunday evenings\nboredom"}, server_clock())
    assert store.outbox.pending() == []  # held behind the set-aside version
    assert len(store.outbox.held()) == 1
    link.sync(store)
    assert len(_clinic_versions(clinic_app, record_id)) == 2  # nothing more was sent

    assert shared_records.keep_mine(store, parked["id"], server_clock())
    [queued] = store.outbox.pending()
    assert (queued["version"], queued["replaces_version"]) == (4, 2)
    assert store.outbox.parked() == [] and store.outbox.held() == []
    link.sync(store)
    assert store.unsynced_count() == 0
    assert _clinic_versions(clinic_app, record_id)[-1] == (
        4, 2, ["payday", "Sunday evenings", "boredom"])


def test_use_the_clinic_s_version_replaces_the_local_copy_and_drops_the_unsent_edits(
        store: Store, link: ClinicLink, clinic_app: FastAPI, server_clock: ServerClock) -> None:
    record_id, parked = _conflict(store, link, clinic_app, server_clock)
    assert shared_records.use_clinic_version(store, parked["id"], server_clock())
    plan = store.relapse_plan.get()
    assert plan is not None
    assert plan["id"] == record_id
    assert plan["triggers"] == ["payday", "the bar on 5th"]
    assert store.unsynced_count() == 0
    # The next edit builds on the clinic's version and is stored without a conflict.
    save_relapse_plan(store, {"triggers": "payday\nthe bar on 5th\nloud parties"},
                      server_clock())
    link.sync(store)
    assert store.outbox.parked() == []
    assert _clinic_versions(clinic_app, record_id)[-1] == (
        3, 2, ["payday", "the bar on 5th", "loud parties"])


def test_resolving_an_entry_that_is_not_a_conflict_does_nothing(
        store: Store, link: ClinicLink, server_clock: ServerClock) -> None:
    entry = store.outbox.enqueue("check_in", str(uuid.uuid4()), {"mood": 5})
    store.outbox.park(entry["id"], "The record is not valid.")
    assert not shared_records.keep_mine(store, entry["id"], server_clock())
    assert not shared_records.use_clinic_version(store, entry["id"], server_clock())
    assert [e["id"] for e in store.outbox.parked()] == [entry["id"]]
