"""Codes and joining: a participant's device enrolling (its tokens and the profile it
receives) and a family member's app joining with an invite code."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.common import (
    _CONTROL_CHARACTERS,
    ClinicText,
    ShortText,
    _Request,
    _Response,
)
from iop_companion.sync.protocol.pull import ClinicProfile

# Enrolment codes are read aloud and typed from a screen or a printout, so the
# alphabet leaves out characters that look alike (0/O, 1/I).
ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ENROLMENT_CODE_LENGTH = 8
ENROLMENT_CODE_EXAMPLE = "ABCD-2345"

_CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")  # spaces, hyphens and dashes


def normalise_enrolment_code(typed: str) -> str:
    """Return the canonical form of a code as a person typed it ("abcd 2345" -> "ABCD2345").

    Raises ValueError with a message fit to show next to the input field.
    """
    return _normalise_code(
        typed,
        f"An enrolment code has {ENROLMENT_CODE_LENGTH} letters and numbers, "
        f"like {ENROLMENT_CODE_EXAMPLE}. Check the code from your clinic and try again.",
    )


def normalise_invite_code(typed: str) -> str:
    """Like `normalise_enrolment_code`, for a family invite code (same format, same rules)."""
    return _normalise_code(
        typed,
        f"An invite code has {ENROLMENT_CODE_LENGTH} letters and numbers, "
        f"like {ENROLMENT_CODE_EXAMPLE}. Check the code you were given and try again.",
    )


def _normalise_code(typed: str, problem: str) -> str:
    code = _CODE_SEPARATORS.sub("", typed).upper()
    if len(code) != ENROLMENT_CODE_LENGTH or any(c not in ENROLMENT_CODE_ALPHABET for c in code):
        raise ValueError(problem)
    return code


def format_enrolment_code(code: str) -> str:
    """Show a canonical code the way people read it: "ABCD2345" -> "ABCD-2345"."""
    half = ENROLMENT_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


class EnrolmentRequest(_Request):
    """Sent once by a new device, with the code the clinic showed the participant."""

    code: Annotated[str, Field(min_length=1, max_length=32)]
    device_label: Annotated[str, Field(min_length=1, max_length=80)]

    @field_validator("code")
    @classmethod
    def _canonical_code(cls, typed: str) -> str:
        try:
            return normalise_enrolment_code(typed)
        except ValueError as error:
            # A custom error type keeps the message free of pydantic's "Value error," prefix.
            raise PydanticCustomError("enrolment_code", str(error)) from None

    @field_validator("device_label")
    @classmethod
    def _printable_label(cls, label: str) -> str:
        if _CONTROL_CHARACTERS.search(label):
            raise PydanticCustomError(
                "printable_text", "The device name can only contain printable characters."
            )
        return label


class ParticipantProfile(_Response):
    participant_id: UUID
    display_name: Annotated[str, Field(max_length=80)]
    clinic: ClinicProfile
    program_start: date | None
    program_end: date | None
    discharged_on: date | None = None


_TokenText = Annotated[str, Field(min_length=32, max_length=200)]


class TokenPair(_Response):
    """A short-lived access token for participant routes and a single-use refresh token.

    The only time the server sends either; it keeps just their hashes. The lifetime
    is relative (seconds), so a phone whose clock is wrong still knows when to refresh.
    """

    access_token: _TokenText
    access_expires_in: Annotated[int, Field(ge=1)]  # seconds from when the reply was sent
    refresh_token: _TokenText


class EnrolmentResponse(ParticipantProfile, TokenPair):
    pass


class TokenRefreshRequest(_Request):
    """Exchange a refresh token for a new pair; the presented token then stops working."""

    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


# --- Family members ------------------------------------------------------------------


class ConsentScope(StrEnum):
    """What a participant can consent to share with a family member (42 CFR Part 2).

    Responses carry scopes as plain strings, so an older app tolerates a newer scope.
    """

    EDUCATION = "education"


class FamilyJoinRequest(_Request):
    """Sent once by a family member's app, with the invite code the participant passed on."""

    code: Annotated[str, Field(min_length=1, max_length=32)]
    # How the family member is named to the participant and the clinic ("Mum", "Sam").
    display_name: Annotated[str, Field(min_length=1, max_length=80)]

    @field_validator("code")
    @classmethod
    def _canonical_code(cls, typed: str) -> str:
        try:
            return normalise_invite_code(typed)
        except ValueError as error:
            raise PydanticCustomError("invite_code", str(error)) from None

    @field_validator("display_name")
    @classmethod
    def _printable_name(cls, name: str) -> str:
        if _CONTROL_CHARACTERS.search(name):
            raise PydanticCustomError(
                "printable_text", "The name can only contain printable characters."
            )
        return name


class FamilyJoinResponse(_Response):
    # The only time the server ever sends this token; it keeps just a hash. It opens
    # the family routes only, never a participant's.
    family_token: Annotated[str, Field(min_length=32, max_length=200)]
    family_member_id: UUID
    display_name: Annotated[str, Field(max_length=80)]
    participant_first_name: Annotated[str, Field(max_length=80)]
    clinic: ClinicProfile
    # The consented scopes (ConsentScope values); strings so new scopes do not break old apps.
    shared_scope: list[Annotated[str, Field(max_length=32)]]
    # A FamilySharingStatus value: nothing is shared until the participant confirms
    # the person who joined, so a fresh join is always "awaiting_confirmation".
    status: Annotated[str, Field(max_length=32)] = "awaiting_confirmation"


class SharedModule(_Response):
    """An education module the participant shares with their family."""

    id: UUID
    title: ShortText
    summary: ClinicText


class FamilySharedResponse(_Response):
    """What a family member may see: education only, never logs, check-ins or notes.

    `status` (a FamilySharingStatus value) is "awaiting_confirmation" until the
    participant confirms that the person who joined is the one they invited; `modules`
    is then always empty. Older apps, which do not know `status`, see an empty list.
    """

    participant_first_name: Annotated[str, Field(max_length=80)]
    clinic: ClinicProfile
    modules: list[SharedModule]
    status: Annotated[str, Field(max_length=32)] = "shared"
