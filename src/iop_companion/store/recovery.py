"""Recovery records: the relapse-prevention plan and lapse reviews.

Same rules as every repository (see repositories.py): validated before writing,
stamped with id/timestamps/schema version, returned as copies.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from iop_companion.domain.relapse_plan import RELAPSE_PLAN_SECTIONS

from . import records as r
from .errors import ValidationError
from .repositories import SingleDocumentRepository, _Repository, _time_order

# The plan's sections are the domain's; the store only checks and keeps them.
RELAPSE_PLAN_LISTS = RELAPSE_PLAN_SECTIONS
RELAPSE_PLAN_ITEMS_MAX = 30
RELAPSE_PLAN_ITEM_MAX = 500
LAPSE_TEXT_MAX = {"what_happened": 2000, "what_helped": 2000, "do_differently": 2000,
                  "who_i_will_tell": 500}


def validate_relapse_plan(data: Mapping[str, Any]) -> dict[str, Any]:
    """Missing lists default to empty; meta fields (as ``get()`` returns them) are
    accepted and ignored, so a plan can be read, edited and saved back."""
    if not isinstance(data, Mapping):
        raise ValidationError("relapse_plan", "must be a mapping of fields")
    r._reject_unknown(data, frozenset(RELAPSE_PLAN_LISTS) | set(r.META_FIELDS))
    return {name: r.text_list(name, data.get(name), RELAPSE_PLAN_ITEMS_MAX,
                              RELAPSE_PLAN_ITEM_MAX)
            for name in RELAPSE_PLAN_LISTS}


def validate_lapse_review(data: Mapping[str, Any]) -> dict[str, Any]:
    r._reject_unknown(data, frozenset({"happened_on", *LAPSE_TEXT_MAX}))
    happened_on = r._required(data, "happened_on")
    if not isinstance(happened_on, str) or r._quietly(date.fromisoformat, happened_on) is None:
        raise ValidationError("happened_on", "must be a date like 2026-11-22")
    review: dict[str, Any] = {"happened_on": date.fromisoformat(happened_on).isoformat()}
    for name, limit in LAPSE_TEXT_MAX.items():
        review[name] = r.text(name, data.get(name, ""), limit)
    return review


class RelapsePlanRepository(SingleDocumentRepository):
    """The person's one relapse-prevention plan."""

    collection_name = "relapse_plan"
    _validate = staticmethod(validate_relapse_plan)


class LapseReviewRepository(_Repository):
    """Guided looks back after a reported use: a few at most, so one partition."""

    collection_name = "lapse_reviews"
    _PART = "all"

    def add(self, data: Mapping[str, Any]) -> dict[str, Any]:
        clean = validate_lapse_review(data)
        stamp = self._stamp()
        record = {"id": r.new_id(), **clean, "created_at": stamp, "updated_at": stamp,
                  "schema_version": self._version}
        logical = self._coll.logical(self._PART)
        with self._guard:
            self._coll.mutate(logical, lambda t: t.insert(record))
        return copy.deepcopy(record)

    def list_recent(self, limit: int = 20) -> list[dict[str, Any]]:
        """Newest first."""
        limit = r.whole_number("limit", limit, 0, 100_000)
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        docs.sort(key=_time_order, reverse=True)
        return [copy.deepcopy(d) for d in docs[:limit]]
