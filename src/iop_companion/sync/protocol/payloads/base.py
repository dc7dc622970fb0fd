"""What every payload shares: the strict base and the envelope of a stored app record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.common import TIME_RANGE_MESSAGE, time_in_range


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


_ISO_TIMESTAMP_MAX = 40


def _uuid_text(value: str) -> str:
    """`value` if it is a UUID written as text (ids inside payloads travel as text)."""
    try:
        UUID(value)
    except ValueError:
        raise PydanticCustomError("uuid_text", "must be a UUID") from None
    return value


def _iso_date_text(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("iso_date", "must be a date like 2026-11-22") from None
    return value


class _StoredRecordPayload(_Payload):
    """The envelope every app record carries (store/records.py) as it travels."""

    id: Annotated[StrictStr, Field(max_length=64)] | None = None
    created_at: Annotated[StrictStr, Field(max_length=_ISO_TIMESTAMP_MAX)] | None = None
    updated_at: Annotated[StrictStr, Field(max_length=_ISO_TIMESTAMP_MAX)] | None = None
    schema_version: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None

    @field_validator("id")
    @classmethod
    def _uuid_text(cls, value: str | None) -> str | None:
        return None if value is None else _uuid_text(value)

    @field_validator("created_at", "updated_at")
    @classmethod
    def _aware_iso_timestamp(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                raise PydanticCustomError("iso_timestamp", "must be an ISO 8601 time") from None
            if moment.utcoffset() is None:
                raise PydanticCustomError("iso_timestamp", "must include a timezone") from None
            if not time_in_range(moment):
                raise PydanticCustomError("time_range", TIME_RANGE_MESSAGE)
        return value
