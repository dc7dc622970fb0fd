"""Preferences: readable before unlock, crash-safe, and no place for health data."""

from __future__ import annotations

from pathlib import Path

import pytest

from iop_companion.store import Preferences, ValidationError


def test_set_get_all_and_persist(data_dir: Path) -> None:
    prefs = Preferences(data_dir)  # no vault, no PIN: usable before unlock
    assert prefs.get("theme", "system") == "system" and prefs.all() == {}
    prefs.set("theme", "dark")
    prefs.set("text_scale", 1.25)
    prefs.set("role", "participant")
    prefs.set("reduce_motion", True)
    again = Preferences(data_dir)
    assert again.all() == {
        "theme": "dark",
        "text_scale": 1.25,
        "role": "participant",
        "reduce_motion": True,
    }
    assert not list(data_dir.glob("*.tmp"))  # written via temp file + rename


@pytest.mark.parametrize("value", [{"note": "x"}, ["a"], "x" * 201, float("nan")])
def test_only_short_scalars(data_dir: Path, value: object) -> None:
    with pytest.raises(ValidationError):
        Preferences(data_dir).set("theme", value)


def test_clear_deletes_the_file(data_dir: Path) -> None:
    prefs = Preferences(data_dir)
    prefs.set("theme", "dark")
    prefs.clear()
    assert not (data_dir / "preferences.json").exists()
    assert Preferences(data_dir).all() == {} == prefs.all()
