"""Coping-skill logs on the phone: DBT diary cards, CBT thought records and urge logs,
one collection each, partitioned by the month a log was first saved (a log never moves:
an edit replaces it in its partition), so a year of daily cards is twelve small files.

Same rules as every repository (see repositories.py): validated before writing (by the
rules of domain/coping_logs.py), stamped with id/timestamps/schema version, returned
as copies. A deleted log stays as a tombstone (``{"id": ..., "deleted": true}`` and
the envelope): the clinic learns of the deletion as a new version, and an undo writes
the content back under the same id.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from iop_companion.domain.coping_logs import (
    ID_PATTERN,
    diary_card_problems,
    thought_record_problems,
    urge_log_problems,
)

from . import records as r
from .errors import ValidationError
from .repositories import _Repository, upsert_by_id

Check = Callable[[Mapping[str, Any]], dict[str, str]]


def _pattern_ids(value: Any) -> list[str]:
    """The ids in a ratings map or list that look like ids (the store accepts any such
    id: which emotions and targets a card offers is the clinic's choice, checked by the
    service)."""
    ids = value if isinstance(value, (list, Mapping)) else ()
    return [key for key in ids if isinstance(key, str) and ID_PATTERN.match(key)]


def _diary_card(content: Mapping[str, Any]) -> dict[str, str]:
    # Targets too are the clinic's (each participant's own), checked by the service.
    return diary_card_problems(content, emotions=_pattern_ids(content.get("emotions")),
                               skills=_pattern_ids(content.get("skills")),
                               targets=_pattern_ids(content.get("targets")))


def _urge_log(content: Mapping[str, Any]) -> dict[str, str]:
    return urge_log_problems(content, skills=_pattern_ids(content.get("skills_used")))


class _CopingLogRepository(_Repository):
    _check: Check

    def save(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Add a log, or replace the one with the same ``id``; returns it as stored.
        ``{"id": ..., "deleted": True}`` makes it a tombstone."""
        record_id = r.check_uuid("id", data["id"]) if data.get("id") is not None else r.new_id()
        content = {name: value for name, value in data.items() if name not in r.META_FIELDS}
        if content.get("deleted") is True:
            if set(content) != {"deleted"}:
                raise ValidationError("deleted", "a deleted log keeps no content")
        else:
            problems = type(self)._check(content)
            if problems:
                field, message = next(iter(problems.items()))
                raise ValidationError(field, message)
        clean = r.json_value("log", content, r.OUTBOX_PAYLOAD_MAX_BYTES)
        stamp = self._stamp()
        record = {"id": record_id, **clean, "created_at": stamp, "updated_at": stamp,
                  "schema_version": self._version}
        with self._guard:
            logical = self._partition_of(record_id) or self._coll.logical(stamp[:7])
            upsert_by_id(self._coll, logical, [record], (), stamp)
            stored = next(d for d in self._coll.docs(logical) if d["id"] == record_id)
        return copy.deepcopy(stored)

    def get(self, record_id: str) -> dict[str, Any] | None:
        """The log (or its tombstone) with this id."""
        record_id = r.check_uuid("id", record_id)
        with self._guard:
            logical = self._partition_of(record_id)
            if logical is None:
                return None
            return next(d for d in self._coll.docs(logical) if d.get("id") == record_id)

    def all(self, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every log, in the order first saved (for the Journal, charts and export)."""
        with self._guard:
            docs = [d for logical in self._coll.partitions() for d in self._coll.docs(logical)]
        docs.sort(key=lambda d: (d.get("created_at", ""), d["id"]))
        return [d for d in docs if include_deleted or d.get("deleted") is not True]

    def _partition_of(self, record_id: str) -> str | None:
        # Newest partitions first: edits are nearly always of recent logs.
        for logical in reversed(self._coll.partitions()):
            if any(d.get("id") == record_id for d in self._coll.docs(logical)):
                return logical
        return None


class DiaryCardRepository(_CopingLogRepository):
    collection_name = "diary_cards"
    _check = staticmethod(_diary_card)

    def for_day(self, day: str) -> dict[str, Any] | None:
        """The live card of `day` (ISO date), if there is one."""
        return next((d for d in reversed(self.all()) if d.get("day") == day), None)


class ThoughtRecordRepository(_CopingLogRepository):
    collection_name = "thought_records"
    _check = staticmethod(thought_record_problems)


class UrgeLogRepository(_CopingLogRepository):
    collection_name = "urge_logs"
    _check = staticmethod(_urge_log)
