"""Reminders go through plyer where it works and fall back to the in-app banner otherwise."""

from __future__ import annotations

from typing import Any

import plyer
import pytest

from iop_companion.platform.notifications import Delivery, notify


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def notify(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


class NoBackend:
    def notify(self, **kwargs: Any) -> None:
        raise NotImplementedError("No usable implementation found!")


class BrokenBackend:
    def notify(self, **kwargs: Any) -> None:
        raise OSError("org.freedesktop.Notifications was not provided")


def test_a_working_backend_gets_the_fixed_text(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setattr(plyer, "notification", recorder)
    assert notify("IOP Companion", "Time for your daily check-in",
                  system_allowed=True) is Delivery.SYSTEM
    [call] = recorder.calls
    assert call["title"] == "IOP Companion"
    assert call["message"] == "Time for your daily check-in"


@pytest.mark.parametrize("backend", [NoBackend(), BrokenBackend()])
def test_no_backend_or_a_failing_one_falls_back_to_the_banner(
        monkeypatch: pytest.MonkeyPatch, backend: object) -> None:
    monkeypatch.setattr(plyer, "notification", backend)
    assert notify("IOP Companion", "Time for your daily check-in",
                  system_allowed=True) is Delivery.IN_APP


def test_the_real_plyer_on_this_machine_never_raises() -> None:
    # Whatever this machine has (often no D-Bus here), the answer is a Delivery.
    assert notify("IOP Companion", "Time for your daily check-in",
                  system_allowed=True) in (Delivery.SYSTEM, Delivery.IN_APP)


def test_web_mode_never_asks_the_server_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setattr(plyer, "notification", recorder)
    assert notify("t", "m", system_allowed=False) is Delivery.IN_APP
    assert recorder.calls == []
