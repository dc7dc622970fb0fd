"""What the administrator's route modules share (staff.py, audit_log.py): a router whose
every route needs an administrator, and the staff account as sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from iop_companion.clinic.auth import require_administrator
from iop_companion.clinic.models import Staff
from iop_companion.clinic.routes.clinician.common import clinician_router
from iop_companion.sync.protocol import ErrorBody, StaffMember

FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"model": ErrorBody}}


def administrator_router() -> APIRouter:
    """A clinician router (signed in, deny by default) whose routes also need the
    administrator role: a clinician gets 403, audited."""
    router = clinician_router()
    router.dependencies.append(Depends(require_administrator))
    router.responses.update(FORBIDDEN)
    return router


def staff_member(staff: Staff) -> StaffMember:
    return StaffMember(
        id=staff.id,
        email=staff.email,
        display_name=staff.display_name,
        role=staff.role.value,  # type: ignore[arg-type]  # a StaffRole value is one of the two
        disabled=staff.disabled,
        locked_out_at=staff.locked_out_at,
        password_change_required=staff.password_change_required,
        created_at=staff.created_at,
    )
