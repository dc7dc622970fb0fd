"""Treatment goals and their weekly self-ratings.

Same rules as every repository (see repositories.py): validated before writing,
stamped with id/timestamps/schema version, returned as copies. A person has a few
goals and rates each once a week, so each collection is one partition.

A goal's stored record is its wire form (sync/protocol/ TreatmentGoalPayload) plus
two fields that stay on the phone: ``author``, who set the goal ("participant" or
"clinic", so the app can say "From your care team"), and ``changed_by``, who wrote the
version held here. ``wire_form`` drops them before a goal is sent.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from tinydb import Query

from iop_companion.domain.goals import (
    AUTHORS,
    GOAL_FIELDS,
    GOAL_STATUSES,
    RATING_MAX,
    RATING_MIN,
    RATING_NOTE_MAX,
    STEP_MAX,
    STEPS_MAX,
    TITLE_MAX,
    WHY_MAX,
    rating_id,
)

from . import records as r
from .errors import ValidationError
from .repositories import _Repository

_LOCAL_FIELDS = ("author", "changed_by")
_RATING_FIELDS = ("goal_id", "week_of", "rating", "note")


def validate_goal(data: Mapping[str, Any]) -> dict[str, Any]:
    """The goal's own fields, normalised. Meta fields and the local author fields (as
    ``get()`` returns them) are accepted and ignored, so a goal can be read, edited and
    saved back."""
    if not isinstance(data, Mapping):
        raise ValidationError("goal", "must be a mapping of fields")
    r._reject_unknown(data, frozenset(GOAL_FIELDS) | set(r.META_FIELDS) | set(_LOCAL_FIELDS))
    steps = data.get("steps") or []
    if not isinstance(steps, list):
        raise ValidationError("steps", "must be a list of steps")
    if len(steps) > STEPS_MAX:
        raise ValidationError("steps", f"must have at most {STEPS_MAX} steps")
    return {
        "title": r.text("title", r._required(data, "title"), TITLE_MAX, allow_empty=False),
        "why_it_matters": r.text("why_it_matters", data.get("why_it_matters", ""), WHY_MAX),
        "steps": [_step(i, step) for i, step in enumerate(steps)],
        "status": r.choice("status", data.get("status", "active"), GOAL_STATUSES),
    }


def _step(index: int, step: Any) -> dict[str, Any]:
    field = f"steps[{index}]"
    if not isinstance(step, Mapping):
        raise ValidationError(field, "must be a step with text")
    r._reject_unknown(step, frozenset({"text", "done"}))
    return {"text": r.text(f"{field}.text", r._required(step, "text"), STEP_MAX,
                           allow_empty=False),
            "done": r.flag(f"{field}.done", step.get("done", False))}


def wire_form(goal: Mapping[str, Any]) -> dict[str, Any]:
    """The goal as it travels to the clinic: the stored record without the local fields."""
    return {name: copy.deepcopy(value) for name, value in goal.items()
            if name not in _LOCAL_FIELDS}


def _printable(value: Any) -> Any:
    """Text from the clinic with control characters made spaces: a stray one in a
    clinician's note must not stop every later change from being pulled."""
    if isinstance(value, str):
        return r._CONTROL_RE.sub(" ", value)
    if isinstance(value, list):
        return [_printable(item) for item in value]
    if isinstance(value, Mapping):
        return {name: _printable(item) for name, item in value.items()}
    return value


class TreatmentGoalRepository(_Repository):
    """The participant's treatment goals, each with an id for life (its versions hang off it)."""

    collection_name = "treatment_goals"
    _PART = "all"

    def save(self, goal: Mapping[str, Any]) -> dict[str, Any]:
        """Add a goal (no ``id``, or one not seen here) or replace the one with this ``id``.

        A new goal is the participant's unless ``author`` says otherwise; an edit keeps
        the goal's author and records that the participant changed it.
        """
        clean = validate_goal(goal)
        record_id = r.check_uuid("id", goal["id"]) if goal.get("id") is not None else r.new_id()
        author = r.choice("author", goal.get("author", "participant"), AUTHORS)
        return self._put(record_id, clean, author=author, changed_by="participant")

    def put_from_clinic(self, record_id: str, payload: Mapping[str, Any],
                        author: str = "clinic") -> dict[str, Any]:
        """Take a version that came from the clinic (pulled, or chosen over an unsent
        edit). Nothing is queued: the clinic already has it. ``author`` is who wrote
        this version; the goal keeps who set it first, if it was already here."""
        author = r.choice("author", author, AUTHORS)
        record_id = r.check_uuid("id", record_id)
        content = {name: value for name, value in payload.items()
                   if name not in r.META_FIELDS and name not in _LOCAL_FIELDS}
        clean = validate_goal(_printable(content))
        return self._put(record_id, clean, author=author, changed_by=author)

    def _put(self, record_id: str, clean: dict[str, Any], *, author: str,
             changed_by: str) -> dict[str, Any]:
        logical = self._coll.logical(self._PART)
        with self._guard:
            docs = {doc["id"]: doc for doc in self._coll.docs(logical)}
            old = docs.get(record_id, {})
            stamp = self._stamp()
            record = {
                "id": record_id,
                **clean,
                "author": old.get("author") or author,
                "changed_by": changed_by,
                "created_at": old.get("created_at") or stamp,
                "updated_at": stamp,
                "schema_version": self._version,
            }
            docs[record_id] = record
            # One atomic write of the whole (small) partition.
            self._coll.replace(logical, dict(enumerate(docs.values(), start=1)))
        return copy.deepcopy(record)

    def get(self, goal_id: str) -> dict[str, Any] | None:
        goal_id = r.check_uuid("id", goal_id)
        with self._guard:
            found = self._coll.table(self._coll.logical(self._PART)).get(Query().id == goal_id)
        return copy.deepcopy(dict(found)) if isinstance(found, dict) else None

    def all(self) -> list[dict[str, Any]]:
        """Every goal, oldest first."""
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        docs.sort(key=lambda doc: (str(doc.get("created_at", "")), str(doc["id"])))
        return [copy.deepcopy(doc) for doc in docs]


def validate_goal_rating(data: Mapping[str, Any]) -> dict[str, Any]:
    """A week's rating of one goal; ``week_of`` must be that week's Monday."""
    if not isinstance(data, Mapping):
        raise ValidationError("goal_rating", "must be a mapping of fields")
    r._reject_unknown(data, frozenset(_RATING_FIELDS) | set(r.META_FIELDS))
    week = r._required(data, "week_of")
    monday = r._quietly(date.fromisoformat, week) if isinstance(week, str) else None
    if monday is None:
        raise ValidationError("week_of", "must be a date like 2026-11-23")
    if monday.weekday() != 0:
        raise ValidationError("week_of", "must be the Monday that starts the week")
    return {
        "goal_id": r.check_uuid("goal_id", r._required(data, "goal_id")),
        "week_of": monday.isoformat(),
        "rating": r.whole_number("rating", r._required(data, "rating"), RATING_MIN, RATING_MAX),
        "note": r.text("note", data.get("note", ""), RATING_NOTE_MAX),
    }


class GoalRatingRepository(_Repository):
    """Weekly self-ratings of progress: one record per goal and week, whose id is
    derived from both (domain.goals.rating_id), so rating a week again replaces it."""

    collection_name = "goal_ratings"
    _PART = "all"

    def rate(self, data: Mapping[str, Any]) -> dict[str, Any]:
        clean = validate_goal_rating(data)
        record_id = rating_id(clean["goal_id"], date.fromisoformat(clean["week_of"]))
        logical = self._coll.logical(self._PART)
        with self._guard:
            docs = {doc["id"]: doc for doc in self._coll.docs(logical)}
            old = docs.get(record_id, {})
            stamp = self._stamp()
            record = {
                "id": record_id,
                **clean,
                "created_at": old.get("created_at") or stamp,
                "updated_at": stamp,
                "schema_version": self._version,
            }
            docs[record_id] = record
            self._coll.replace(logical, dict(enumerate(docs.values(), start=1)))
        return copy.deepcopy(record)

    def get(self, goal_id: str, week: date) -> dict[str, Any] | None:
        """This goal's rating for the week that holds `week` (any day of it)."""
        record_id = rating_id(r.check_uuid("goal_id", goal_id), week)
        with self._guard:
            found = self._coll.table(self._coll.logical(self._PART)).get(Query().id == record_id)
        return copy.deepcopy(dict(found)) if isinstance(found, dict) else None

    def for_goal(self, goal_id: str) -> list[dict[str, Any]]:
        """This goal's ratings, newest week first."""
        goal_id = r.check_uuid("goal_id", goal_id)
        return [rating for rating in self.all() if rating["goal_id"] == goal_id]

    def all(self) -> list[dict[str, Any]]:
        """Every rating, newest week first."""
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        docs.sort(key=lambda doc: (doc["week_of"], doc["goal_id"]), reverse=True)
        return [copy.deepcopy(doc) for doc in docs]
