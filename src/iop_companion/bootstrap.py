"""The composition root: the one place that picks concrete classes and wires them."""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

from iop_companion import __version__
from iop_companion.content.crisis import load_region_resources
from iop_companion.i18n import Translator
from iop_companion.paths import AppPaths
from iop_companion.platform.secure_key import DeviceKeyLink, uses_secure_storage
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
        self.device_key: DeviceKeyLink | None = None  # a phone's secure storage, once attached
        # Constructing the client validates the URL (https, or http only to localhost).
        self.clinic_client = ClinicClient(clinic_url) if clinic_url else None
        # A clinic (or a test) may shorten the idle lock; it can never be switched off.
        self.idle_lock_seconds = max(1.0, float(os.environ.get(
            "IOP_IDLE_LOCK_SECONDS", DEFAULT_IDLE_LOCK_SECONDS)))

    async def attach_platform_key(self, page: Any) -> None:
        """On an Android or iOS build, before the first screen shows: the phone's secure
        storage also wraps the data key (platform/secure_key.py). The web build and the
        desktop app: nothing. Await it in the Flet main, before rendering."""
        if self.device_key is not None or not uses_secure_storage(page.platform, page.web):
            return
        from flet_secure_storage import (  # only phone builds need the Flet service
            AndroidOptions,
            IOSOptions,
            KeychainAccessibility,
            SecureStorage,
        )

        storage = SecureStorage(  # constructed in the page's context: registers itself
            # Never erase stored values on a platform error: that would lose the data.
            android_options=AndroidOptions(reset_on_error=False),
            # This phone only (never in a backup or on another phone); readable after
            # the first unlock of the phone, so a start in the background still works.
            ios_options=IOSOptions(accessibility=KeychainAccessibility.FIRST_UNLOCK_THIS_DEVICE),
        )
        page.update()  # the service must reach the phone before it is asked anything
        link = DeviceKeyLink(storage, self.vault, schedule=page.run_task)
        if await link.start():
            self.device_key = link

    @functools.cached_property
    def sync_lock(self) -> threading.Lock:
        return threading.Lock()

    def new_session(self) -> AppServices:
        translator = Translator(self.paths.locales_dir, self.preferences.get("locale", "en"))
        # With no clinic given at start, the session learns its clinic's address when
        # the person connects, or from the store once unlocked (services/clinic_link.py).
        clinic_client = self.clinic_client or ClinicClient(None)
        return AppServices(
            paths=self.paths,
            translator=translator,
            preferences=self.preferences,
            account=Account(self.vault, idle_lock_seconds=self.idle_lock_seconds),
            clinic=ClinicLink(clinic_client),
            family=FamilyLink(clinic_client),
            crisis_resources=self.crisis_resources,
            version=__version__,
            locked_help=LockedHelp(self.lock_screen_card),
            sync_lock=self.sync_lock,
        )
