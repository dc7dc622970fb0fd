"""Measure results travel to the clinic; the BAM is scored and kept; clinic schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.models import ParticipantRecord
from iop_companion.domain.measures import MeasureId
from iop_companion.services.clinic_link import PROFILE_KEY, ClinicLink, LinkState
from iop_companion.services.measures import (
    clinic_interval_days,
    complete_measure,
    latest_results,
    measures_due,
)
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol import RecordKind, payload_problem
from tests.sync.sync_testing import ServerClock

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def bam_answers(*, alcohol_days: int = 0, drug_days: int = 0,
                substances: dict[str, int] | None = None) -> list:
    """A BAM with some risk (sleep, mood, craving) and some support, no use by default.
    Day counts stay within a week (codes 0-2): the app's BAM is weekly by default."""
    answers: list = [2, 1, 2, alcohol_days, 0, drug_days, substances or {}, 1, 3, 2, 1, 2,
                     2, 4, 0, 2, 3]
    return answers


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def enrolled_store(store: Store) -> Store:
    store.settings.set("clinic.enrolment", {"device_token": "t", "display_name": "Alex"})
    return store


def test_a_phq9_result_is_queued_as_a_valid_measure_result(enrolled_store: Store) -> None:
    complete_measure(enrolled_store, MeasureId.PHQ9, [1, 1, 0, 2, 0, 0, 1, 0, 0], NOW)
    [entry] = enrolled_store.outbox.pending()
    stored = enrolled_store.measures.list_recent("phq9")[0]
    assert entry["kind"] == "measure_result" and entry["record_id"] == stored["id"]
    payload = entry["payload"]
    assert payload_problem(RecordKind.MEASURE_RESULT, payload) is None
    assert payload["measure"] == "phq9"
    assert payload["answers"] == [1, 1, 0, 2, 0, 0, 1, 0, 0]
    assert payload["total"] == 5 and payload["band"] == "mild"
    assert payload["completed_at"] == NOW.isoformat()
    assert payload["id"] == stored["id"]


def test_a_bam_is_scored_kept_and_queued_without_a_total(enrolled_store: Store) -> None:
    outcome = complete_measure(enrolled_store, MeasureId.BAM, bam_answers(), NOW)
    assert outcome.total is None and not outcome.start_safety_flow
    assert outcome.summary_key == "measures.bam.result.summary"
    assert outcome.bam is not None
    # risk = items 1 + 2 + 3 + 8 + 11 + 15 = 2 + 1 + 2 + 1 + 1 + 0
    # protective = items 9 + 10 + 12 + 13 + 14 + 16 = 3 + 2 + 2 + 2 + 4 + 2
    assert (outcome.bam.use, outcome.bam.risk, outcome.bam.protective) == (0, 7, 15)
    stored = enrolled_store.measures.list_recent("bam")[0]
    assert (stored["use"], stored["risk"], stored["protective"]) == (0, 7, 15)
    assert stored["recall_days"] == 7  # weekly by default: the past 7 days
    [entry] = enrolled_store.outbox.pending()
    payload = entry["payload"]
    assert payload_problem(RecordKind.MEASURE_RESULT, payload) is None
    assert "total" not in payload and "band" not in payload
    assert payload["recall_days"] == 7 and "difficulty" not in payload
    assert len(payload["answers"]) == 17
    assert set(payload["substances"].values()) == {0}


def test_reported_use_gets_the_kind_note_and_item_7_travels_per_substance(
        enrolled_store: Store) -> None:
    outcome = complete_measure(enrolled_store, MeasureId.BAM, bam_answers(
        alcohol_days=1, drug_days=2, substances={"opioids": 2, "marijuana": 1}), NOW)
    assert outcome.summary_key == "measures.bam.result.use_reported"
    assert outcome.bam is not None and outcome.bam.use == 3
    payload = enrolled_store.outbox.pending()[0]["payload"]
    assert payload["substances"]["opioids"] == 2 and payload["substances"]["cocaine"] == 0
    # Item 7's own slot carries the highest per-substance code; it is never summed.
    assert payload["answers"][6] == 2
    assert payload_problem(RecordKind.MEASURE_RESULT, payload) is None


def test_nothing_is_queued_without_a_clinic(store: Store) -> None:
    complete_measure(store, MeasureId.BAM, bam_answers(), NOW)
    complete_measure(store, MeasureId.GAD7, [0] * 7, NOW)
    assert store.outbox.pending() == []
    assert set(latest_results(store)) == {MeasureId.BAM, MeasureId.GAD7}


def test_the_bam_is_weekly_by_default(store: Store) -> None:
    complete_measure(store, MeasureId.BAM, bam_answers(), NOW)
    stored_at = datetime.fromisoformat(store.measures.list_recent("bam")[0]["created_at"])
    bam = {d.measure: d for d in measures_due(store, stored_at + timedelta(days=6))}[MeasureId.BAM]
    assert not bam.due and bam.next_due == stored_at + timedelta(days=7)
    bam = {d.measure: d for d in measures_due(store, stored_at + timedelta(days=7))}[MeasureId.BAM]
    assert bam.due


def test_a_clinic_interval_in_the_stored_profile_changes_the_schedule(store: Store) -> None:
    store.settings.set(PROFILE_KEY, {"name": "Cedar Hollow",
                                     "measure_interval_days": {"bam": 3, "phq9": 0,
                                                               "gad7": True}})
    # Only valid intervals count; the others keep their defaults.
    assert clinic_interval_days(store) == {MeasureId.BAM: 3}
    complete_measure(store, MeasureId.BAM, bam_answers(), NOW)
    stored_at = datetime.fromisoformat(store.measures.list_recent("bam")[0]["created_at"])
    due = {d.measure: d.due for d in measures_due(store, stored_at + timedelta(days=3))}
    assert due[MeasureId.BAM]


def test_no_profile_field_means_the_default_schedules(store: Store) -> None:
    assert clinic_interval_days(store) == {}
    store.settings.set(PROFILE_KEY, {"name": "Cedar Hollow", "measure_interval_days": "weekly"})
    assert clinic_interval_days(store) == {}


def test_the_clinic_server_stores_measure_results(
        store: Store, clinic_client: ClinicClient, clinic_app: FastAPI, demo: DemoCredentials,
        server_clock: ServerClock) -> None:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    complete_measure(store, MeasureId.BAM, bam_answers(
        drug_days=1, substances={"sedatives": 1}), server_clock.now)
    complete_measure(store, MeasureId.PHQ9, [0] * 9, server_clock.now)
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 0 and store.outbox.parked() == []
    with clinic_app.state.clinic.sessions() as session:
        rows = list(session.scalars(sa.select(ParticipantRecord).where(
            ParticipantRecord.kind == RecordKind.MEASURE_RESULT)))
    by_measure = {row.payload["measure"]: row for row in rows}
    assert set(by_measure) == {"bam", "phq9"}
    assert by_measure["bam"].payload["substances"]["sedatives"] == 1
    assert by_measure["bam"].payload["recall_days"] == 7
    assert by_measure["phq9"].payload["total"] == 0
    assert str(by_measure["bam"].record_id) == store.measures.list_recent("bam")[0]["id"]
