"""The participant's answer about who joined with their family invite.

Joining with an invite shares nothing yet: the participant's app shows the name the
person joined with next to the name on the invite, and the participant answers "yes,
share with them" or "no, this isn't them". The answer travels as a pushed record (so
it can be given offline) and the clinic applies it: yes makes the consents active, no
revokes the family member and their consents.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid5

from pydantic import Field, StrictBool, StrictStr, field_validator

from iop_companion.sync.protocol.payloads.base import _StoredRecordPayload, _uuid_text


class ConsentConfirmation(StrEnum):
    """Where a joined consent stands with the participant (`ConsentNotice.confirmation`).

    Carried as a plain string, so an older app tolerates a newer value."""

    AWAITING = "awaiting_confirmation"  # joined; the participant has not answered yet
    CONFIRMED = "confirmed"  # the participant said this is the right person
    REJECTED = "rejected"  # the participant said this is not the person they invited


class FamilySharingStatus(StrEnum):
    """What `GET /family/shared` answers about the family member (`status`)."""

    SHARED = "shared"  # confirmed: `modules` is what the participant shares
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # nothing is shared until they confirm


class FamilyConfirmationPayload(_StoredRecordPayload):
    """The participant's answer for one person who joined with their invite."""

    family_member_id: Annotated[StrictStr, Field(max_length=64)]
    # True: "Yes, share with them"; False: "No, this isn't them".
    right_person: StrictBool

    @field_validator("family_member_id")
    @classmethod
    def _member_uuid(cls, value: str) -> str:
        return _uuid_text(value)


_FAMILY_CONFIRMATION_NAMESPACE = UUID("5b0e6f2a-8c1d-4e7b-9f3a-2d6c8e1b4a70")


def family_confirmation_id(family_member_id: UUID | str) -> UUID:
    """The one record holding the participant's answer about this family member."""
    return uuid5(_FAMILY_CONFIRMATION_NAMESPACE, f"family_confirmation:{family_member_id}")
