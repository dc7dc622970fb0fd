"""My people: the participant's supporters and professionals, typed once and shown in
every plan. Kept only on this phone (never sent to the clinic).

Same rules as every repository (see repositories.py): validated before writing,
stamped with id/timestamps/schema version, returned as copies. A person has a few
dozen people at most, so the collection is one partition, written whole each time.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from iop_companion.domain.people import (
    KINDS,
    NAME_MAX,
    PEOPLE_MAX,
    PERSON_FIELDS,
    PHONE_MAX,
    ROLE_MAX,
    dial_number,
    ordered_people,
)

from . import records as r
from .errors import ValidationError
from .repositories import _Repository


def validate_person(data: Mapping[str, Any]) -> dict[str, Any]:
    """A person's own fields, normalised (text trimmed). Meta fields (as ``get()``
    returns them) are accepted and ignored, so a person can be read, edited and saved
    back."""
    if not isinstance(data, Mapping):
        raise ValidationError("person", "must be a mapping of fields")
    r._reject_unknown(data, frozenset(PERSON_FIELDS) | set(r.META_FIELDS))
    name = r.text("name", r._required(data, "name"), NAME_MAX, multiline=False,
                  allow_empty=False)
    phone = r.text("phone", data.get("phone", ""), PHONE_MAX, multiline=False)
    if phone and phone.strip() and dial_number(phone) is None:
        raise ValidationError("phone", "must be one phone number (digits, spaces, + - . ( ))")
    role = r.text("role", data.get("role", ""), ROLE_MAX, multiline=False)
    return {
        "name": str(name).strip(),
        "phone": str(phone or "").strip(),
        "kind": r.choice("kind", r._required(data, "kind"), KINDS),
        "role": str(role or "").strip(),
    }


class PeopleRepository(_Repository):
    """The participant's people, each with an id for life (edits keep it)."""

    collection_name = "people"
    _PART = "all"

    def add(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Add a new person (an ``id`` in `data` is ignored: a new person gets a new one)."""
        clean = validate_person(data)
        logical = self._coll.logical(self._PART)
        with self._guard:
            docs = {doc["id"]: doc for doc in self._coll.docs(logical)}
            if len(docs) >= PEOPLE_MAX:
                raise ValidationError("people", f"must be at most {PEOPLE_MAX} people")
            stamp = self._stamp()
            record = {"id": r.new_id(), **clean, "created_at": stamp, "updated_at": stamp,
                      "schema_version": self._version}
            docs[record["id"]] = record
            # One atomic write of the whole (small) partition.
            self._coll.replace(logical, dict(enumerate(docs.values(), start=1)))
        return copy.deepcopy(record)

    def update(self, person_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Change the person with this id (it keeps its id and created_at)."""
        person_id = r.check_uuid("id", person_id)
        clean = validate_person(data)
        logical = self._coll.logical(self._PART)
        with self._guard:
            docs = {doc["id"]: doc for doc in self._coll.docs(logical)}
            old = docs.get(person_id)
            if old is None:
                raise ValidationError("id", "is not one of my people on this phone")
            record = {"id": person_id, **clean, "created_at": old.get("created_at"),
                      "updated_at": self._stamp(), "schema_version": self._version}
            docs[person_id] = record
            self._coll.replace(logical, dict(enumerate(docs.values(), start=1)))
        return copy.deepcopy(record)

    def remove(self, person_id: str) -> bool:
        """Remove this person; False when they were not here (already removed)."""
        person_id = r.check_uuid("id", person_id)
        logical = self._coll.logical(self._PART)
        with self._guard:
            docs = {doc["id"]: doc for doc in self._coll.docs(logical)}
            if docs.pop(person_id, None) is None:
                return False
            self._coll.replace(logical, dict(enumerate(docs.values(), start=1)))
        return True

    def get(self, person_id: str) -> dict[str, Any] | None:
        person_id = r.check_uuid("id", person_id)
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        found = next((doc for doc in docs if doc.get("id") == person_id), None)
        return copy.deepcopy(found) if found is not None else None

    def all(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Everyone (or everyone of `kind`), by name."""
        if kind is not None:
            r.choice("kind", kind, KINDS)
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        return [copy.deepcopy(doc) for doc in ordered_people(docs, kind)]
