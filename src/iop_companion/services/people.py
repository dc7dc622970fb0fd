"""My people: one list of the participant's supporters and professionals, used by the
safety, relapse-prevention and aftercare plans. Kept only on this phone, encrypted;
never queued for the clinic (the plans that mention people are shared on their own
terms). Screens catch `SaveFailed` and never see store types.
"""

from __future__ import annotations

from typing import Any

from iop_companion.domain.people import PersonDraft, person_problems, person_record
from iop_companion.services.errors import SaveFailed
from iop_companion.store import Store, StoreError


def list_people(store: Store | None, kind: str | None = None) -> list[dict[str, Any]]:
    """Everyone (or everyone of `kind`: "support" or "professional"), by name. Empty
    while locked, or if the list cannot be read: a plan still shows without it."""
    if store is None:
        return []
    try:
        return store.people.all(kind)
    except StoreError:
        return []


def find_person(store: Store | None, person_id: str | None) -> dict[str, Any] | None:
    if store is None or not person_id:
        return None
    try:
        return store.people.get(person_id)
    except StoreError:
        return None


def _checked(draft: PersonDraft) -> dict[str, Any]:
    problems = person_problems(draft)
    if problems:
        # The form checks first (person_problems); this is the service's own guard.
        raise SaveFailed("This person could not be saved: " + ", ".join(sorted(problems))
                         + " needs fixing.")
    return person_record(draft)


def add_person(store: Store, draft: PersonDraft) -> dict[str, Any]:
    """Keep a new person. Raises `SaveFailed` (nothing was changed)."""
    record = _checked(draft)
    try:
        return store.people.add(record)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None


def change_person(store: Store, person_id: str, draft: PersonDraft) -> dict[str, Any]:
    """Change a person's details; they keep their place in every plan. Raises
    `SaveFailed` (nothing was changed), also when they were removed meanwhile."""
    record = _checked(draft)
    try:
        return store.people.update(person_id, record)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None


def remove_person(store: Store, person_id: str) -> bool:
    """Remove a person from My people (lines typed in the plans stay as written).
    False when they were already gone. Raises `SaveFailed` when the phone refused."""
    try:
        return store.people.remove(person_id)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
