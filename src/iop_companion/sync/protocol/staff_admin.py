"""Staff accounts and the clinic's audit log: what an administrator sends and is sent,
and a staff member's own account (including the password change a new account must
make at its first sign-in)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.common import PrintableLine, _Request, _Response

StaffRoleName = Literal["clinician", "administrator"]

# Deliberately loose (one @, a dot in the domain, no spaces): the clinic knows its staff's
# addresses, and a stricter rule would refuse real ones.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # as at sign-in

DEFAULT_AUDIT_PAGE = 100
MAX_AUDIT_PAGE = 500


class StaffMember(_Response):
    id: UUID
    email: str
    display_name: str
    # An administrator does everything a clinician does, and manages staff and reads
    # the clinic's audit log.
    role: StaffRoleName
    disabled: bool  # cannot sign in; its sessions ended when it was disabled
    # Repeated wrong passwords locked it (a notice for the admin); enabling clears it.
    locked_out_at: AwareDatetime | None
    # Signed in with a temporary password: must choose a new one before anything else.
    password_change_required: bool
    created_at: AwareDatetime


class StaffListResponse(_Response):
    staff: list[StaffMember]  # by name


class StaffCreateRequest(_Request):
    email: Annotated[str, Field(min_length=3, max_length=254)]
    display_name: Annotated[str, Field(min_length=1, max_length=120), PrintableLine]
    role: StaffRoleName = "clinician"

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise PydanticCustomError("email", "must be an email address like name@clinic.org")
        return value.lower()


class StaffCreatedResponse(_Response):
    staff: StaffMember
    # Shown this once (the clinic keeps only its Argon2id hash); the new account signs
    # in with it and must then choose its own password.
    temporary_password: str


class PasswordResetResponse(_Response):
    staff: StaffMember
    temporary_password: str  # shown this once, as when the account was added
    ended_sessions: int  # the account's sessions that the reset signed out


class PasswordChangeRequest(_Request):
    # Passwords are taken exactly as typed: no whitespace stripping.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    current_password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
    new_password: Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]

    @field_validator("new_password")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if len(value) < MIN_PASSWORD_LENGTH or not value.strip():
            raise PydanticCustomError(
                "password_length", f"must be at least {MIN_PASSWORD_LENGTH} characters")
        return value


class AuditEntryView(_Response):
    """One line of the audit trail: who did what to which record, and when. It never
    holds tokens, codes or health data."""

    id: int
    at: AwareDatetime
    # "staff:<id>", "device:<id>", "family:<id>", "cli" (the iop-clinic command), or
    # "anonymous" (a refused attempt whose credential matched nothing).
    actor: str
    actor_name: str | None  # the staff member's name, for this clinic's staff
    action: str  # e.g. "clinician.check_ins.read"
    outcome: Literal["success", "failure"]
    record_type: str | None
    record_id: str | None
    reason: str | None  # machine-readable, e.g. "not_found"


class AuditLogResponse(_Response):
    entries: list[AuditEntryView]  # newest first
    # Pass as `cursor` for the next page; null on the last. A page may hold fewer than
    # `limit` entries (even none) while `next` is not null: keep going.
    next: str | None = None
