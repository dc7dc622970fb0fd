"""Enrolling a participant's phone: a single-use code that expires in 15 minutes, shown
as text once, with the enrolment link that carries it and the link's QR code."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import HTTPException, Request, status

from iop_companion.clinic.audit import AuditAction, commit_failure, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.enrolment import MAX_CODE_LIFETIME, issue_enrolment_code
from iop_companion.clinic.enrolment_links import link_for_code, qr_code_svg
from iop_companion.clinic.participant_status import clinic_today, is_discharged_by
from iop_companion.clinic.routes.clinician.common import clinician_router, participant_or_404
from iop_companion.sync.protocol import EnrolmentCodeResponse, ErrorBody

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (404, 409)}

router = clinician_router()


@router.post("/participants/{participant_id}/enrolment-codes",
             status_code=status.HTTP_201_CREATED, responses=ERRORS)
def issue_code(participant_id: uuid.UUID, request: Request, clinician: CurrentClinician,
               db: DbSession, now: Now) -> EnrolmentCodeResponse:
    """A new enrolment code for the participant's phone: single use, valid 15 minutes,
    shown this once (the clinic keeps only a digest). With it, the enrolment link and
    its QR code, which carry the clinic's public address and the code. A discharged
    participant gets no code (409)."""
    participant = participant_or_404(db, clinician, participant_id,
                                     AuditAction.ENROLMENT_CODE_ISSUE, now)
    discharged_on = participant.discharged_on
    if discharged_on is not None and is_discharged_by(participant,
                                                      clinic_today(participant.clinic, now)):
        commit_failure(db, at=now, actor=staff_actor(clinician.staff_id),
                       action=AuditAction.ENROLMENT_CODE_ISSUE, record_type="participant",
                       record_id=participant_id, reason="discharged")
        raise HTTPException(status.HTTP_409_CONFLICT, (
            f"This participant was discharged on {discharged_on.isoformat()}: their app no "
            "longer connects to the clinic, so there is no code to give."))
    code = issue_enrolment_code(db, participant_id, now, MAX_CODE_LIFETIME)
    # The audit row names the participant, never the code (security R4).
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.ENROLMENT_CODE_ISSUE, record_type="participant",
                 record_id=participant_id)
    db.commit()
    link, problem = link_for_code(request, code)
    return EnrolmentCodeResponse(code=code, expires_at=now + MAX_CODE_LIFETIME, link=link,
                                 qr_svg=qr_code_svg(link) if link else None,
                                 link_problem=problem)
