"""Routes for a family member's app: what the participant chose to share, nothing else.

The router itself depends on `require_family_member`, so a route added here later
is protected, consent check included, even if its author forgets to ask for it.
That check lets a member in while a consent of theirs is live, including one still
awaiting the participant's confirmation of who joined: a route discloses content only
under `confirmed(member.consents)`.
Family routes take no participant or record ids: the token alone decides whose
shared content is returned, so there is nothing to guess (security R1).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from iop_companion.clinic.audit import AuditAction, family_actor, record_audit
from iop_companion.clinic.auth import CurrentFamilyMember, require_family_member
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.family import confirmed
from iop_companion.clinic.wire import clinic_profile
from iop_companion.sync.protocol import (
    ErrorBody,
    FamilySharedResponse,
    FamilySharingStatus,
    SharedModule,
)

_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}}

router = APIRouter(
    prefix="/family",
    tags=["family"],
    dependencies=[Depends(require_family_member)],
    responses=_ERRORS,
)


@router.get("/shared")
def read_shared(member: CurrentFamilyMember, db: DbSession, now: Now) -> FamilySharedResponse:
    """What the participant shares with this family member.

    `status` "awaiting_confirmation" (with no modules) until the participant confirms
    that the person who joined is the one they invited; then "shared". 401 once none of
    the member's consents is live (revoked, expired, or the participant said no).
    """
    participant = member.participant
    in_force = confirmed(member.consents)
    # Education modules are shared under an education consent. None is published
    # yet (a later issue adds them), so the list is empty for now.
    modules: list[SharedModule] = []
    # Each read is recorded against the consent it was made under; one made while the
    # participant has not confirmed the person disclosed nothing, and says so.
    record_audit(
        db,
        at=now,
        actor=family_actor(member.family_member_id),
        action=AuditAction.FAMILY_SHARED_READ,
        record_type="consent",
        record_id=(in_force or list(member.consents))[0].id,
        reason=None if in_force else FamilySharingStatus.AWAITING_CONFIRMATION.value,
    )
    db.commit()
    return FamilySharedResponse(
        participant_first_name=participant.display_name,
        clinic=clinic_profile(participant.clinic),
        modules=modules if in_force else [],
        status=(FamilySharingStatus.SHARED if in_force
                else FamilySharingStatus.AWAITING_CONFIRMATION).value,
    )
