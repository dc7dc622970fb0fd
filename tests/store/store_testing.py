"""Helpers shared by the store tests (fixtures live in conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from iop_companion.store import KdfParams

LOW_KDF = KdfParams(n=2**4)
PIN = "482913"
REPO_ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    """Wall-clock seconds that only move when a test says so."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeBootTimer:
    """The boot clock of attempts.py: (boot id, seconds since boot), moved by tests.
    ``reboot()`` starts a new boot whose clock starts near zero."""

    def __init__(self, boot_id: str = "boot:test-1", start: float = 5_000.0) -> None:
        self.boot_id = boot_id
        self.now = start
        self._boots = 1

    def __call__(self) -> tuple[str, float]:
        return self.boot_id, self.now

    def advance(self, seconds: float) -> None:
        assert seconds >= 0, "a boot clock never goes back"
        self.now += seconds

    def reboot(self, uptime: float = 30.0) -> None:
        self._boots += 1
        self.boot_id = f"boot:test-{self._boots}"
        self.now = uptime


def check_in(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "mood": 6,
        "craving": 3,
        "sleep_hours": 7.5,
        "sleep_quality": "good",
        "medications": "yes",
        "used_since_last": False,
        "substance": None,
        "note": "Went to group.",
    }
    record.update(overrides)
    return record


def at(day: int, hour: int = 12) -> datetime:
    """A UTC moment ``day`` days after 2025-01-06 (a Monday)."""
    return datetime(2025, 1, 6, hour, tzinfo=UTC) + timedelta(days=day)
