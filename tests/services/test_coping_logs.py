"""Coping-skill logs, app side: a log is kept encrypted on the phone and queued only while
the clinic receives data; an edit is a new version; one diary card per day; a self-harm
urge raises the safety flag once, before the card; delete leaves a tombstone (sent as a
`deleted` version only if the clinic ever had the log) and undo puts the log back; a
draft survives the app process being killed. Against the real clinic server
(in-process), the logs reach the clinic and the clinician reads them back, deleted ones
left out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.models import Device, ParticipantRecord
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.coping_logs import (
    DIARY_CARD,
    THOUGHT_RECORD,
    URGE_LOG,
    LogNotValid,
    delete_log,
    finish_draft,
    keep_draft,
    logs,
    patterns,
    resume_draft,
    save_diary_card,
    save_thought_record,
    save_urge_log,
    undo_delete,
)
from iop_companion.services.errors import SaveFailed
from iop_companion.services.safety import FlagReach, SafetyFlagOutcome
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol.push import RecordKind, payload_problem
from tests.domain.test_coping_logs import card, thought, urge, urge_log
from tests.services.conftest import FAST_KDF
from tests.services.test_homework import connect
from tests.sync.sync_testing import ServerClock

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

NOW = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")
PIN = "482913"


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create(PIN)


def queued(store: Store) -> list[tuple[str, str, int, int | None]]:
    return [(e["kind"], e["record_id"], e["version"], e["replaces_version"])
            for e in store.outbox.pending()]


# --------------------------------------------------------------------------- on the phone


def test_without_a_clinic_logs_stay_on_the_phone(store: Store) -> None:
    saved = save_diary_card(store, card(), NOW)
    save_thought_record(store, thought(), NOW)
    save_urge_log(store, urge_log(), NOW)
    assert store.outbox.pending() == []
    assert logs(store, DIARY_CARD) == [saved]
    assert len(logs(store, THOUGHT_RECORD)) == len(logs(store, URGE_LOG)) == 1


def test_in_care_each_save_is_queued_and_an_edit_is_a_new_version(store: Store) -> None:
    connect(store)
    first = save_urge_log(store, urge_log(), NOW)
    save_urge_log(store, urge_log(), NOW, record_id=first["id"])  # unchanged: nothing new
    edited = save_urge_log(store, urge_log(intensity_after=1), NOW, record_id=first["id"])
    assert edited["id"] == first["id"] and edited["intensity_after"] == 1
    assert queued(store) == [(URGE_LOG, first["id"], 1, None), (URGE_LOG, first["id"], 2, 1)]
    for entry in store.outbox.pending():  # what is queued is what the clinic accepts
        assert payload_problem(RecordKind.URGE_LOG, entry["payload"]) is None


def test_one_diary_card_per_day_a_second_save_edits_it(store: Store) -> None:
    connect(store)
    first = save_diary_card(store, card(note="morning"), NOW)
    again = save_diary_card(store, card(note="evening"), NOW)
    other_day = save_diary_card(store, card(day="2026-11-24"), NOW)
    assert again["id"] == first["id"] != other_day["id"]
    assert [c["note"] for c in logs(store, DIARY_CARD)] == ["evening", card()["note"]]
    assert [(kind, version) for kind, _, version, _ in queued(store)] == [
        (DIARY_CARD, 1), (DIARY_CARD, 2), (DIARY_CARD, 1)]


def test_a_bad_log_is_refused_with_a_message_per_field_and_nothing_kept(store: Store) -> None:
    with pytest.raises(LogNotValid) as refused:
        save_urge_log(store, urge_log(intensity=11, lasted_minutes=-1), NOW)
    assert refused.value.problems == {
        "intensity": "must be a whole number from 0 to 10",
        "lasted_minutes": "must be a whole number of minutes from 0 to 1440"}
    assert isinstance(refused.value, SaveFailed)
    with pytest.raises(LogNotValid):
        save_diary_card(store, card(emotions={"guilt": 2}), NOW)  # not on this card
    save_diary_card(store, card(emotions={"guilt": 2}), NOW, emotions=("guilt",))
    assert logs(store, URGE_LOG) == []


def test_a_self_harm_urge_raises_the_safety_flag_once_before_the_card(store: Store) -> None:
    connect(store)
    raised: list[SafetyTrigger] = []

    def raise_flag(trigger: SafetyTrigger) -> SafetyFlagOutcome:
        raised.append(trigger)
        assert logs(store, DIARY_CARD) == []  # the flag comes first
        return SafetyFlagOutcome(FlagReach.QUEUED, str(uuid.uuid4()), trigger)

    save_diary_card(store, card(urges=urge("self_harm", 2)), NOW, raise_flag=raise_flag)
    assert raised == [SafetyTrigger.DIARY_CARD_SELF_HARM]
    save_diary_card(store, card(urges=urge("self_harm", 3)), NOW, raise_flag=raise_flag)
    assert len(raised) == 1  # the same card already raised it
    save_diary_card(store, card(day="2026-11-24", urges=urge("suicide", 1)), NOW,
                    flag_raised=True, raise_flag=raise_flag)
    assert len(raised) == 1  # the form raised it the moment it was chosen

    # Without a desk, the flag is queued to the clinic ahead of the card.
    save_diary_card(store, card(day="2026-11-23", urges=urge("suicide", 1)), NOW)
    kinds = [e["kind"] for e in store.outbox.pending()]
    assert "safety_flag" in kinds
    flag = next(e for e in store.outbox.pending() if e["kind"] == "safety_flag")
    assert flag["payload"] == {"trigger": "diary_card_self_harm"}


def test_no_card_saying_self_harm_exists_without_its_flag(store: Store) -> None:
    def refused(trigger: SafetyTrigger) -> SafetyFlagOutcome:
        return SafetyFlagOutcome(FlagReach.NOT_SAVED, None, trigger)

    with pytest.raises(SaveFailed):
        save_diary_card(store, card(urges=urge("self_harm", 1)), NOW, raise_flag=refused)
    assert logs(store, DIARY_CARD) == []


def test_delete_with_undo_sends_a_tombstone_only_if_the_clinic_had_the_log(
        store: Store) -> None:
    kept_here = save_thought_record(store, thought(), NOW)  # before the clinic
    connect(store)
    sent = save_thought_record(store, thought(situation="At the meeting"), NOW)

    gone = delete_log(store, THOUGHT_RECORD, kept_here["id"], NOW)
    gone_sent = delete_log(store, THOUGHT_RECORD, sent["id"], NOW)
    assert logs(store, THOUGHT_RECORD) == []
    assert store.thought_records.get(sent["id"])["deleted"] is True
    assert "At the meeting" not in str(store.thought_records.get(sent["id"]))
    assert queued(store) == [(THOUGHT_RECORD, sent["id"], 1, None),
                             (THOUGHT_RECORD, sent["id"], 2, 1)]
    tombstone = store.outbox.pending()[1]["payload"]
    assert tombstone["deleted"] is True and "situation" not in tombstone
    assert payload_problem(RecordKind.THOUGHT_RECORD, tombstone) is None
    with pytest.raises(SaveFailed):
        delete_log(store, THOUGHT_RECORD, sent["id"], NOW)  # already gone

    back = undo_delete(store, gone_sent, NOW)
    assert back["situation"] == "At the meeting" and back["id"] == sent["id"]
    assert undo_delete(store, gone_sent, NOW) == back  # undone twice: once
    undo_delete(store, gone, NOW)
    assert len(logs(store, THOUGHT_RECORD)) == 2
    assert queued(store)[-1] == (THOUGHT_RECORD, sent["id"], 3, 2)
    assert len(queued(store)) == 3  # the log the clinic never had: nothing to tell


def test_undoing_a_deleted_diary_card_never_overwrites_a_new_card_of_that_day(
        store: Store) -> None:
    first = save_diary_card(store, card(note="first"), NOW)
    gone = delete_log(store, DIARY_CARD, first["id"], NOW)
    save_diary_card(store, card(note="second"), NOW)
    with pytest.raises(SaveFailed):
        undo_delete(store, gone, NOW)
    assert [c["note"] for c in logs(store, DIARY_CARD)] == ["second"]


def test_logs_are_kept_encrypted(store: Store, tmp_path: Path) -> None:
    save_thought_record(store, thought(situation="MARKER-situation-8817"), NOW)
    keep_draft(store, URGE_LOG, {"what_i_did": "MARKER-draft-8817"}, NOW)
    for path in (tmp_path / "store").rglob("*"):
        if path.is_file():
            assert b"MARKER" not in path.read_bytes()


def test_a_draft_is_kept_resumed_and_finished(store: Store) -> None:
    assert resume_draft(store, THOUGHT_RECORD) is None
    assert keep_draft(store, THOUGHT_RECORD, {"situation": "half"}, NOW, record_id=None)
    draft = resume_draft(store, THOUGHT_RECORD)
    assert draft is not None and draft.content == {"situation": "half"}
    assert draft.kept_at == NOW and draft.record_id is None
    finish_draft(store, THOUGHT_RECORD)
    assert resume_draft(store, THOUGHT_RECORD) is None


_CHILD = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from iop_companion.services.coping_logs import keep_draft
    from iop_companion.store import KdfParams, Vault

    store = Vault(Path(sys.argv[1]), kdf=KdfParams(n=2**10)).unlock(sys.argv[2])
    typed = ""
    for letter in range(100_000):
        typed += "abcdefghij"[letter % 10]
        keep_draft(store, "thought_record",
                   {"situation": "At the bus stop", "automatic_thought": typed},
                   datetime.now(UTC))
        print(len(typed), flush=True)  # this much is acknowledged as kept
""")


def test_a_draft_survives_the_app_process_being_killed_mid_entry(vault: Vault,
                                                                 tmp_path: Path) -> None:
    assert FAST_KDF.n == 2**10  # the child opens the vault with the same cost
    vault.create(PIN).lock()
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(tmp_path / "store"), PIN],
                             stdout=subprocess.PIPE, text=True, cwd=Path.cwd(),
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert child.stdout is not None
    acknowledged = 0
    try:
        while acknowledged < 25:  # the person has typed 25 letters
            line = child.stdout.readline()
            assert line, "the child stopped before it was killed"
            acknowledged = int(line)
        os.kill(child.pid, signal.SIGKILL)  # mid-entry: it was writing the next one
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL

    store = Vault(tmp_path / "store", kdf=FAST_KDF).unlock(PIN)
    draft = resume_draft(store, THOUGHT_RECORD)
    assert draft is not None and draft.content["situation"] == "At the bus stop"
    # Nothing acknowledged is lost (the write in progress may or may not have landed).
    assert len(draft.content["automatic_thought"]) >= acknowledged


def test_patterns_show_charts_skills_and_triggers(store: Store) -> None:
    today = NOW.astimezone(CHICAGO)
    save_urge_log(store, urge_log(occurred_at=today.isoformat(), intensity=6), NOW)
    save_urge_log(store, urge_log(occurred_at=(today - timedelta(days=8)).isoformat(),
                                  intensity=8), NOW)
    save_diary_card(store, card(day=today.date().isoformat()), NOW)
    found = patterns(store, NOW, CHICAGO, 7)
    assert found.charts["urge"].points[-1] == (today.date(), 6.0)
    assert found.charts["urge"].summary.key == "coping.chart.summary.down"
    assert found.charts["mood"].summary.key == "coping.chart.summary.none"
    assert found.skills[0].skill_id == "tipp"  # the card's 4 and the log's
    assert [(t.trigger, t.count) for t in found.triggers] == [("places", 1)]


# ------------------------------------------------------- round trip with the real clinic


@pytest.fixture
def link(store: Store, clinic_client: ClinicClient, demo: DemoCredentials,
         server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


@pytest.fixture
def clinician_http(link: ClinicLink, clinic_app: FastAPI,
                   demo: DemoCredentials) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    with clinic_app.state.clinic.sessions() as session:
        [participant_id] = session.scalars(select(Device.participant_id)).all()
    with TestClient(clinic_app, base_url="http://localhost") as http:
        signed_in = http.post("/api/v1/clinician/sessions",
                              json={"email": demo.clinician_email,
                                    "password": demo.clinician_password})
        assert signed_in.status_code == 201, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        yield http, headers, f"/api/v1/clinician/participants/{participant_id}"


def test_logs_round_trip_with_the_real_clinic(
        store: Store, link: ClinicLink, clinic_app: FastAPI, server_clock: ServerClock,
        clinician_http: tuple[TestClient, dict[str, str], str]) -> None:
    now = server_clock.now
    day = now.astimezone(CHICAGO).date().isoformat()
    when = now.astimezone(CHICAGO).isoformat()
    diary = save_diary_card(store, card(day=day), now)
    record = save_thought_record(store, thought(occurred_at=when), now)
    urge_entry = save_urge_log(store, urge_log(occurred_at=when), now)
    assert link.sync(store).state is LinkState.UP_TO_DATE
    save_urge_log(store, urge_log(occurred_at=when, intensity_after=0), now,
                  record_id=urge_entry["id"])
    delete_log(store, THOUGHT_RECORD, record["id"], now)
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.count_pending() == 0

    with clinic_app.state.clinic.sessions() as session:
        rows = session.scalars(select(ParticipantRecord).order_by(
            ParticipantRecord.server_seq)).all()
        versions = [(row.kind, str(row.record_id), row.version) for row in rows
                    if row.kind in (RecordKind.DIARY_CARD, RecordKind.THOUGHT_RECORD,
                                    RecordKind.URGE_LOG)]
    assert versions == [(RecordKind.DIARY_CARD, diary["id"], 1),
                        (RecordKind.THOUGHT_RECORD, record["id"], 1),
                        (RecordKind.URGE_LOG, urge_entry["id"], 1),
                        (RecordKind.URGE_LOG, urge_entry["id"], 2),
                        (RecordKind.THOUGHT_RECORD, record["id"], 2)]

    http, headers, base = clinician_http
    seen: dict[str, Any] = {}
    for path in ("diary-cards", "thought-records", "urge-logs"):
        response = http.get(f"{base}/{path}", headers=headers)
        assert response.status_code == 200, response.text
        seen[path] = response.json()
    [diary_seen] = seen["diary-cards"]["logs"]
    assert diary_seen["content"]["urges"] == card()["urges"]
    assert seen["thought-records"] == {"logs": [], "next": None}  # deleted on the phone
    [urge_seen] = seen["urge-logs"]["logs"]
    assert (urge_seen["version"], urge_seen["content"]["intensity_after"]) == (2, 0)
