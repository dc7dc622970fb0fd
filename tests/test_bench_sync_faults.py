"""bench/sync_faults.py: its record-by-record check fails when the clinic's rows are wrong,
and a short run through the faulty network passes it."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "sync_faults.py"
PHONE = "11111111-1111-4111-8111-111111111111"
OTHER_PHONE = "22222222-2222-4222-8222-222222222222"
START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
END = START + timedelta(days=3)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sync_faults_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def scene(bench: ModuleType) -> tuple[dict[Any, Any], list[Any]]:
    """Three versions the phone queued (its clock 200 days ahead) and their rows."""
    queued: dict[Any, Any] = {}
    rows: list[Any] = []
    for n in range(3):
        key = (f"0000000{n}-0000-4000-8000-000000000000", 1)
        written = START + timedelta(hours=n)
        device_time = written + timedelta(days=200)
        queued[key] = bench.Queued("check_in", {"mood": n}, device_time, written)
        rows.append(bench.ServerRow(key[0], 1, PHONE, "check_in", {"mood": n}, device_time,
                                    written + timedelta(minutes=5), 10 + n))
    return queued, rows


def test_rows_that_match_what_the_phone_queued_pass(bench: ModuleType) -> None:
    queued, rows = scene(bench)
    report = bench.verify(queued, [], rows, PHONE, END)
    assert report.violations == []
    assert (report.acknowledged, report.on_server, report.skewed_records) == (3, 3, 3)


def test_each_kind_of_wrong_row_is_a_violation(bench: ModuleType) -> None:
    queued, rows = scene(bench)
    missing = bench.verify(queued, [], rows[1:], PHONE, END)
    assert missing.lost == 1 and "on_server != acknowledged" in missing.violations

    stranger = replace(rows[0], record_id="99999999-9999-4999-8999-999999999999")
    assert bench.verify(queued, [], [*rows, stranger], PHONE, END).strangers == 1
    by_other_phone = [replace(rows[0], device_id=OTHER_PHONE), *rows[1:]]
    assert bench.verify(queued, [], by_other_phone, PHONE, END).strangers == 1

    changed = [replace(rows[0], payload={"mood": 9}), *rows[1:]]
    assert bench.verify(queued, [], changed, PHONE, END).mismatched == 1
    # received_at taken from the phone's clock, not the clinic's: outside the run
    phone_time = [replace(rows[0], received_at=rows[0].device_created_at), *rows[1:]]
    assert bench.verify(queued, [], phone_time, PHONE, END).mismatched == 1
    device_time_lost = [replace(rows[0], device_created_at=START), *rows[1:]]
    assert bench.verify(queued, [], device_time_lost, PHONE, END).mismatched == 1

    still_queued = bench.verify(queued, [next(iter(queued))], rows[1:], PHONE, END)
    assert still_queued.unsent == 1 and still_queued.lost == 0
    assert still_queued.violations == ["unsent"]

    backwards = [replace(rows[0], server_seq=99), *rows[1:]]
    assert bench.verify(queued, [], backwards, PHONE, END).out_of_order == 1

    unskewed_queue = {key: replace(sent, device_time=sent.server_time)
                      for key, sent in queued.items()}
    unskewed_rows = [replace(row, device_created_at=queued[(row.record_id, 1)].server_time)
                     for row in rows]
    unskewed = bench.verify(unskewed_queue, [], unskewed_rows, PHONE, END)
    assert unskewed.skewed_records == 0 and unskewed.violations


def test_a_short_run_through_the_faulty_network_passes(bench: ModuleType) -> None:
    report, faults, parked = bench.run(rounds=12, seed=3)
    assert report.violations == [], report
    assert report.acknowledged > 0 and faults > 0 and parked == {}
