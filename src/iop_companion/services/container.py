"""The bundle of services the screens use, built once by the composition root."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from iop_companion.domain.crisis import (
    CrisisContact,
    RegionCrisisResources,
    clinic_crisis_contact,
    crisis_contacts,
)
from iop_companion.i18n import Translator
from iop_companion.paths import AppPaths
from iop_companion.services.account import Account
from iop_companion.services.clinic_link import ClinicLink, utc_now
from iop_companion.services.crisis_card import LockedHelp
from iop_companion.services.drafts import Drafts
from iop_companion.services.family_link import FamilyLink
from iop_companion.services.safety import SafetyDesk
from iop_companion.store import Preferences


@dataclass
class AppServices:
    paths: AppPaths
    translator: Translator
    preferences: Preferences
    account: Account
    clinic: ClinicLink
    family: FamilyLink
    crisis_resources: RegionCrisisResources
    version: str
    # What crisis help may show while locked (grace period, the lock-screen card).
    locked_help: LockedHelp
    clock: Callable[[], datetime] = utc_now
    # Shared by every session on this device's store: one sync at a time (sync_runner.py).
    sync_lock: threading.Lock = field(default_factory=threading.Lock)
    # A half-filled form the person stepped away from (e.g. to build their plan), kept
    # in memory only for this session so coming back loses nothing.
    unsaved_forms: dict[str, object] = field(default_factory=dict)
    # Raises safety flags for the screens (never raising itself) and remembers the last.
    safety: SafetyDesk = field(init=False)
    # Forms in progress, written to the encrypted store just before every lock.
    drafts: Drafts = field(init=False)

    def __post_init__(self) -> None:
        self.safety = SafetyDesk(store=lambda: self.account.store, clock=lambda: self.clock())
        self.drafts = Drafts(store=lambda: self.account.store)

    @property
    def role(self) -> str:
        """"participant" or "family", as chosen on the first screen."""
        return str(self.preferences.get("role", "participant"))

    def t(self, key: str, **values: object) -> str:
        return self.translator.t(key, **values)

    def crisis_contacts(self) -> list[CrisisContact]:
        """988 and 911 always; the clinic's line too once the store is unlocked, or
        while locked when the participant chose to show it (or just called for help)."""
        store = self.account.store
        if store is None:
            card = self.locked_help.card(in_grace=self.account.in_crisis_grace)
            return crisis_contacts(self.crisis_resources,
                                   card.clinic_contact() if card is not None else None)
        profile = self.clinic.profile(store)
        clinic_contact = (clinic_crisis_contact(profile.get("name"), profile.get("crisis_line"))
                          if profile else None)
        return crisis_contacts(self.crisis_resources, clinic_contact)

    def zone(self) -> tzinfo:
        """The clinic's time zone once known (sessions happen there), else this device's."""
        store = self.account.store
        profile = self.clinic.profile(store) if store is not None else None
        if profile and profile.get("timezone"):
            try:
                return ZoneInfo(profile["timezone"])
            except (KeyError, ValueError):
                pass
        local = datetime.now().astimezone().tzinfo
        return local or UTC
