"""Where the app keeps its data: --data-dir, then FLET_APP_STORAGE_DATA, then platformdirs."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from iop_companion import paths
from iop_companion.paths import APP_NAME, AppPaths, app_paths, resolve_data_dir


class FakePlatformDirs:
    """platformdirs.user_data_dir pointed at a tmp folder, remembering how it was called."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.calls: list[tuple[object, object]] = []

    def user_data_dir(self, appname=None, appauthor=None, *args, **kwargs) -> str:
        self.calls.append((appname, appauthor))
        return str(self.target)


@pytest.fixture
def fake_platformdirs(tmp_path, monkeypatch) -> FakePlatformDirs:
    """Point platformdirs at tmp_path so no test touches the real user folder."""
    fake = FakePlatformDirs(tmp_path / "platformdirs-data")
    monkeypatch.setattr(paths.platformdirs, "user_data_dir", fake.user_data_dir)
    return fake


def test_cli_beats_flet_storage_and_platformdirs(tmp_path, fake_platformdirs):
    env = {"FLET_APP_STORAGE_DATA": str(tmp_path / "flet")}
    assert resolve_data_dir(tmp_path / "cli", env) == (tmp_path / "cli").resolve()


def test_flet_storage_beats_platformdirs(tmp_path, fake_platformdirs):
    env = {"FLET_APP_STORAGE_DATA": str(tmp_path / "flet")}
    assert resolve_data_dir(None, env) == (tmp_path / "flet").resolve()


def test_platformdirs_is_last(fake_platformdirs):
    assert resolve_data_dir(None, {}) == fake_platformdirs.target.resolve()
    assert fake_platformdirs.calls == [(APP_NAME, False)]


def test_platformdirs_default_matches_platformdirs_itself():
    expected = Path(platformdirs.user_data_dir("IOPCompanion", appauthor=False)).resolve()
    assert resolve_data_dir(None, {}) == expected


def test_empty_values_are_skipped(tmp_path, fake_platformdirs):
    env = {"FLET_APP_STORAGE_DATA": str(tmp_path / "flet")}
    assert resolve_data_dir("", env) == (tmp_path / "flet").resolve()
    no_env = {"FLET_APP_STORAGE_DATA": ""}
    assert resolve_data_dir("", no_env) == fake_platformdirs.target.resolve()


def test_given_environ_replaces_process_environment(tmp_path, monkeypatch, fake_platformdirs):
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path / "from-os"))
    assert resolve_data_dir(None, {}) == fake_platformdirs.target.resolve()


def test_process_environment_used_when_no_environ_given(tmp_path, monkeypatch,
                                                        fake_platformdirs):
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path / "from-os"))
    assert resolve_data_dir() == (tmp_path / "from-os").resolve()
    monkeypatch.delenv("FLET_APP_STORAGE_DATA")
    assert resolve_data_dir() == fake_platformdirs.target.resolve()


def test_relative_cli_path_is_made_absolute(tmp_path, monkeypatch, fake_platformdirs):
    monkeypatch.chdir(tmp_path)
    result = resolve_data_dir("data", {})
    assert result.is_absolute()
    assert result == (tmp_path / "data").resolve()


def test_home_is_expanded(tmp_path, monkeypatch, fake_platformdirs):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_data_dir("~/iop", {}) == (tmp_path / "iop").resolve()
    assert resolve_data_dir(None, {"FLET_APP_STORAGE_DATA": "~/flet"}) == \
        (tmp_path / "flet").resolve()


def test_str_and_pathlike_give_the_same_result(tmp_path):
    assert resolve_data_dir(str(tmp_path / "d"), {}) == resolve_data_dir(tmp_path / "d", {})


def test_app_paths_creates_data_dir_and_finds_assets(tmp_path, fake_platformdirs):
    target = tmp_path / "deep" / "data"
    result = app_paths(target, {})
    assert isinstance(result, AppPaths)
    assert result.data_dir == target.resolve()
    assert target.is_dir()
    assert not fake_platformdirs.target.exists()
    assert result.store_dir == target.resolve() / "store"
    assert result.built_in_clinic_file == result.assets_dir / "clinic.json"
    assert result.locales_dir == result.assets_dir / "locales"
    assert result.crisis_dir == result.assets_dir / "crisis"
    assert (result.locales_dir / "en.json").is_file()
    assert (result.crisis_dir / "us.json").is_file()


def test_app_paths_uses_flet_storage(tmp_path, fake_platformdirs):
    result = app_paths(None, {"FLET_APP_STORAGE_DATA": str(tmp_path / "flet")})
    assert result.data_dir == (tmp_path / "flet").resolve()
    assert result.data_dir.is_dir()
    assert not fake_platformdirs.target.exists()


def test_app_paths_existing_dir_is_fine(tmp_path):
    (tmp_path / "d").mkdir()
    assert app_paths(tmp_path / "d", {}).data_dir == (tmp_path / "d").resolve()
