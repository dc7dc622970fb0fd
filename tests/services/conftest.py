"""Fixtures for the application services: a real encrypted store (fast KDF) and,
reused from tests/sync, a real clinic server in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from iop_companion.store import KdfParams, Vault
from tests.sync.conftest import clinic_app, clinic_client, demo, server_clock  # noqa: F401

FAST_KDF = KdfParams(n=2**10)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def vault(tmp_path: Path, fake_time: FakeTime) -> Vault:
    return Vault(tmp_path / "store", kdf=FAST_KDF, clock=fake_time)
