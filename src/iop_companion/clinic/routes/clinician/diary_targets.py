"""The participant's diary-card targets ("Skipped a meal", "Isolated myself"): reading
them and replacing the list. Up to 8, each rated on the card like an urge (0 to 5, and
whether they did it); the participant's app gets the list at its next sync.

Only the clinician's own clinic's participants (another clinic's is 404, audited);
every read and write is audited.
"""

from __future__ import annotations

import uuid

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.changes import publish_diary_targets
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.diary_targets import last_change, participant_targets, replace_targets
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    WRITE_ERRORS,
    clinician_router,
    participant_or_404,
)
from iop_companion.clinic.wire import diary_targets
from iop_companion.sync.protocol import DiaryTargetsView, DiaryTargetsWrite

router = clinician_router()


def _view(db: DbSession, participant_id: uuid.UUID) -> DiaryTargetsView:
    rows = participant_targets(db, participant_id)
    return DiaryTargetsView(participant_id=participant_id,
                            targets=diary_targets(rows).targets, updated_at=last_change(rows))


@router.get("/participants/{participant_id}/diary-targets", responses=NOT_FOUND_ERRORS)
def read_diary_targets(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
                       now: Now) -> DiaryTargetsView:
    """The targets on the participant's diary card, in the order the card shows them."""
    participant_or_404(db, clinician, participant_id, AuditAction.DIARY_TARGETS_READ, now)
    view = _view(db, participant_id)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.DIARY_TARGETS_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return view


@router.put("/participants/{participant_id}/diary-targets", responses=WRITE_ERRORS)
def set_diary_targets(participant_id: uuid.UUID, body: DiaryTargetsWrite,
                      clinician: CurrentClinician, db: DbSession,
                      now: Now) -> DiaryTargetsView:
    """Replace the participant's targets (`{"targets": [{"label": "Skipped a meal"}]}`, up
    to 8, each 1-60 characters on one line, each once). A target whose label is unchanged
    keeps its id; one left out leaves new cards, and cards already saved keep its
    ratings. An empty list takes the section off the card."""
    participant = participant_or_404(db, clinician, participant_id,
                                     AuditAction.DIARY_TARGETS_WRITE, now)
    changed = replace_targets(db, participant, [target.label for target in body.targets],
                              clinician.staff_id, now)
    if changed:
        publish_diary_targets(db, participant, now)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.DIARY_TARGETS_WRITE, record_type="participant",
                 record_id=participant_id, reason=None if changed else "unchanged")
    db.commit()
    return _view(db, participant_id)
