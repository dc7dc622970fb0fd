"""Marker test (S1/S6): what a person types never appears in a file, a name or a log.

Markers go through every repository, an encrypted export, a PIN change and a
quarantine; then every file under the data folder is searched for each marker raw,
in UTF-16, in base64 (all three alignments) and in hex. Zero hits allowed.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from iop_companion.store import Preferences, StoreError, Vault
from tests.store.store_testing import PIN, at, check_in

MARKERS = {
    "note": "MRKnote-q8Zt3",
    "substance": "MRKsubst-Vy71",
    "plan": "MRKplan-Lk02",
    "most_important": "MRKimportant-Hh5",
    "setting": "MRKsetting-Pq4",
    "payload": "MRKpayload-Xw9",
    "session": "MRKsession-Tz6",
    "refused": "MRKrefused-Bn3",
}


def encodings(marker: str) -> list[bytes]:
    raw = marker.encode("utf-8")
    found = [raw, marker.encode("utf-16-le"), marker.encode("utf-16-be")]
    found += [raw.hex().encode(), raw.hex().upper().encode()]
    for shift in range(3):
        # base64 of the marker at each alignment; drop the edge characters that
        # depend on neighbouring bytes.
        encoded = base64.b64encode(b"\0" * shift + raw)
        core = encoded[4 if shift else 0 : -4]
        found += [core, core.replace(b"+", b"-").replace(b"/", b"_")]
    return [item for item in found if len(item) >= 8]


def hits(root: Path) -> list[tuple[str, str]]:
    found = []
    for path in root.rglob("*"):
        for marker in MARKERS.values():
            if any(e in str(path).encode() for e in encodings(marker)):
                found.append((str(path), marker))
        if path.is_file():
            data = path.read_bytes()
            for marker in MARKERS.values():
                if any(e in data for e in encodings(marker)):
                    found.append((str(path), marker))
    return found


def test_no_marker_in_any_file_name_or_log(
    make_vault: Callable[..., Vault],
    data_dir: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    vault = make_vault()
    store = vault.create(PIN)
    for day in range(0, 60, 3):  # many partitions, not just one
        record = store.check_ins.add(
            check_in(
                created_at=at(day),
                note=f"{MARKERS['note']} day {day}",
                used_since_last=True,
                substance=MARKERS["substance"],
            )
        )
        store.outbox.enqueue("check_in", record["id"], {"text": MARKERS["payload"]})
    store.safety_plan.save(
        {"warning_signs": [MARKERS["plan"]] * 3, "most_important": MARKERS["most_important"]}
    )
    store.settings.set("draft.check_in", {"note": MARKERS["setting"]})
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)
    store.schedule.replace_all(
        [
            {
                "id": "s1",
                "kind": "individual",
                "title": MARKERS["session"],
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=1)).isoformat(),
                "location": MARKERS["session"],
                "note": MARKERS["session"],
            }
        ]
    )
    with pytest.raises(StoreError) as refused:
        store.check_ins.add(check_in(note=MARKERS["refused"] * 500))
    assert MARKERS["refused"] not in str(refused.value)
    exported = store.export_files(vault.exports_dir)  # encrypted by default
    assert MARKERS["note"].encode() in store.read_export(exported[0])
    sent = [entry["id"] for entry in store.outbox.pending(limit=5)]
    store.outbox.mark_sent(sent)
    vault.change_pin(PIN, "573918")
    store.lock()
    # A damaged file is quarantined (and its note written) before the search.
    victim = next((data_dir / "data").iterdir())
    victim.write_bytes(victim.read_bytes()[:-3])
    store = vault.unlock("573918")
    assert store.quarantine_reports()
    store.lock()
    Preferences(data_dir).set("theme", "dark")

    assert hits(data_dir) == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # the store does log (events and counts) ...
    assert not any(marker in logged for marker in MARKERS.values())  # ... never content


def test_the_search_would_find_a_plaintext_marker(store_dir_for_control: Path) -> None:
    """Control: the detector finds markers in each encoding (so zero hits means something)."""
    for index, encode in enumerate(
        [
            lambda m: m.encode(),
            lambda m: m.encode("utf-16-le"),
            lambda m: b"xy" + base64.b64encode(b"1" + m.encode() + b"22"),
            lambda m: m.encode().hex().encode(),
        ]
    ):
        path = store_dir_for_control / f"leak{index}.bin"
        path.write_bytes(b"prefix " + encode(MARKERS["note"]) + b" suffix")
        assert hits(store_dir_for_control) == [(str(path), MARKERS["note"])]
        path.unlink()


def test_plain_export_is_refused_inside_the_data_folder(
    make_vault: Callable[..., Vault], data_dir: Path, tmp_path: Path
) -> None:
    vault = make_vault()
    store = vault.create(PIN)
    store.check_ins.add(check_in(note=MARKERS["note"]))
    with pytest.raises(StoreError):
        store.export_files(data_dir / "exports", encrypted=False)
    chosen = tmp_path / "chosen-by-person"
    written = store.export_files(chosen, encrypted=False)  # an explicit choice elsewhere
    assert all(MARKERS["note"].encode() in path.read_bytes() for path in written)
    store.lock()
    assert hits(data_dir) == []


@pytest.fixture
def store_dir_for_control(tmp_path: Path) -> Path:
    path = tmp_path / "control"
    path.mkdir()
    return path
