"""Recording that the participant withdrew a consent: the family member's access ends at
once and the participant's app shows it."""

from __future__ import annotations

import uuid

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.changes import consent_as_published, publish_consent
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.models import Consent
from iop_companion.clinic.routes.clinician.common import (
    WRITE_ERRORS,
    clinician_router,
    not_found,
    participant_or_404,
)
from iop_companion.sync.protocol import ConsentNotice

NO_SUCH_CONSENT = "There is no such consent."

router = clinician_router()


@router.post("/participants/{participant_id}/consents/{consent_id}/revoke",
             responses=WRITE_ERRORS)
def revoke_participant_consent(participant_id: uuid.UUID, consent_id: uuid.UUID,
                               clinician: CurrentClinician, db: DbSession,
                               now: Now) -> ConsentNotice:
    """Record that the participant withdrew a consent (they may at any time, 42 CFR 2.31):
    the family member's access ends at their next request, and the participant's app
    shows the change. Revoking again changes nothing."""
    participant_or_404(db, clinician, participant_id, AuditAction.CONSENT_REVOKE, now)
    consent = db.get(Consent, consent_id)
    actor = staff_actor(clinician.staff_id)
    if consent is None or consent.participant_id != participant_id:
        not_found(db, clinician, AuditAction.CONSENT_REVOKE, "consent",
                  consent_id, NO_SUCH_CONSENT, now)
    repeated = consent.revoked_at is not None
    if not repeated:
        consent.revoked_at = now
        publish_consent(db, consent, now)
    record_audit(db, at=now, actor=actor, action=AuditAction.CONSENT_REVOKE,
                 record_type="consent", record_id=consent.id,
                 reason="already_revoked" if repeated else None)
    db.commit()
    return consent_as_published(db, consent)
