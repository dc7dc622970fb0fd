"""Practice sessions: one record per run of an exercise, partitioned by the month it
started in (a heavy user does a few a day: a month stays small, and a year of them is
twelve partitions read only when asked for).

Same rules as every repository (see repositories.py): validated before writing,
stamped with id/timestamps/schema version, returned as copies. A session saved again
(a rating given after it ended) replaces the stored record of the same id.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from . import records as r
from .errors import ValidationError
from .repositories import _Repository, _time_order, upsert_by_id

_FIELDS = frozenset({"exercise_id", "started_at", "planned_minutes", "seconds_completed",
                     "ended_early", "rating_kind", "rating_before", "rating_after",
                     "homework_id"})
_RATING_KINDS = ("distress", "craving")
MAX_MINUTES = 60


def validate_practice_session(data: Mapping[str, Any]) -> dict[str, Any]:
    r._reject_unknown(data, _FIELDS | set(r.META_FIELDS))
    started = r.aware_datetime("started_at", r._required(data, "started_at"))
    planned = r.whole_number("planned_minutes", r._required(data, "planned_minutes"), 1,
                             MAX_MINUTES)
    clean: dict[str, Any] = {
        "exercise_id": r.text("exercise_id", r._required(data, "exercise_id"), 64,
                              multiline=False, allow_empty=False),
        # Kept as the phone wrote it, with its offset: the local day it was done on.
        "started_at": started.isoformat(),
        "planned_minutes": planned,
        "seconds_completed": r.whole_number(
            "seconds_completed", r._required(data, "seconds_completed"), 0, planned * 60),
        "ended_early": r.flag("ended_early", r._required(data, "ended_early")),
        "rating_kind": r.choice("rating_kind", data.get("rating_kind", "distress"),
                                _RATING_KINDS),
    }
    for name in ("rating_before", "rating_after"):
        value = data.get(name)
        clean[name] = None if value is None else r.whole_number(name, value, 0, 10)
    homework = data.get("homework_id")
    clean["homework_id"] = None if homework is None else r.check_uuid("homework_id", homework)
    return clean


class PracticeSessionRepository(_Repository):
    collection_name = "practice_sessions"

    def save(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Add a session, or replace the one with the same ``id``; returns it as stored."""
        clean = validate_practice_session(data)
        record_id = r.check_uuid("id", data["id"]) if data.get("id") is not None else r.new_id()
        stamp = self._stamp()
        record = {"id": record_id, **clean, "created_at": stamp, "updated_at": stamp,
                  "schema_version": self._version}
        logical = self._coll.logical(_month(clean["started_at"]))
        with self._guard:
            for other in self._coll.partitions():
                if other != logical and any(d.get("id") == record_id
                                            for d in self._coll.docs(other)):
                    raise ValidationError("started_at", "cannot change once saved")
            upsert_by_id(self._coll, logical, [record], (), stamp)
            stored = next(d for d in self._coll.docs(logical) if d["id"] == record_id)
        return copy.deepcopy(stored)

    def get(self, record_id: str) -> dict[str, Any] | None:
        record_id = r.check_uuid("id", record_id)
        with self._guard:
            for logical in reversed(self._coll.partitions()):
                for doc in self._coll.docs(logical):
                    if doc.get("id") == record_id:
                        return doc
        return None

    def since(self, moment: datetime) -> list[dict[str, Any]]:
        """Sessions started at or after `moment` (a few partitions at most), oldest first."""
        threshold = r.aware_datetime("since", moment)
        first = _month(threshold.isoformat())
        found: list[dict[str, Any]] = []
        with self._guard:
            for logical in self._coll.partitions():
                if logical.split("/", 1)[1] < _earlier_month(first):
                    continue  # a whole month before: not even loaded
                found += [d for d in self._coll.docs(logical)
                          if datetime.fromisoformat(d["started_at"]) >= threshold]
        found.sort(key=lambda d: (d["started_at"], d["id"]))
        return found

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest sessions, newest first."""
        limit = r.whole_number("limit", limit, 0, 100_000)
        found: list[dict[str, Any]] = []
        with self._guard:
            for logical in reversed(self._coll.partitions()):
                if len(found) >= limit:
                    break
                docs = self._coll.docs(logical)
                docs.sort(key=lambda d: (d["started_at"], *_time_order(d)), reverse=True)
                found.extend(docs[: limit - len(found)])
        return found

    def all(self) -> list[dict[str, Any]]:
        """Every session, oldest first (for export)."""
        with self._guard:
            docs = [d for logical in self._coll.partitions() for d in self._coll.docs(logical)]
        docs.sort(key=lambda d: (d["started_at"], d["id"]))
        return docs


def _month(iso: str) -> str:
    """The partition of a start time: its month as the phone wrote it (``2026-12``)."""
    return iso[:7]


def _earlier_month(month: str) -> str:
    """The month before (a start written with another offset can sit one month apart
    from the UTC month the threshold falls in)."""
    year, number = int(month[:4]), int(month[5:7])
    year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    return f"{year:04d}-{number:02d}"
