"""Test helpers for the app-side sync code (a module, so tests can import the types)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ServerClock:
    """The clinic server's clock, fixed until a test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
