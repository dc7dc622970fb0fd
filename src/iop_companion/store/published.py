"""Mirrors of what the clinic publishes to this participant (homework, module
assignments, consents), and the participant's answers to those assignments: small, so
one partition each, replaced by id as changes arrive.

Items arrive already checked against their wire model (sync/protocol/); here they
are checked again as plain, bounded JSON with a text ``id``, like anything stored.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import records as r
from .errors import ValidationError
from .repositories import _Repository, upsert_by_id

_ITEM_MAX_BYTES = 16 * 1024


class PublishedItemsRepository(_Repository):
    """Items the clinic published, by id (the clinic's id). Subclasses name the collection."""

    _PART = "all"

    def apply_changes(self, upserts: Sequence[Mapping[str, Any]],
                      removed_ids: Iterable[str] = ()) -> None:
        """Add or replace items by id, then remove ``removed_ids``, in one atomic write
        (all or nothing). A later upsert of the same id wins."""
        if isinstance(upserts, (str, bytes)) or not isinstance(upserts, Sequence):
            raise ValidationError("items", "must be a list of items")
        stamp = self._stamp()
        cleaned = [self._stored(item, stamp) for item in upserts]
        removed = {str(r.text("id", item_id, 100, multiline=False, allow_empty=False))
                   for item_id in removed_ids}
        with self._guard:
            upsert_by_id(self._coll, self._coll.logical(self._PART), cleaned, removed, stamp)

    def replace_all(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Replace every item in one atomic write (a clinic restored from a backup)."""
        stamp = self._stamp()
        docs = {position: self._stored(item, stamp)
                for position, item in enumerate(items, start=1)}
        with self._guard:
            self._coll.replace(self._coll.logical(self._PART), docs)

    def all(self) -> list[dict[str, Any]]:
        """Every item as published (without the store's own fields), in arrival order."""
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        return [self._public(doc) for doc in docs]

    def get(self, item_id: str) -> dict[str, Any] | None:
        for item in self.all():
            if item["id"] == item_id:
                return item
        return None

    def _stored(self, item: Mapping[str, Any], stamp: str) -> dict[str, Any]:
        data = r.json_value("item", dict(item), _ITEM_MAX_BYTES)
        data["id"] = str(r.text("id", data.get("id"), 100, multiline=False, allow_empty=False))
        return {"data": data, "id": data["id"], "created_at": stamp, "updated_at": stamp,
                "schema_version": self._version}

    @staticmethod
    def _public(doc: Mapping[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(dict(doc["data"]))


class HomeworkRepository(PublishedItemsRepository):
    """Homework the care team set (HomeworkAssignment items)."""

    collection_name = "homework"


class ModuleAssignmentRepository(PublishedItemsRepository):
    """Modules the care team asked the participant to read (ModuleAssignment items)."""

    collection_name = "module_assignments"


class ConsentRepository(PublishedItemsRepository):
    """The participant's consents to share with family, as the clinic holds them."""

    collection_name = "consents"


class AssignmentAnswerRepository(PublishedItemsRepository):
    """The participant's answers to assignments (HomeworkDonePayload / ModuleReadPayload
    records, id = protocol.assignment_answer_id(assignment id)); ``apply_changes([record])``
    keeps the newest answer."""

    collection_name = "assignment_answers"
