"""Benchmark: sync under a randomised fault schedule, counting lost and doubled records.

Each round the participant writes 0 to 3 check-ins (now and then a safety flag) and the
app syncs once through a network that, per request, may cut the upload, lose the reply
after the server committed, answer 503 or 429, or deliver the request twice
(tests/sync/faults.py). The clock between phone and clinic is skewed by up to a year
either way. After the last round the network heals and the app syncs until its outbox
is empty. Then it counts, against the clinic's database:

    rounds=N acknowledged=A on_server=S duplicates=D lost=L faults=F

A: records the app wrote and the clinic acknowledged (they left the outbox)
S: distinct records the clinic holds; D: extra copies of any of them
L: records the app wrote that the clinic does not hold.   Target (N=1000): D=0, L=0, S=A.

Run: .venv/bin/python bench/sync_faults.py [--rounds 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sync.faults

from tests.sync.faults import Fault, FaultyNetwork

from iop_companion.clinic.api import create_app
from iop_companion.clinic.demo import seed_demo
from iop_companion.clinic.models import ParticipantRecord
from iop_companion.domain.check_in import CheckInDraft
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.safety import raise_safety_flag
from iop_companion.store import KdfParams, Vault
from iop_companion.sync.clinic_client import ClinicClient

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

FAULTS = [Fault.NONE] * 6 + [Fault.CUT_UPLOAD, Fault.CUT_RESPONSE, Fault.SERVER_ERROR,
                             Fault.RATE_LIMITED, Fault.REPLAY]
DRAFT = CheckInDraft(mood=5, craving=3, sleep_hours="6.5", sleep_quality="fair",
                     medications="yes", used_since_last=False, thoughts_of_self_harm=False)


class SkewedClock:
    """The clinic's clock; the phone's wanders up to a year away from it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    dice = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as folder:
        server_clock = SkewedClock()
        app = create_app(f"sqlite:///{Path(folder) / 'clinic.sqlite3'}", clock=server_clock)
        with app.state.clinic.sessions.begin() as session:
            demo = seed_demo(session, server_clock.now)
        store = Vault(Path(folder) / "phone", kdf=KdfParams(n=2**10)).create("482913")
        with TestClient(app, base_url="http://localhost") as server:
            network = FaultyNetwork(server, lambda request: dice.choice(FAULTS))
            with httpx.Client(transport=network) as http:
                phone_offset = timedelta(0)
                link = ClinicLink(ClinicClient("http://localhost", http=http),
                                  clock=lambda: server_clock.now + phone_offset)
                network.schedule = lambda request: Fault.NONE
                assert link.enrol(store, demo.enrolment_code).ok
                network.schedule = lambda request: dice.choice(FAULTS)
                written: set[str] = set()
                for _ in range(args.rounds):
                    phone_offset = timedelta(days=dice.randint(-365, 365))
                    server_clock.now += timedelta(minutes=dice.randint(1, 90))
                    for _ in range(dice.randint(0, 3)):
                        written.add(save_check_in(store, DRAFT)["id"])
                    if dice.random() < 0.02:
                        flag = raise_safety_flag(store, SafetyTrigger.PARTICIPANT_REQUEST,
                                                 server_clock.now + phone_offset)
                        if flag is not None:
                            written.add(str(flag.id))
                    link.sync(store)
                network.schedule = lambda request: Fault.NONE
                for _ in range(100):
                    if (link.sync(store).state is LinkState.UP_TO_DATE
                            and store.outbox.count_pending() == 0):
                        break
        with app.state.clinic.sessions() as session:
            rows = [str(record_id) for record_id in
                    session.scalars(select(ParticipantRecord.record_id))]
        app.state.clinic.engine.dispose()

    parked = Counter(entry["parked_reason"] for entry in store.outbox.parked())
    if parked:
        print("parked:", dict(parked))
    copies = Counter(rows)
    acknowledged = len(written) - store.outbox.count_pending()
    on_server = len(copies)
    duplicates = sum(count - 1 for count in copies.values())
    lost = len(written - set(copies))
    faults = sum(count for fault, count in network.seen.items() if fault is not Fault.NONE)
    print(f"rounds={args.rounds} acknowledged={acknowledged} on_server={on_server} "
          f"duplicates={duplicates} lost={lost} faults={faults}")


if __name__ == "__main__":
    main()
