"""What every part of the protocol shares: the version, the request and response bases,
text rules, and the one way validation errors are put into words.

Names with a leading underscore belong to the package: its modules share them, and
`iop_companion.sync.protocol` does not export them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

PROTOCOL_VERSION = 1

# Also the bidirectional embeddings, overrides and isolates, which can make text show
# in another order than it reads ("Trojan Source"). The marks (U+200E, U+200F) that
# right-to-left writing needs stay allowed.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_CONTROL_CHARACTERS = re.compile(f"[\\x00-\\x1f\\x7f{_BIDI_CONTROLS}]")
# Multi-line text may keep its line breaks and tabs; nothing else invisible.
_CONTROL_EXCEPT_LINES = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f{_BIDI_CONTROLS}]")

# Times outside these are refused: nothing real happens then, and a zone-aware time
# near year 1 or 9999 cannot even be turned into UTC (it used to end in a 500).
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)
TIME_RANGE_MESSAGE = "must be a time between 2000 and 2100"


def time_in_range(value: datetime) -> bool:
    """Whether a zone-aware `value` lies between EARLIEST_TIME and LATEST_TIME."""
    try:
        return EARLIEST_TIME <= value.astimezone(UTC) < LATEST_TIME
    except OverflowError:
        return False


def _sane_time(value: datetime) -> datetime:
    if not time_in_range(value):
        raise PydanticCustomError("time_range", TIME_RANGE_MESSAGE)
    return value


# A zone-aware time in the sane range (request fields; answered with 422 otherwise).
SaneDatetime = Annotated[AwareDatetime, AfterValidator(_sane_time)]

DATE_RANGE_MESSAGE = "must be a date between 2000 and 2100"


def _sane_date(value: date) -> date:
    # A day near year 9999 cannot have a grace period added to it (a discharge on
    # 9999-12-31 used to make every later request of the participant's devices a 500).
    if not EARLIEST_TIME.date() <= value < LATEST_TIME.date():
        raise PydanticCustomError("date_range", DATE_RANGE_MESSAGE)
    return value


# A calendar day in the same range (request fields; answered with 422 otherwise).
SaneDate = Annotated[date, AfterValidator(_sane_date)]


def _printable_line(value: str) -> str:
    if _CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError("printable_text", "Text can only contain printable characters.")
    return value


def _printable_text(value: str) -> str:
    if _CONTROL_EXCEPT_LINES.search(value):
        raise PydanticCustomError("printable_text", "Text can only contain printable characters.")
    return value


# What clinicians write for a participant's app: the app stores text only if it is
# printable, and one item it cannot store would hold up every later pull.
PrintableLine = AfterValidator(_printable_line)
PrintableText = AfterValidator(_printable_text)

ClinicText = Annotated[str, Field(max_length=400)]
ShortText = Annotated[str, Field(max_length=120)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


class HealthResponse(_Response):
    status: Literal["ok"]
    protocol_version: int


class ErrorBody(_Response):
    """Every error the server returns has this shape; `detail` is written for people."""

    detail: str


def describe_validation_errors(errors: Iterable[Mapping[str, Any]], limit: int = 3) -> str:
    """Turn pydantic/FastAPI validation errors into one sentence a person can act on.

    Never echoes the rejected values: they may hold health data or an enrolment code.
    """
    sentences: list[str] = []
    for error in errors:
        sentence = _describe_one_error(error)
        if sentence not in sentences:
            sentences.append(sentence)
        if len(sentences) == limit:
            break
    return " ".join(sentences) or "The request was not valid."


def _describe_one_error(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
    field = ".".join(part[:40] for part in location if not part.isdigit()) or "request"
    context = error.get("ctx") or {}
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if kind in ("model_attributes_type", "model_type", "dict_type") and field == "request":
        return "The request body must be a JSON object."
    if kind == "missing":
        if field == "request":
            return "The request body is missing; send a JSON object."
        return f"'{field}' is required."
    if kind == "extra_forbidden":
        return f"'{field}' is not a field this server accepts."
    if kind == "string_too_long":
        return f"'{field}' can be at most {context.get('max_length')} characters."
    if kind == "string_too_short":
        return f"'{field}' cannot be empty."
    if kind in ("enrolment_code", "invite_code", "printable_text", "version_chain",
                "session_times", "clock_time"):
        return str(error.get("msg"))
    return f"'{field}': {error.get('msg', 'is not valid')}."
