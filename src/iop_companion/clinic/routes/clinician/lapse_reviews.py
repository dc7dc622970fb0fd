"""The participant's lapse reviews: what happened after a reported use, what helped, and
what comes next, in their words."""

from __future__ import annotations

import uuid

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.participant_status import iso_date
from iop_companion.clinic.participant_view import lapse_reviews
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    clinician_router,
    participant_or_404,
)
from iop_companion.sync.protocol import LapseReviewsResponse, LapseReviewView

router = clinician_router()


@router.get("/participants/{participant_id}/lapse-reviews", responses=NOT_FOUND_ERRORS)
def read_lapse_reviews(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                       now: Now) -> LapseReviewsResponse:
    """Every lapse review the participant sent (the newest version of each), the latest
    day first."""
    participant_or_404(db, clinician, participant_id, AuditAction.LAPSE_REVIEWS_READ, now)
    reviews = lapse_reviews(db, participant_id)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.LAPSE_REVIEWS_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return LapseReviewsResponse(lapse_reviews=[
        LapseReviewView(
            record_id=review.record_id, version=review.version,
            happened_on=iso_date(review.payload.get("happened_on")),
            **{name: text for name in ("what_happened", "what_helped", "do_differently",
                                       "who_i_will_tell")
               if isinstance(text := review.payload.get(name), str)},
            received_at=review.received_at)
        for review in reviews])
