"""What crisis help can show while the app is locked.

Two cases, both chosen by the participant:
* right after they called or texted for help (the crisis grace period), the safety
  screen they left comes back without the PIN: a copy of their plan and clinic line
  is held in memory only, for that period;
* when they turned on "Show my safety plan on the lock screen" (Settings; off by
  default, since it shows they are in a program), `LockScreenCard` keeps a sealed copy
  that "Get help now" on the lock screen shows. It is refreshed at every lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from iop_companion.domain.crisis import CrisisContact, clinic_crisis_contact
from iop_companion.domain.safety_plan import SAFETY_PLAN_STEPS
from iop_companion.services.clinic_link import ClinicLink
from iop_companion.services.errors import SaveFailed
from iop_companion.services.people import list_people
from iop_companion.store import LockScreenCard, Store, StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrisisCard:
    """The participant's own crisis help: their plan's steps and their clinic's line."""

    plan: dict[str, Any]
    clinic_name: str | None
    clinic_line: str | None
    # My people with a phone number: name, phone, kind ("support" or "professional").
    people: tuple[dict[str, str], ...] = ()

    def clinic_contact(self) -> CrisisContact | None:
        return clinic_crisis_contact(self.clinic_name, self.clinic_line)

    def to_json(self) -> dict[str, Any]:
        return {"plan": self.plan, "clinic_name": self.clinic_name,
                "clinic_line": self.clinic_line, "people": [dict(p) for p in self.people]}

    def people_of(self, kind: str) -> list[dict[str, str]]:
        return [dict(p) for p in self.people if p.get("kind") == kind]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CrisisCard:
        plan = data.get("plan") if isinstance(data.get("plan"), dict) else {}
        people = data.get("people") if isinstance(data.get("people"), list) else []
        return cls(plan=_plan_only(plan), clinic_name=_text(data.get("clinic_name")),
                   clinic_line=_text(data.get("clinic_line")),
                   people=_people_only(people))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _plan_only(plan: dict[str, Any] | None) -> dict[str, Any]:
    """The six steps and what matters most; nothing else of the stored record."""
    plan = plan or {}
    kept: dict[str, Any] = {step: [str(i) for i in plan.get(step) or [] if isinstance(i, str)]
                            for step in SAFETY_PLAN_STEPS}
    kept["most_important"] = _text(plan.get("most_important"))
    return kept


def _people_only(people: list[Any]) -> tuple[dict[str, str], ...]:
    """Name, phone and kind of each person who has a phone: all a call button needs."""
    kept = []
    for person in people:
        if isinstance(person, dict) and _text(person.get("name")) and _text(person.get("phone")):
            kept.append({"name": str(person["name"]), "phone": str(person["phone"]),
                         "kind": str(person.get("kind") or "support")})
    return tuple(kept)


def crisis_card_of(store: Store) -> CrisisCard:
    profile = ClinicLink.profile(store) or {}
    return CrisisCard(plan=_plan_only(store.safety_plan.get()),
                      clinic_name=_text(profile.get("name")),
                      clinic_line=_text(profile.get("crisis_line")),
                      people=_people_only(list_people(store)))


class LockedHelp:
    """Per app session: the card the lock screen may show, and the grace-period copy."""

    def __init__(self, card_file: LockScreenCard) -> None:
        self._file = card_file
        self._grace_copy: CrisisCard | None = None

    # The lock-screen choice -------------------------------------------------------
    def shows_on_lock_screen(self) -> bool:
        return self._file.is_on()

    def show_on_lock_screen(self, store: Store, on: bool) -> None:
        """Turn the lock-screen card on (a fresh copy now) or off (destroyed).
        Raises SaveFailed when the phone refused the write."""
        if not on:
            self._file.clear()
            return
        try:
            self._file.save(crisis_card_of(store).to_json())
        except StoreError as error:
            raise SaveFailed.from_store(error) from None

    def before_lock(self, store: Store, *, in_grace: bool) -> None:
        """Keep the copies current as the store locks (best effort: never stops a lock)."""
        try:
            card = crisis_card_of(store)
        except StoreError as error:
            log.warning("Crisis card not refreshed: %s", error)
            return
        self._grace_copy = card if in_grace else None
        if self._file.is_on():
            try:
                self._file.save(card.to_json())
            except StoreError as error:
                log.warning("Lock-screen card not refreshed: %s", error)

    def forget_grace_copy(self) -> None:
        self._grace_copy = None

    def card(self, *, in_grace: bool) -> CrisisCard | None:
        """What may show while locked: the grace copy during the grace period, else the
        lock-screen card when the participant turned it on, else nothing."""
        if in_grace and self._grace_copy is not None:
            return self._grace_copy
        if not in_grace:
            self._grace_copy = None
        saved = self._file.load()
        return CrisisCard.from_json(saved) if saved is not None else None
