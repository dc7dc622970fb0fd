"""Benchmark: the cost of one check-in write as history grows, ours vs. stock TinyDB.

Prints (milliseconds, medians over many inserts; the two encrypted stores are timed
in turn so that drifting fsync latency hits both alike):

    ours_1k_ms=            one insert, encrypted store holding 1,000 check-ins
    ours_20k_ms=           the same holding 20,000
    stock_20k_ms=          stock TinyDB JSONStorage (no encryption) holding 20,000
    speedup_vs_stock_20k=  stock_20k / ours_20k            (target >= 20)
    growth_20k_over_1k=    ours_20k / ours_1k              (target <= 2)
    open_and_today_20k_ms= unlock + load Today's data at 20k, KDF excluded (< 200)
    kdf_ms=                the one-time scrypt at the default N=2^17

Workload, chosen to be unfavourable to the week-partitioned design: check-ins arrive
at a steady ~27 a day (20,000 over two years, which is very heavy use; 1,000 over the
last ~5 weeks), and "now" is a Sunday evening, so the week being written already
holds ~185 records in both stores. The write cost depends on that week's size, not
on the history.

Run: .venv/bin/python bench/store.py [--samples 200]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import JSONStorage

from iop_companion.store import DEFAULT_KDF, Store, Vault

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


def history(count: int) -> list[dict[str, Any]]:
    """``count`` check-ins at PER_DAY a day, ending just before NOW."""
    step = timedelta(days=1) / PER_DAY
    return [check_in(i, NOW - step * (count - i)) for i in range(count)]


def ticking_clock() -> Callable[[], datetime]:
    counter = itertools.count()
    return lambda: NOW + timedelta(milliseconds=next(counter))


def median_ms(action: Callable[[int], Any], samples: int) -> float:
    times = []
    for i in range(samples):
        started = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def filled(root: Path, count: int) -> tuple[Vault, Store]:
    """An encrypted store (default scrypt) holding ``count`` check-ins."""
    vault = Vault(root / f"ours-{count}", now=ticking_clock())
    store = vault.create(PIN)
    store.check_ins.add_many(history(count))
    assert store.check_ins.count() == count
    for i in range(10):  # warm-up: the first write after a load, interpreter caches
        store.check_ins.add(check_in(i))
    return vault, store


def interleaved_ms(stores: list[Store], samples: int) -> list[float]:
    """Median insert time per store, timing the stores in turn so that both see the
    same disk conditions (fsync latency drifts on a shared machine)."""
    times: list[list[float]] = [[] for _ in stores]
    for i in range(samples):
        order = range(len(stores)) if i % 2 else reversed(range(len(stores)))
        for which in order:
            started = time.perf_counter()
            stores[which].check_ins.add(check_in(i))
            times[which].append(time.perf_counter() - started)
    return [statistics.median(series) * 1000 for series in times]


def stock(root: Path, count: int, samples: int) -> float:
    db = TinyDB(root / f"stock-{count}.json", storage=JSONStorage)
    rows = []
    for record in history(count):
        record["created_at"] = record["created_at"].isoformat()
        rows.append(record)
    db.insert_multiple(rows)
    ms = median_ms(lambda i: db.insert(dict(check_in(i), created_at=NOW.isoformat())), samples)
    db.close()
    return ms


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="inserts timed per store")
    parser.add_argument("--stock-samples", type=int, default=15)
    args = parser.parse_args()
    assert DEFAULT_KDF.n == 2**17
    with tempfile.TemporaryDirectory(prefix="iop-bench-") as tmp:
        root = Path(tmp)
        _, store_1k = filled(root, 1_000)
        vault_20k, store_20k = filled(root, 20_000)
        ours_1k, ours_20k = interleaved_ms([store_1k, store_20k], args.samples)
        store_1k.lock()
        stock_20k = stock(root, 20_000, args.stock_samples)
        open_today, kdf = open_and_today(vault_20k, store_20k)
    print(f"ours_1k_ms={ours_1k:.2f}")
    print(f"ours_20k_ms={ours_20k:.2f}")
    print(f"stock_20k_ms={stock_20k:.2f}")
    print(f"speedup_vs_stock_20k={stock_20k / ours_20k:.1f}")
    print(f"growth_20k_over_1k={ours_20k / ours_1k:.2f}")
    print(f"open_and_today_20k_ms={open_today:.1f}")
    print(f"kdf_ms={kdf:.0f}")


if __name__ == "__main__":
    main()
