"""Answers to what the care team assigned: homework done, a module read."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid5

from pydantic import Field, StrictBool, StrictStr, field_validator

from iop_companion.sync.protocol.common import PrintableLine, PrintableText
from iop_companion.sync.protocol.payloads.base import (
    _iso_date_text,
    _StoredRecordPayload,
    _uuid_text,
)


class _AssignmentAnswer(_StoredRecordPayload):
    assignment_id: Annotated[StrictStr, Field(max_length=64)]
    done_on: Annotated[StrictStr, Field(max_length=10)]  # ISO date, on the clinic's calendar

    @field_validator("assignment_id")
    @classmethod
    def _assignment_uuid(cls, value: str) -> str:
        return _uuid_text(value)

    @field_validator("done_on")
    @classmethod
    def _done_date(cls, value: str) -> str:
        return _iso_date_text(value)


class HomeworkDonePayload(_AssignmentAnswer):
    """The participant did a homework assignment (one record per assignment; doing it
    again, or saying it is not done after all, is a new version)."""

    done: StrictBool = True
    note: Annotated[StrictStr, Field(max_length=1000), PrintableText] = ""


class ModuleReadPayload(_AssignmentAnswer):
    """The participant read an assigned module."""

    module_id: Annotated[StrictStr, Field(max_length=64), PrintableLine]


_ASSIGNMENT_ANSWER_NAMESPACE = UUID("0f6f0c1e-3a52-4b8e-9a57-6f1d2c7b8e41")


def assignment_answer_id(assignment_id: UUID | str) -> UUID:
    """The one record that answers an assignment: marking it again is a new version."""
    return uuid5(_ASSIGNMENT_ANSWER_NAMESPACE, f"answer:{assignment_id}")
