"""Single-use codes (enrolment codes, family invites): issue one that is free, look one
up by its digest (HMAC-SHA256 under the server secret, clinic/credentials.py), and
claim it so that only one redeemer can ever win."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from iop_companion.clinic.credentials import new_enrolment_code, session_code_digest
from iop_companion.clinic.models import EnrolmentCode, FamilyInvite

CodeRow = TypeVar("CodeRow", EnrolmentCode, FamilyInvite)


def unused_code(session: Session, table: type[CodeRow]) -> tuple[str, str]:
    """A fresh code whose digest is in no row of `table` yet: (code, its digest).

    32^8 codes make a clash very rare, but every code ever issued stays in the table
    (unique digest), so check rather than fail on the insert.
    """
    for _ in range(10):
        code = new_enrolment_code()
        code_hash = session_code_digest(session, code)
        if session.scalar(select(table.id).where(table.code_hash == code_hash)) is None:
            return code, code_hash
    raise RuntimeError("could not find an unused code")


def find_code(session: Session, table: type[CodeRow], canonical_code: str) -> CodeRow | None:
    code_hash = session_code_digest(session, canonical_code)
    return session.scalar(select(table).where(table.code_hash == code_hash))


def claim(session: Session, table: type[CodeRow], row_id: uuid.UUID, now: datetime) -> bool:
    """Mark the code used with a conditional UPDATE; False when someone else got it first.

    Two redeemers racing with the same code (in different workers) cannot both succeed.
    """
    result = cast(
        CursorResult[Any],
        session.execute(
            update(table)
            .where(table.id == row_id, table.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1
