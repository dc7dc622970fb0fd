"""The participant's treatment goals, written with them (newest version of each, by either
side), and their weekly self-ratings."""

from __future__ import annotations

import uuid

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.records import latest_version
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    SHARED_WRITE_ERRORS,
    clinician_router,
    not_found,
    participant_or_404,
    write_shared,
)
from iop_companion.clinic.shared_records import goal_ratings, latest_versions
from iop_companion.clinic.wire import shared_record_view
from iop_companion.sync.protocol import (
    ClinicianGoalsResponse,
    GoalRatingView,
    RecordKind,
    SharedRecordView,
    TreatmentGoalWrite,
)

NO_SUCH_GOAL = "There is no such goal."

router = clinician_router()


@router.get("/participants/{participant_id}/goals", responses=NOT_FOUND_ERRORS)
def read_goals(participant_id: uuid.UUID, clinician: CurrentClinician, db: DbSession,
               now: Now) -> ClinicianGoalsResponse:
    """The participant's treatment goals (newest version of each, whoever wrote it) and
    their weekly self-ratings, newest week first."""
    participant_or_404(db, clinician, participant_id, AuditAction.GOALS_READ, now)
    goals = latest_versions(db, participant_id, RecordKind.TREATMENT_GOAL)
    ratings = goal_ratings(db, participant_id)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.GOALS_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return ClinicianGoalsResponse(
        goals=[shared_record_view(goal) for goal in goals],
        ratings=[GoalRatingView(goal_id=r.payload["goal_id"], week_of=r.payload["week_of"],
                                rating=r.payload["rating"], note=r.payload.get("note", ""))
                 for r in ratings],
    )


@router.post("/participants/{participant_id}/goals", status_code=status.HTTP_201_CREATED,
             responses=SHARED_WRITE_ERRORS, response_model=SharedRecordView)
def create_goal(participant_id: uuid.UUID, body: TreatmentGoalWrite,
                clinician: CurrentClinician, db: DbSession,
                now: Now) -> SharedRecordView | JSONResponse:
    """Add a goal agreed with the participant; their app gets it at its next sync."""
    participant = participant_or_404(db, clinician, participant_id, AuditAction.GOAL_WRITE,
                                     now)
    if body.replaces_version is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "A new goal does not replace a version; leave out "
                            "'replaces_version', or change the goal with PUT.")
    return write_shared(db, clinician, participant, kind=RecordKind.TREATMENT_GOAL,
                        record_id=uuid.uuid4(), replaces_version=None,
                        content=body.model_dump(exclude={"replaces_version"}),
                        action=AuditAction.GOAL_WRITE, missing=NO_SUCH_GOAL, now=now)


@router.put("/participants/{participant_id}/goals/{goal_id}", responses=SHARED_WRITE_ERRORS,
            response_model=SharedRecordView)
def change_goal(participant_id: uuid.UUID, goal_id: uuid.UUID, body: TreatmentGoalWrite,
                clinician: CurrentClinician, db: DbSession,
                now: Now) -> SharedRecordView | JSONResponse:
    """Change a goal (its steps, its status...). Name the version you edited in
    'replaces_version': if the participant changed it since, the answer is 409 with
    their newest version, and nothing is overwritten."""
    participant = participant_or_404(db, clinician, participant_id, AuditAction.GOAL_WRITE,
                                     now)
    latest = latest_version(db, participant_id, goal_id)
    if latest is None or latest.kind is not RecordKind.TREATMENT_GOAL:
        not_found(db, clinician, AuditAction.GOAL_WRITE, "treatment_goal", goal_id,
                  NO_SUCH_GOAL, now)
    if body.replaces_version is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "'replaces_version' is required: name the version you changed.")
    return write_shared(db, clinician, participant, kind=RecordKind.TREATMENT_GOAL,
                        record_id=goal_id, replaces_version=body.replaces_version,
                        content=body.model_dump(exclude={"replaces_version"}),
                        action=AuditAction.GOAL_WRITE, missing=NO_SUCH_GOAL, now=now)
