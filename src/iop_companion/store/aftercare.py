"""My aftercare plan: one per person, built with the clinic as discharge approaches.

Same rules as every repository (see repositories.py): validated before writing,
stamped with id/timestamps/schema version, returned as copies. The checks match the
wire format (sync/protocol/ `AftercarePlanPayload`), so whatever is kept here can
travel to the clinic, and whatever the clinic sends can be kept here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iop_companion.domain.aftercare import (
    AFTERCARE_LIST_SECTIONS,
    ITEM_MAX,
    ITEMS_MAX,
    MEETING_NAME_MAX,
    MEETING_PLACE_MAX,
    MEETINGS_MAX,
    WEEKDAYS,
    merge_plans,
    parse_clock_time,
    plan_is_empty,
)

from . import records as r
from .errors import ValidationError
from .repositories import SingleDocumentRepository

_MEETING_FIELDS = frozenset({"name", "weekday", "time", "place"})


def _meeting(index: int, data: Any) -> dict[str, Any]:
    field = f"support_meetings[{index}]"
    if not isinstance(data, Mapping):
        raise ValidationError(field, "must be a mapping of fields")
    r._reject_unknown(data, _MEETING_FIELDS)
    time = data.get("time")
    # Stored only as the wire's 24-hour "HH:MM", so a stored plan always travels.
    if not isinstance(time, str) or parse_clock_time(time) != time:
        raise ValidationError(f"{field}.time", "must be a 24-hour time like 18:30")
    return {
        "name": r.text(f"{field}.name", data.get("name"), MEETING_NAME_MAX, allow_empty=False),
        "weekday": r.choice(f"{field}.weekday", data.get("weekday"), WEEKDAYS),
        "time": time,
        "place": r.text(f"{field}.place", data.get("place", ""), MEETING_PLACE_MAX),
    }


def validate_aftercare_plan(data: Mapping[str, Any]) -> dict[str, Any]:
    """Missing parts default to empty; meta fields (as ``get()`` returns them) are
    accepted and ignored, so a plan can be read, edited and saved back."""
    if not isinstance(data, Mapping):
        raise ValidationError("aftercare_plan", "must be a mapping of fields")
    r._reject_unknown(data, {*AFTERCARE_LIST_SECTIONS, "support_meetings", *r.META_FIELDS})
    plan: dict[str, Any] = {}
    for name in AFTERCARE_LIST_SECTIONS:
        items = r.text_list(name, data.get(name), ITEMS_MAX, ITEM_MAX)
        if any(not item.strip() for item in items):
            raise ValidationError(name, "must not hold empty items")
        plan[name] = items
    meetings = data.get("support_meetings") or []
    if not isinstance(meetings, list):
        raise ValidationError("support_meetings", "must be a list of meetings")
    if len(meetings) > MEETINGS_MAX:
        raise ValidationError("support_meetings", f"must have at most {MEETINGS_MAX} items")
    plan["support_meetings"] = [_meeting(i, meeting) for i, meeting in enumerate(meetings)]
    return plan


class AftercarePlanRepository(SingleDocumentRepository):
    """The person's one aftercare plan.

    While the clinic receives what the participant writes, the plan lives under the id
    both sides derive from the participant (`protocol.aftercare_plan_id`), so versions
    written on the phone and at the clinic are versions of one record. A plan written
    outside care (before connecting, or after discharge) keeps an id of its own: a
    version that then arrives from the clinic is merged into it, never replacing it.
    """

    collection_name = "aftercare_plan"
    _validate = staticmethod(validate_aftercare_plan)

    def save(self, plan: Mapping[str, Any], *, record_id: str | None = None) -> dict[str, Any]:
        """Save the plan; with `record_id`, under that id (taking the shared id on
        connecting, or an id of its own after discharge)."""
        if record_id is None:
            return super().save(plan)
        # The base class's put_from_clinic is exactly "save under this id".
        return super().put_from_clinic(record_id, plan)

    def put_from_clinic(self, record_id: str, payload: Mapping[str, Any],
                        author: str = "clinic") -> dict[str, Any]:
        """Take a version from the clinic. If the plan here has an id of its own (written
        while the clinic was not receiving it), both are kept: the clinic's items are
        added to the participant's, and the plan keeps its own id until it is shared."""
        current = self.get()
        if plan_is_empty(current) or current["id"] == r.check_uuid("id", record_id):
            return super().put_from_clinic(record_id, payload, author)
        assert current is not None  # not empty
        merged = merge_plans(current, self._validate(
            {k: v for k, v in payload.items() if k not in r.META_FIELDS}))
        return super().put_from_clinic(current["id"], merged, author)
