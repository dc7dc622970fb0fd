"""Routes for a signed-in clinician, one module per resource: their own clinic's safety
alerts, measure results with the clinic's own scores, the schedule published to
participants' apps, disconnecting a participant's devices, the clinic's settings,
treatment goals and the aftercare plan (written with the participant), discharge,
homework, module assignments, consents, diary-card targets, and signing out; the
participant list with each one's status, adding and enrolling participants, their
devices, check-ins, shared plans and lapse reviews; one's own account; and, for
administrators only (administration.py), the clinic's staff and audit log.

Each module builds its router with `common.clinician_router()`, which depends on
`require_clinician`, so a route added later is protected even if its author forgets to
ask for the clinician. Signing in is public (routes/public.py). An alert, session or
participant of another clinic answers 404, as if it did not exist.

`router` combines them; the app includes it under /api/v1. A new resource module is
added to `_RESOURCES`.
"""

from __future__ import annotations

from fastapi import APIRouter

from iop_companion.clinic.routes.clinician import (
    account,
    aftercare,
    alerts,
    attendance,
    audit_log,
    check_ins,
    clinic_settings,
    consents,
    coping_logs,
    devices,
    diary_targets,
    discharge,
    enrolment_codes,
    goals,
    groups,
    homework,
    lapse_reviews,
    measures,
    modules,
    participant_devices,
    participants,
    plans,
    practice,
    schedule,
    sessions,
    staff,
)

_RESOURCES = (
    alerts,
    measures,
    schedule,
    devices,
    clinic_settings,
    goals,
    aftercare,
    discharge,
    homework,
    modules,
    consents,
    sessions,
    participants,
    enrolment_codes,
    participant_devices,
    check_ins,
    plans,
    lapse_reviews,
    practice,
    coping_logs,
    diary_targets,
    account,
    staff,
    audit_log,
    groups,
    attendance,
)

router = APIRouter()
for _resource in _RESOURCES:
    router.include_router(_resource.router)

__all__ = ["router"]
