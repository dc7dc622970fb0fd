"""Benchmark: sync under a randomised fault schedule, checked record by record on the server.

Each round the participant writes 0 to 3 check-ins (now and then a safety flag) and the
app syncs once through a network that, per request, may cut the upload, lose the reply
after the server committed, answer 503 or 429, or deliver the request twice
(tests/sync/faults.py). The phone's clock is skewed by up to a year either way from
the clinic's, and it is the phone's one clock: the store stamps the records with it
(their ``created_at``, sent as the device time) and the sync link reads it too. After
the last round the network heals and the app syncs until its outbox is empty.

Then every version the phone queued is looked up in the clinic's database by record id
and version (``verify``), and it prints:

    rounds=N acknowledged=A on_server=S lost=L strangers=X mismatched=M unsent=U
    out_of_order=O skewed_records=K faults=F

A: versions the phone queued that left its outbox (the clinic acknowledged them)
S: rows in the clinic's ``participant_records``
L: acknowledged versions not on the server exactly once (missing, or more than one row)
X: server rows the phone never queued, or written by another device
M: rows that differ from what the phone queued (kind, payload, device time), or whose
   ``received_at`` is not the clinic's time between the write and the end of the run
U: versions still in the phone's outbox after the healed syncs (pending or parked)
O: rows whose ``received_at`` runs backwards in ``server_seq`` order (the clinic orders
   by its own sequence and clock, never the phone's)
K: rows whose device time is over a day from the clinic's receipt time (evidence that
   the skew reached the records)

Exit status 1 on any violation: L, X, M, U or O above 0, S != A, or K = 0.

Run: .venv/bin/python bench/sync_faults.py [--rounds 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sync.faults

from tests.sync.faults import Fault, FaultyNetwork

from iop_companion.clinic.api import create_app
from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID, seed_demo
from iop_companion.clinic.models import Device, ParticipantRecord
from iop_companion.domain.check_in import CheckInDraft
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.safety import raise_safety_flag
from iop_companion.store import KdfParams, Store, Vault
from iop_companion.sync.clinic_client import ClinicClient

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

FAULTS = [Fault.NONE] * 6 + [Fault.CUT_UPLOAD, Fault.CUT_RESPONSE, Fault.SERVER_ERROR,
                             Fault.RATE_LIMITED, Fault.REPLAY]
DRAFT = CheckInDraft(mood=5, craving=3, sleep_hours="6.5", sleep_quality="fair",
                     medications="yes", used_since_last=False, thoughts_of_self_harm=False)
SKEW_EVIDENCE = timedelta(days=1)

Key = tuple[str, int]  # (record id, version)


class ServerClock:
    """The clinic's clock: it only moves forward."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class PhoneClock:
    """The phone's clock: the clinic's plus an offset that wanders up to a year away.
    The store stamps records with it and the sync link reads it: one clock, as on a phone."""

    def __init__(self, server: ServerClock) -> None:
        self.server = server
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.server.now + self.offset


@dataclass(frozen=True)
class Queued:
    """One version the phone queued for the clinic, and the clinic's time then."""

    kind: str
    payload: dict[str, Any]
    device_time: datetime
    server_time: datetime


@dataclass(frozen=True)
class ServerRow:
    record_id: str
    version: int
    device_id: str | None
    kind: str
    payload: dict[str, Any]
    device_created_at: datetime
    received_at: datetime
    server_seq: int


@dataclass(frozen=True)
class Report:
    acknowledged: int
    on_server: int
    lost: int
    strangers: int
    mismatched: int
    unsent: int
    out_of_order: int
    skewed_records: int

    @property
    def violations(self) -> list[str]:
        found = [name for name in ("lost", "strangers", "mismatched", "unsent", "out_of_order")
                 if getattr(self, name)]
        if self.on_server != self.acknowledged:
            found.append("on_server != acknowledged")
        if self.acknowledged and not self.skewed_records:
            found.append("no record carries the phone's skewed time")
        return found


def _time(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC)


def verify(queued: dict[Key, Queued], unsent: Iterable[Key], rows: list[ServerRow],
           phone_device: str, end: datetime) -> Report:
    """Hold the clinic's rows against what the phone queued and what it still holds."""
    left = set(unsent)
    acknowledged = set(queued) - left
    copies = Counter((row.record_id, row.version) for row in rows)
    lost = sum(1 for key in acknowledged if copies[key] != 1)
    strangers = sum(1 for row in rows
                    if (row.record_id, row.version) not in queued or row.device_id != phone_device)
    mismatched = skewed = 0
    for row in rows:
        sent = queued.get((row.record_id, row.version))
        if sent is None:
            continue
        if (row.kind != sent.kind or row.payload != sent.payload
                or _time(row.device_created_at) != sent.device_time
                or not sent.server_time <= _time(row.received_at) <= end):
            mismatched += 1
        if abs(_time(row.device_created_at) - _time(row.received_at)) > SKEW_EVIDENCE:
            skewed += 1
    in_order = sorted(rows, key=lambda row: row.server_seq)
    out_of_order = sum(1 for before, after in itertools.pairwise(in_order)
                       if _time(after.received_at) < _time(before.received_at))
    return Report(acknowledged=len(acknowledged), on_server=len(rows), lost=lost,
                  strangers=strangers, mismatched=mismatched, unsent=len(left),
                  out_of_order=out_of_order, skewed_records=skewed)


def _queue(store: Store) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in store.outbox.queued()}


def run(rounds: int, seed: int) -> tuple[Report, int, dict[str, int]]:
    """(the report, faults injected, parked reasons) of one run."""
    dice = random.Random(seed)
    queued: dict[Key, Queued] = {}
    with tempfile.TemporaryDirectory() as folder:
        server_clock = ServerClock()
        phone_clock = PhoneClock(server_clock)
        app = create_app(f"sqlite:///{Path(folder) / 'clinic.sqlite3'}", clock=server_clock)
        with app.state.clinic.sessions.begin() as session:
            demo = seed_demo(session, server_clock.now)
        store = Vault(Path(folder) / "phone", kdf=KdfParams(n=2**10),
                      now=phone_clock).create("482913")
        with TestClient(app, base_url="http://localhost") as server:
            network = FaultyNetwork(server, lambda request: dice.choice(FAULTS))
            with httpx.Client(transport=network) as http:
                link = ClinicLink(ClinicClient("http://localhost", http=http), clock=phone_clock)
                network.schedule = lambda request: Fault.NONE
                assert link.enrol(store, demo.enrolment_code).ok
                network.schedule = lambda request: dice.choice(FAULTS)
                for _ in range(rounds):
                    phone_clock.offset = timedelta(days=dice.randint(-365, 365))
                    server_clock.now += timedelta(minutes=dice.randint(1, 90))
                    before = _queue(store)
                    for _ in range(dice.randint(0, 3)):
                        save_check_in(store, DRAFT, phone_clock())
                    if dice.random() < 0.02:
                        raise_safety_flag(store, SafetyTrigger.PARTICIPANT_REQUEST, phone_clock())
                    for entry_id, entry in _queue(store).items():
                        if entry_id not in before:
                            queued[(entry["record_id"], int(entry["version"]))] = Queued(
                                entry["kind"], entry["payload"], _time(entry["created_at"]),
                                server_clock.now)
                    link.sync(store)
                network.schedule = lambda request: Fault.NONE
                for _ in range(100):
                    if (link.sync(store).state is LinkState.UP_TO_DATE
                            and store.outbox.count_pending() == 0):
                        break
        with app.state.clinic.sessions() as session:
            devices = list(session.scalars(
                select(Device.id).where(Device.participant_id == DEMO_PARTICIPANT_ID)))
            assert len(devices) == 1, "the demo participant should have one enrolled phone"
            rows = [ServerRow(str(row.record_id), row.version,
                              None if row.device_id is None else str(row.device_id),
                              str(row.kind.value), dict(row.payload), row.device_created_at,
                              row.received_at, row.server_seq)
                    for row in session.scalars(select(ParticipantRecord))]
        app.state.clinic.engine.dispose()
        unsent = [(entry["record_id"], int(entry["version"])) for entry in store.outbox.queued()]
        parked = Counter(str(entry["parked_reason"]) for entry in store.outbox.parked())
        report = verify(queued, unsent, rows, str(devices[0]), server_clock.now)
        store.lock()
    faults = sum(count for fault, count in network.seen.items() if fault is not Fault.NONE)
    return report, faults, dict(parked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    report, faults, parked = run(args.rounds, args.seed)
    if parked:
        print("parked:", parked)
    print(f"rounds={args.rounds} acknowledged={report.acknowledged} "
          f"on_server={report.on_server} lost={report.lost} strangers={report.strangers} "
          f"mismatched={report.mismatched} unsent={report.unsent} "
          f"out_of_order={report.out_of_order} skewed_records={report.skewed_records} "
          f"faults={faults}")
    if report.violations:
        print("VIOLATIONS:", ", ".join(report.violations), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

