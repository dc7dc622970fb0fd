"""Every filesystem location the app uses, decided in one place.

The data directory is, in order of preference: the `--data-dir` the person gave,
Flet's `FLET_APP_STORAGE_DATA` (set by phone builds), or the per-user application
data folder of the operating system.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "IOPCompanion"
PACKAGE_ROOT = Path(__file__).resolve().parent


def find_assets_dir() -> Path:
    # A source checkout keeps assets/ beside src/; a `flet build` bundle ships it
    # next to the app module, so look in both.
    for candidate in (PACKAGE_ROOT.parent.parent / "assets", PACKAGE_ROOT / "assets"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("The app's assets folder is missing from this installation.")


@dataclass(frozen=True)
class AppPaths:
    """Where the app keeps its files."""

    data_dir: Path
    assets_dir: Path

    @property
    def store_dir(self) -> Path:
        """The encrypted on-device store (participant data)."""
        return self.data_dir / "store"

    @property
    def old_demo_clinic_dir(self) -> Path:
        """Where versions before `--demo` kept the built-in demo clinic's database (in
        the clear): removed at start, nothing writes there any more."""
        return self.data_dir / "demo-clinic"

    @property
    def built_in_clinic_file(self) -> Path:
        """Optional: a phone build made for one clinic names it here
        (`{"clinic_url": "https://..."}`), so the app asks only for the code."""
        return self.assets_dir / "clinic.json"

    @property
    def locales_dir(self) -> Path:
        return self.assets_dir / "locales"

    @property
    def crisis_dir(self) -> Path:
        return self.assets_dir / "crisis"


def resolve_data_dir(cli_data_dir: str | os.PathLike[str] | None = None,
                     environ: dict[str, str] | None = None) -> Path:
    """Pick the data directory following the documented order of preference."""
    env = os.environ if environ is None else environ
    if cli_data_dir:
        return Path(cli_data_dir).expanduser().resolve()
    flet_storage = env.get("FLET_APP_STORAGE_DATA")
    if flet_storage:
        return Path(flet_storage).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).resolve()


def app_paths(cli_data_dir: str | os.PathLike[str] | None = None,
              environ: dict[str, str] | None = None) -> AppPaths:
    data_dir = resolve_data_dir(cli_data_dir, environ)
    data_dir.mkdir(parents=True, exist_ok=True)
    return AppPaths(data_dir=data_dir, assets_dir=find_assets_dir())
