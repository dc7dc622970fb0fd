"""Benchmark: saving one check-in as the app does, ours vs. stock TinyDB, as history grows.

What is timed is ``services.check_ins.save_check_in`` for an enrolled participant: the
check-in record and its outbox entry for the clinic, two atomic writes (validation,
the clinic-status check, AES-GCM sealing, temp file + fsync + rename + directory
fsync each). The two stock baselines do the same two inserts (the same documents,
read back from our store) with TinyDB's own ``JSONStorage``, which re-reads and
rewrites its file on each insert and fsyncs it, unencrypted, in place:

* ``stock``: one JSON file holding both tables (TinyDB used as its guide suggests);
* ``week_split_stock``: our layout without encryption or crash safety, one JSON file
  per UTC week of check-ins (Monday's date, as ``store/records.py:week_of``) and one
  file for the outbox queue, as ``store/repositories.py`` partitions them.

All four stores are timed in the same process and the same loop, one save each in
turn, in balanced orders (each store comes right after each other store equally
often), so that drifting disk latency on a shared machine hits all alike, and every
figure has the same sample count. Before each timed save, garbage is collected and
the machine gets 20 ms to settle, both untimed (see ``interleaved_ms``). After each
timed save the outbox entry is acknowledged (untimed; ours: ``outbox.mark_sent``,
stock: the entry is removed), as a sync would, so the queue does not grow with the
sample count.

Prints (milliseconds: medians over ``--samples`` saves):

    ours_1k_ms=                   one save, our store holding 1,000 check-ins
    ours_20k_ms=                  the same holding 20,000
    stock_20k_ms=                 stock TinyDB, one file, holding 20,000
    week_split_stock_20k_ms=      stock TinyDB split by week, holding 20,000
    speedup_vs_stock_20k=         stock_20k / ours_20k                    (target >= 20)
    ours_over_week_split_stock_20k= ours_20k / week_split_stock_20k       (target <= 1.5)
    growth_20k_over_1k=           ours_20k / ours_1k                      (target <= 1.5)
    ours_20k_cpu_ms=              of ours_20k, the CPU time of the saving thread (the
    week_split_stock_20k_cpu_ms=  rest is waiting, mostly for the disk); the same for
                                  week_split_stock. The CPU gap is what encryption and
                                  validation cost; the rest of the wall-time gap is
                                  waiting on the disk (new file, fsync, rename, folder
                                  fsync per write: crash safety)
    store_rss_0_mb=               resident memory the store adds to a fresh process:
    store_rss_20k_mb=             VmRSS (/proc/self/status) after unlocking and loading
                                  Today's data, minus VmRSS just before, in a new
                                  Python process (imports already done), at 0 and at
                                  20,000 check-ins
    open_and_today_20k_ms=        unlock + load Today's data at 20k, KDF excluded (< 200)
    kdf_ms=                       the one-time scrypt at the default N=2^17

Workload, chosen to be unfavourable to the week-partitioned design: check-ins arrive
at a steady ~27 a day (20,000 over two years, which is very heavy use; 1,000 over the
last ~5 weeks), and "now" is a Sunday evening, so the week being written already
holds ~185 records in every store. The write cost depends on that week's size, not
on the history.

Run: .venv/bin/python bench/store.py [--samples 200]   (about 8 minutes at 200 on
the 2-core machine: a stock one-file save takes about 1 s, and its untimed
acknowledgement another rewrite)
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import JSONStorage

from iop_companion.domain.check_in import CheckInDraft
from iop_companion.services.check_ins import OUTBOX_KIND, save_check_in
from iop_companion.services.clinic_link import ENROLMENT_KEY, PROFILE_KEY
from iop_companion.store import DEFAULT_KDF, Store, Vault
from iop_companion.store.records import iso_utc, week_of

NOW = datetime(2025, 3, 30, 18, 0, tzinfo=UTC)  # a Sunday
PER_DAY = 20_000 / 730
PIN = "482913"

NOTES = (
    "Group went okay. Talked about triggers at work and a plan for the weekend.",
    "Slept badly, woke at 4. Cravings in the afternoon, called my sponsor.",
    "Good day. Walked after dinner. Used the urge surfing exercise once.",
    "",
)


def check_in(i: int, created_at: datetime | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "mood": i % 11,
        "craving": (i * 7) % 11,
        "sleep_hours": 5.5 + (i % 6) * 0.5,
        "sleep_quality": ("poor", "fair", "good")[i % 3],
        "medications": ("yes", "no", "not_applicable")[i % 3],
        "used_since_last": i % 17 == 0,
        "substance": "alcohol" if i % 17 == 0 else None,
        "note": NOTES[i % len(NOTES)],
    }
    if created_at is not None:
        record["created_at"] = created_at
    return record


def draft(i: int) -> CheckInDraft:
    """What the check-in screen hands to ``save_check_in`` (never a self-harm "yes":
    that path raises a safety flag first, a third write not measured here)."""
    fields = check_in(i)
    return CheckInDraft(
        mood=fields["mood"], craving=fields["craving"], sleep_hours=str(fields["sleep_hours"]),
        sleep_quality=fields["sleep_quality"], medications=fields["medications"],
        used_since_last=fields["used_since_last"], thoughts_of_self_harm=False,
        substance=fields["substance"] or "", note=fields["note"],
    )


def history(count: int) -> list[dict[str, Any]]:
    """``count`` check-ins at PER_DAY a day, ending just before NOW."""
    step = timedelta(days=1) / PER_DAY
    return [check_in(i, NOW - step * (count - i)) for i in range(count)]


def ticking_clock() -> Callable[[], datetime]:
    counter = itertools.count()
    return lambda: NOW + timedelta(milliseconds=next(counter))


def enrol(store: Store) -> None:
    """What enrolment leaves in settings, so ``save_check_in`` queues for the clinic."""
    store.settings.set(ENROLMENT_KEY, {
        "participant_id": str(uuid.uuid4()), "display_name": "Sam",
        "refresh_token": "r" * 43, "program_start": "2025-01-06", "program_end": None,
        "discharged_on": None, "enrolled_at": "2025-01-06T09:00:00+00:00",
    })
    store.settings.set(PROFILE_KEY, {"timezone": "America/Chicago", "name": "Clinic"})


def filled(root: Path, count: int) -> tuple[Vault, Store]:
    """An enrolled encrypted store (default scrypt) holding ``count`` check-ins."""
    vault = Vault(root / f"ours-{count}", now=ticking_clock())
    store = vault.create(PIN)
    enrol(store)
    if count:
        store.check_ins.add_many(history(count))
    assert store.check_ins.count() == count
    return vault, store


# ------------------------------------------------------------------ the subjects


class Subject:
    """One store under test: ``save(i)`` is timed, ``acknowledge()`` is not."""

    name = ""

    def save(self, i: int) -> None:
        raise NotImplementedError

    def acknowledge(self) -> None:
        raise NotImplementedError


class Ours(Subject):
    def __init__(self, name: str, store: Store) -> None:
        self.name = name
        self.store = store

    def save(self, i: int) -> None:
        save_check_in(self.store, draft(i), NOW)

    def acknowledge(self) -> None:
        # As a sync does once the clinic acknowledged: the queue goes back to empty.
        sent = [entry["id"] for entry in self.store.outbox.pending()]
        assert len(sent) == 1, "save_check_in did not queue exactly one entry"
        self.store.outbox.mark_sent(sent)


def stock_record(i: int, clock: Callable[[], datetime]) -> dict[str, Any]:
    """The same document our store keeps (what ``check_in_record`` and the store add)."""
    stamp = iso_utc(clock())
    fields = check_in(i)
    return {
        **fields, "thoughts_of_self_harm": False, "triggers": [], "warning_signs": [],
        "skills_used": [], "id": str(uuid.uuid4()), "created_at": stamp, "updated_at": stamp,
        "schema_version": 1,
    }


def outbox_entry(record: dict[str, Any], seq: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "kind": OUTBOX_KIND, "record_id": record["id"],
        "payload": record, "priority": 0, "version": 1, "replaces_version": None,
        "seq": seq, "created_at": record["created_at"], "updated_at": record["created_at"],
        "schema_version": 1,
    }


class StockOneFile(Subject):
    """Stock TinyDB as its guide shows it: one ``JSONStorage`` file, two tables."""

    name = "stock"

    def __init__(self, path: Path, docs: list[dict[str, Any]]) -> None:
        self.db = TinyDB(path, storage=JSONStorage)
        self.db.table("check_ins").insert_multiple(docs)
        self.clock = ticking_clock()
        self.seq = itertools.count(1)
        self.queued = 0  # doc_id of the outbox entry waiting for acknowledgement

    def save(self, i: int) -> None:
        record = stock_record(i, self.clock)
        self.db.table("check_ins").insert(record)
        self.queued = self.db.table("outbox").insert(outbox_entry(record, next(self.seq)))

    def acknowledge(self) -> None:
        # remove, not truncate: truncate makes TinyDB re-read the file for the next id
        self.db.table("outbox").remove(doc_ids=[self.queued])


class StockWeekSplit(Subject):
    """Stock ``JSONStorage`` in our layout: one file per UTC week, one for the outbox."""

    name = "week_split_stock"

    def __init__(self, folder: Path, docs: list[dict[str, Any]]) -> None:
        folder.mkdir()
        self.folder = folder
        self.weeks: dict[str, TinyDB] = {}
        by_week: dict[str, list[dict[str, Any]]] = {}
        for doc in docs:
            by_week.setdefault(week_of(doc["created_at"]), []).append(doc)
        for label, batch in by_week.items():
            self.week(label).table("check_ins").insert_multiple(batch)
        self.outbox = TinyDB(folder / "outbox.json", storage=JSONStorage)
        self.clock = ticking_clock()
        self.seq = itertools.count(1)
        self.queued = 0  # doc_id of the outbox entry waiting for acknowledgement

    def week(self, label: str) -> TinyDB:
        if label not in self.weeks:
            self.weeks[label] = TinyDB(self.folder / f"check_ins-{label}.json",
                                       storage=JSONStorage)
        return self.weeks[label]

    def save(self, i: int) -> None:
        record = stock_record(i, self.clock)
        self.week(week_of(record["created_at"])).table("check_ins").insert(record)
        self.queued = self.outbox.table("outbox").insert(outbox_entry(record, next(self.seq)))

    def acknowledge(self) -> None:
        self.outbox.table("outbox").remove(doc_ids=[self.queued])


def balanced_orders(count: int) -> list[list[int]]:
    """A Williams design: ``count`` orders (even ``count``) in which each subject comes
    first, last and right after each other subject equally often, so no store is
    always timed just after stock TinyDB has parsed and rewritten 9 MB."""
    assert count % 2 == 0
    first = [0]
    for step in range(1, count):
        first.append((first[-1] + (step if step % 2 else count - step)) % count)
    return [[(which + shift) % count for which in first] for shift in range(count)]


def interleaved_ms(subjects: list[Subject], samples: int, block: int = 1,
                   settle_s: float = 0.02, warmup: int = 5
                   ) -> dict[str, tuple[float, float]]:
    """Median save time per subject, ``samples`` each: (wall, this thread's CPU) in ms. Each turn saves ``block`` times
    into every store in turn, the stores in the orders of ``balanced_orders``, until
    each has ``samples``: with ``block=1`` the stores alternate save by save, so that
    drifting load on a shared machine hits all alike.

    Before each timed save (untimed): garbage is collected, so no store pays for
    another's allocations, and the machine is left ``settle_s`` to finish what the
    previous save set going (the file system's journal after stock TinyDB's 9 MB
    rewrite, most of all), so a save is not charged for its neighbour's fsyncs.
    """
    times: dict[str, list[float]] = {subject.name: [] for subject in subjects}
    cpu: dict[str, list[float]] = {subject.name: [] for subject in subjects}
    for subject in subjects:  # the first saves after a load warm caches: not counted
        for i in range(-warmup, 0):
            subject.save(i)
            subject.acknowledge()
    orders = balanced_orders(len(subjects))
    done = 0
    for turn in itertools.count():
        if done >= samples:
            break
        size = min(block, samples - done)
        for which in orders[turn % len(orders)]:
            subject = subjects[which]
            for i in range(done, done + size):
                gc.collect()
                time.sleep(settle_s)
                started, cpu_started = time.perf_counter(), time.thread_time()
                subject.save(i)
                cpu_used = time.thread_time() - cpu_started
                elapsed = time.perf_counter() - started
                subject.acknowledge()
                times[subject.name].append(elapsed)
                cpu[subject.name].append(cpu_used)
        done += size
    assert all(len(series) == samples for series in times.values())
    return {name: (statistics.median(series) * 1000, statistics.median(cpu[name]) * 1000)
            for name, series in times.items()}


# ------------------------------------------------------------------ open and memory


def today_reads(store: Store) -> None:
    """What Today loads after the PIN."""
    midnight = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    store.check_ins.list_since(midnight)
    store.schedule.list_between(midnight, midnight + timedelta(days=1))
    store.safety_plan.get()
    store.outbox.count_pending()
    store.settings.get("reminders")
    store.check_ins.list_recent(7)


def open_and_today(vault: Vault, store: Store) -> tuple[float, float]:
    store.schedule.replace_all(
        [
            {
                "id": f"session-{day}",
                "kind": "group",
                "title": "Process group",
                "starts_at": (NOW + timedelta(days=day - 60, hours=-2)).isoformat(),
                "ends_at": (NOW + timedelta(days=day - 60, hours=1)).isoformat(),
                "location": "Room 2",
                "telehealth": False,
                "facilitator": "J. Rivera",
                "status": "scheduled",
            }
            for day in range(120)
        ]
    )
    store.safety_plan.save({"warning_signs": ["Skipping meals"] * 5, "most_important": "Kids"})
    store.settings.set("reminders", {"check_in": ["09:00", "21:00"]})
    for record in store.check_ins.list_recent(25):
        store.outbox.enqueue("check_in", record["id"], record)
    store.lock()
    started = time.perf_counter()
    store = vault.unlock(PIN)
    midnight = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    today = store.check_ins.list_since(midnight)
    sessions = store.schedule.list_between(midnight, midnight + timedelta(days=1))
    store.safety_plan.get()
    store.outbox.count_pending()
    store.settings.get("reminders")
    store.check_ins.list_recent(7)
    total = time.perf_counter() - started
    kdf = vault.last_kdf_seconds or 0.0
    assert today and sessions
    store.lock()
    return (total - kdf) * 1000, kdf * 1000


def resident_kib() -> int:
    """This process's resident set now (Linux), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def measure_rss_here(data_dir: Path) -> None:
    """In a fresh process: the RSS that unlocking and loading Today's data adds."""
    vault = Vault(data_dir)
    gc.collect()
    before = resident_kib()
    store = vault.unlock(PIN)  # the scrypt buffer (128 MiB) is mmap'd and handed back
    today_reads(store)
    gc.collect()
    after = resident_kib()
    records = store.check_ins.count()
    store.lock()
    print(json.dumps({"records": records, "rss_delta_kib": after - before}))


def store_rss_mb(data_dir: Path) -> tuple[int, float]:
    """(records, MB) from a child process started afresh for this one measurement."""
    if not Path("/proc/self/status").exists():
        return -1, float("nan")
    result = subprocess.run(
        [sys.executable, __file__, "--rss-of", str(data_dir)],
        capture_output=True, text=True, check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return int(report["records"]), report["rss_delta_kib"] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="saves timed per store")
    parser.add_argument("--block", type=int, default=1, help="saves per store per turn")
    parser.add_argument("--settle-ms", type=float, default=20.0,
                        help="untimed pause before each timed save")
    parser.add_argument("--rss-of", type=Path, help=argparse.SUPPRESS)  # the child's role
    args = parser.parse_args()
    if args.rss_of is not None:
        measure_rss_here(args.rss_of)
        return
    assert DEFAULT_KDF.n == 2**17
    with tempfile.TemporaryDirectory(prefix="iop-bench-") as tmp:
        root = Path(tmp)
        vault_0, store_0 = filled(root, 0)
        _, store_1k = filled(root, 1_000)
        vault_20k, store_20k = filled(root, 20_000)
        docs = [dict(doc) for doc in store_20k.check_ins.all()]  # the same documents
        store_0.lock()
        store_20k.lock()  # the child process takes the writer lock
        rss_0 = store_rss_mb(vault_0.data_dir)
        rss_20k = store_rss_mb(vault_20k.data_dir)
        assert rss_0[0] in (-1, 0) and rss_20k[0] in (-1, 20_000)
        store_20k = vault_20k.unlock(PIN)
        subjects: list[Subject] = [
            Ours("ours_1k", store_1k),
            Ours("ours_20k", store_20k),
            StockOneFile(root / "stock-20k.json", docs),
            StockWeekSplit(root / "week-split-stock-20k", docs),
        ]
        del docs  # on disk in all three now: not 20,000 live dicts for the GC to walk
        timed = interleaved_ms(subjects, args.samples, args.block, args.settle_ms / 1000)
        ms = {name: wall for name, (wall, _) in timed.items()}
        cpu_ms = {name: used for name, (_, used) in timed.items()}
        store_1k.lock()
        open_today, kdf = open_and_today(vault_20k, store_20k)
    print(f"samples={args.samples} block={args.block} settle_ms={args.settle_ms:g}")
    print(f"ours_1k_ms={ms['ours_1k']:.2f}")
    print(f"ours_20k_ms={ms['ours_20k']:.2f}")
    print(f"stock_20k_ms={ms['stock']:.2f}")
    print(f"week_split_stock_20k_ms={ms['week_split_stock']:.2f}")
    print(f"speedup_vs_stock_20k={ms['stock'] / ms['ours_20k']:.1f}")
    print(f"ours_over_week_split_stock_20k={ms['ours_20k'] / ms['week_split_stock']:.2f}")
    print(f"growth_20k_over_1k={ms['ours_20k'] / ms['ours_1k']:.2f}")
    print(f"ours_20k_cpu_ms={cpu_ms['ours_20k']:.2f}")
    print(f"week_split_stock_20k_cpu_ms={cpu_ms['week_split_stock']:.2f}")
    print(f"store_rss_0_mb={rss_0[1]:.1f}")
    print(f"store_rss_20k_mb={rss_20k[1]:.1f}")
    print(f"open_and_today_20k_ms={open_today:.1f}")
    print(f"kdf_ms={kdf:.0f}")


if __name__ == "__main__":
    main()
