"""The composition root: the one place that picks concrete classes and wires them."""

from __future__ import annotations

import functools
import os
import threading

from iop_companion import __version__
from iop_companion.content.crisis import load_region_resources
from iop_companion.i18n import Translator
from iop_companion.paths import AppPaths
from iop_companion.services.account import DEFAULT_IDLE_LOCK_SECONDS, Account
from iop_companion.services.clinic_link import ClinicLink
from iop_companion.services.container import AppServices
from iop_companion.services.crisis_card import LockedHelp
from iop_companion.services.family_link import FamilyLink
from iop_companion.store import LockScreenCard, Preferences, Vault
from iop_companion.sync.clinic_client import ClinicClient


class AppFactory:
    """Holds what every app session shares and builds one `AppServices` per session.

    In the web view each browser tab is its own session and starts locked, so a
    second tab never inherits an unlocked store.
    """

    def __init__(self, paths: AppPaths, clinic_url: str | None) -> None:
        self.paths = paths
        self.clinic_url = clinic_url
        self.crisis_resources = load_region_resources(paths.crisis_dir, "us")
        self.preferences = Preferences(paths.data_dir)
        self.vault = Vault(paths.store_dir)
        self.lock_screen_card = LockScreenCard(self.vault.folder)
        # Constructing the client validates the URL (https, or http only to localhost).
        self.clinic_client = ClinicClient(clinic_url) if clinic_url else None
        # A clinic (or a test) may shorten the idle lock; it can never be switched off.
        self.idle_lock_seconds = max(1.0, float(os.environ.get(
            "IOP_IDLE_LOCK_SECONDS", DEFAULT_IDLE_LOCK_SECONDS)))

    @functools.cached_property
    def sync_lock(self) -> threading.Lock:
        return threading.Lock()

    def new_session(self) -> AppServices:
        translator = Translator(self.paths.locales_dir, self.preferences.get("locale", "en"))
        return AppServices(
            paths=self.paths,
            translator=translator,
            preferences=self.preferences,
            account=Account(self.vault, idle_lock_seconds=self.idle_lock_seconds),
            clinic=ClinicLink(self.clinic_client),
            family=FamilyLink(self.clinic_client),
            crisis_resources=self.crisis_resources,
            version=__version__,
            locked_help=LockedHelp(self.lock_screen_card),
            sync_lock=self.sync_lock,
        )
