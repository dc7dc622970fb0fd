"""Fixtures for the store tests.

Like TinyDB's own ``tests/conftest.py``, the ``store`` fixture is parametrised over
the storages: every repository test runs against the in-memory storage and against
the encrypted, file-backed one. Tests use a low scrypt N (``LOW_KDF``) for speed;
``test_store_vault.py`` checks the default parameters separately.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from iop_companion.store import Store, Vault
from tests.store.store_testing import LOW_KDF, PIN, REPO_ROOT, FakeBootTimer, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def boot() -> FakeBootTimer:
    """The clock that wrong-PIN waits are measured on (``clock`` is the wall clock)."""
    return FakeBootTimer()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_vault(data_dir: Path, clock: FakeClock, boot: FakeBootTimer) -> Callable[..., Vault]:
    def make(path: Path | None = None, **kwargs: Any) -> Vault:
        kwargs.setdefault("kdf", LOW_KDF)
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("timer", boot)
        return Vault(path or data_dir, **kwargs)

    return make


@pytest.fixture(params=["memory", "encrypted"])
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def opened(storage_kind: str, make_vault: Callable[..., Vault]) -> Iterator[dict[str, Any]]:
    holder: dict[str, Any] = {"kind": storage_kind}
    if storage_kind == "memory":
        holder["store"] = Store.in_memory()
    else:
        holder["vault"] = make_vault()
        holder["store"] = holder["vault"].create(PIN)
    yield holder
    if not holder["store"].is_locked:
        holder["store"].lock()


@pytest.fixture
def store(opened: dict[str, Any]) -> Store:
    return opened["store"]  # type: ignore[no-any-return]


@pytest.fixture
def reopen(opened: dict[str, Any]) -> Callable[[], Store]:
    """Close and reopen the store (encrypted: lock + unlock; memory: same object)."""

    def again() -> Store:
        if opened["kind"] == "encrypted":
            opened["store"].lock()
            opened["store"] = opened["vault"].unlock(PIN)
        return opened["store"]  # type: ignore[no-any-return]

    return again


@pytest.fixture(scope="session")
def crash_harness() -> ModuleType:
    """bench/store_crash.py, shared by the crash tests and the crash benchmark."""
    path = REPO_ROOT / "bench" / "store_crash.py"
    spec = importlib.util.spec_from_file_location("store_crash_harness", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
