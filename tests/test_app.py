"""`iop-companion`'s choice of clinic: --clinic-url, --demo, a clinic built into a phone
build (assets/clinic.json), or none; and what it removes or refuses at start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iop_companion import app
from iop_companion.paths import AppPaths, find_assets_dir


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    assets = tmp_path / "assets"
    assets.mkdir()
    return AppPaths(data_dir=tmp_path / "data", assets_dir=assets)


def test_no_built_in_clinic_by_default(paths: AppPaths) -> None:
    assert app.built_in_clinic_url(paths) is None
    # This repository ships none: a build names its clinic only when made for one.
    assert not (find_assets_dir() / "clinic.json").exists()


def test_a_built_in_clinic_is_read_and_normalised(paths: AppPaths) -> None:
    paths.built_in_clinic_file.write_text(json.dumps({"clinic_url": "https://Clinic.Example.org/"}))
    assert app.built_in_clinic_url(paths) == "https://clinic.example.org"


@pytest.mark.parametrize(("content", "says"), [
    ('{"clinic_url": "http://clinic.example.org"}', "https://"),
    ('{"clinic_url": "clinic.example.org"}', "https://"),
    ('{"url": "https://clinic.example.org"}', "must hold"),
    ('["https://clinic.example.org"]', "must hold"),
    ("{not json", "not readable JSON"),
])
def test_a_bad_built_in_clinic_stops_the_app_with_a_reason(paths: AppPaths, content: str,
                                                           says: str) -> None:
    paths.built_in_clinic_file.write_text(content)
    with pytest.raises(ValueError, match=says):
        app.built_in_clinic_url(paths)


class Recorded:
    """What main() would run: the factory it built, instead of serving the app."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.factories: list[Any] = []
        monkeypatch.setattr(app, "run", lambda factory, paths, args: self.factories.append(
            factory))


def test_without_a_clinic_nothing_is_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    recorded = Recorded(monkeypatch)
    started: list[object] = []
    monkeypatch.setattr(app, "start_demo_clinic", lambda cleanup: started.append(cleanup))
    assert app.main(["--data-dir", str(tmp_path / "data")]) == 0
    (factory,) = recorded.factories
    assert factory.clinic_url is None and factory.clinic_client is None
    assert started == []
    assert "clinic" not in capsys.readouterr().out.lower()


def test_the_clinic_url_is_checked_and_normalised(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    recorded = Recorded(monkeypatch)
    assert app.main(["--data-dir", str(tmp_path), "--clinic-url",
                     "https://Clinic.Example.org/"]) == 0
    assert recorded.factories[0].clinic_url == "https://clinic.example.org"
    assert app.main(["--data-dir", str(tmp_path), "--clinic-url", "http://clinic.example.org"]) == 2
    assert "must start with https://" in capsys.readouterr().err


def test_demo_and_a_clinic_url_do_not_go_together(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        app.main(["--demo", "--clinic-url", "https://clinic.example.org"])
    assert "not allowed with" in capsys.readouterr().err


def test_demo_data_is_temporary_unless_a_folder_is_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = Recorded(monkeypatch)
    monkeypatch.setattr(app, "start_demo_clinic", lambda cleanup: "http://127.0.0.1:9")
    assert app.main(["--demo"]) == 0
    data_dir = recorded.factories[0].paths.data_dir
    assert "Demo app data:" in capsys.readouterr().out
    assert not data_dir.exists()  # removed when the app stopped

    assert app.main(["--demo", "--data-dir", str(tmp_path / "kept")]) == 0
    assert recorded.factories[1].paths.data_dir == (tmp_path / "kept").resolve()
    assert (tmp_path / "kept").is_dir()


def test_the_old_built_in_demo_clinic_database_is_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Recorded(monkeypatch)
    old = tmp_path / "data" / "demo-clinic"
    old.mkdir(parents=True)
    (old / "clinic.sqlite3").write_bytes(b"synced records, in the clear")
    assert app.main(["--data-dir", str(tmp_path / "data")]) == 0
    assert not old.exists()
    assert "Removed the old built-in demo clinic's database" in capsys.readouterr().out
