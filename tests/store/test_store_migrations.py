"""Versioned migrations run on open: once per record, resumable, never downgrading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from iop_companion.store import MigrationPlan, NewerVersion, Store, Vault
from iop_companion.store.records import SCHEMA_VERSIONS
from iop_companion.store.storage import MemoryBackend, PartitionBackend
from tests.store.store_testing import PIN, at, check_in


def v2_plan(calls: list[str], fail_after: int | None = None) -> MigrationPlan:
    def add_energy(doc: dict[str, Any]) -> dict[str, Any]:
        if fail_after is not None and len(calls) >= fail_after:
            raise RuntimeError("simulated crash in the middle of a migration")
        calls.append(doc["id"])
        return {**doc, "energy": None, "applied": doc.get("applied", 0) + 1}

    return MigrationPlan(
        versions={**SCHEMA_VERSIONS, "check_ins": 2}, steps={("check_ins", 1): add_energy}
    )


@pytest.fixture(params=["memory", "encrypted"])
def opener(
    request: pytest.FixtureRequest, make_vault: Callable[..., Vault]
) -> Callable[[MigrationPlan | None], Store]:
    """Opens the same store again with a given migration plan."""
    backend: PartitionBackend = MemoryBackend()

    def open_with(plan: MigrationPlan | None) -> Store:
        if request.param == "memory":
            return Store(backend, migrations=plan)
        vault = make_vault(migrations=plan)
        return vault.unlock(PIN) if vault.is_set_up() else vault.create(PIN)

    return open_with


def _fill(store: Store) -> list[str]:
    return [store.check_ins.add(check_in(created_at=at(day)))["id"] for day in range(0, 40, 4)]


def test_migration_upgrades_every_record_once(
    opener: Callable[[MigrationPlan | None], Store],
) -> None:
    store = opener(None)
    ids = _fill(store)
    _close(store)
    calls: list[str] = []
    store = opener(v2_plan(calls))
    records = {r["id"]: r for r in store.check_ins.list_recent(100)}
    assert set(records) == set(ids) and sorted(calls) == sorted(ids)
    assert all(r["schema_version"] == 2 and r["energy"] is None for r in records.values())
    _close(store)
    store = opener(v2_plan(calls))  # next open: the recorded version skips the scan
    assert len(calls) == len(ids)
    _close(store)


def test_interrupted_migration_resumes_without_repeating(
    opener: Callable[[MigrationPlan | None], Store],
) -> None:
    store = opener(None)
    ids = _fill(store)
    _close(store)
    calls: list[str] = []
    with pytest.raises(RuntimeError):
        opener(v2_plan(calls, fail_after=4))  # dies part-way through
    store = opener(v2_plan(calls))
    records = store.check_ins.list_recent(100)
    assert len(records) == len(ids)
    assert all(r["applied"] == 1 and r["schema_version"] == 2 for r in records)
    _close(store)


def test_data_from_a_newer_app_version_is_refused(
    opener: Callable[[MigrationPlan | None], Store],
) -> None:
    store = opener(v2_plan([]))
    _fill(store)
    _close(store)
    with pytest.raises(NewerVersion, match="newer version"):
        opener(None)


def test_a_plan_with_a_gap_is_rejected() -> None:
    with pytest.raises(ValueError):
        MigrationPlan(versions={**SCHEMA_VERSIONS, "check_ins": 3}, steps={("check_ins", 1): dict})


def _close(store: Store) -> None:
    # Encrypted stores release the writer lock; memory stores keep their backend
    # (closing it would discard the data the next open must see).
    if store._state.quarantine is not None or store._state.data_dir is not None:
        store.lock()
