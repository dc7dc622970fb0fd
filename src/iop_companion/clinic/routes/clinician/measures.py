"""The participant's measure results (PHQ-9, GAD-7, BAM), newest first, a page at a time:
the answers, the clinic's own score of them, what the phone claimed, and whether the two
differ (clinic/measures.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import Field, StrictInt, TypeAdapter

from iop_companion.clinic.audit import AuditAction, record_audit, staff_actor
from iop_companion.clinic.auth import CurrentClinician
from iop_companion.clinic.dependencies import DbSession, Now
from iop_companion.clinic.measures import SCORE_FIELDS, measure_result_page
from iop_companion.clinic.models import MeasureScore, ParticipantRecord
from iop_companion.clinic.paging import (
    BadCursor,
    bad_cursor,
    decode_cursor,
    encode_cursor,
    paged_query_only,
)
from iop_companion.clinic.routes.clinician.common import (
    NOT_FOUND_ERRORS,
    clinician_router,
    participant_or_404,
)
from iop_companion.sync.protocol import (
    DEFAULT_MEASURE_RESULTS_PAGE,
    MAX_CURSOR,
    MAX_MEASURE_RESULTS_PAGE,
    MAX_PAGE_CURSOR_LENGTH,
    ClinicianMeasureResult,
    ClinicianMeasureResultsResponse,
    ErrorBody,
    MeasureScores,
)

_LIST = "measure-results"
# The key of a page's last row: its server sequence number.
_KEY: TypeAdapter[tuple[int]] = TypeAdapter(
    tuple[Annotated[StrictInt, Field(ge=1, le=MAX_CURSOR)]])
ERRORS: dict[int | str, dict[str, Any]] = {**NOT_FOUND_ERRORS, 422: {"model": ErrorBody}}

router = clinician_router()


@router.get("/participants/{participant_id}/measure-results", responses=ERRORS,
            dependencies=[Depends(paged_query_only)])
def read_measure_results(
    participant_id: uuid.UUID,
    clinician: CurrentClinician,
    db: DbSession,
    now: Now,
    cursor: Annotated[str | None, Query(max_length=MAX_PAGE_CURSOR_LENGTH,
                                        description="The previous page's `next`")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_MEASURE_RESULTS_PAGE)] = (
        DEFAULT_MEASURE_RESULTS_PAGE),
) -> ClinicianMeasureResultsResponse:
    """The participant's measure results, newest first (in the order the clinic received
    them), with the clinic's score, the phone's claim and whether they differ. Repeat
    with `cursor=next` while `next` is not null."""
    try:
        before = decode_cursor(_LIST, cursor, _KEY)[0] if cursor is not None else None
    except BadCursor:
        raise bad_cursor() from None
    participant_or_404(db, clinician, participant_id, AuditAction.MEASURE_RESULTS_READ, now)
    page = measure_result_page(db, participant_id, before, limit)
    record_audit(db, at=now, actor=staff_actor(clinician.staff_id),
                 action=AuditAction.MEASURE_RESULTS_READ, record_type="participant",
                 record_id=participant_id)
    db.commit()
    return ClinicianMeasureResultsResponse(
        results=[_view(record, score) for record, score in page.results],
        next=encode_cursor(_LIST, page.next_before) if page.next_before is not None else None,
    )


def _view(record: ParticipantRecord, score: MeasureScore | None) -> ClinicianMeasureResult:
    payload = record.payload
    claimed = score.claimed if score is not None else {
        name: payload[name] for name in SCORE_FIELDS if payload.get(name) is not None}
    return ClinicianMeasureResult(
        record_id=record.record_id,
        version=record.version,
        measure=str(payload["measure"]),
        answers=list(payload["answers"]),
        substances=dict(payload.get("substances") or {}),
        difficulty=_whole_number(payload.get("difficulty")),
        recall_days=_whole_number(payload.get("recall_days")),
        completed_at=_aware_time(payload.get("completed_at")),
        received_at=record.received_at,
        score=None if score is None else MeasureScores(
            total=score.total, band=score.band, use=score.bam_use, risk=score.bam_risk,
            protective=score.bam_protective),
        phone_claim=MeasureScores.model_validate(claimed),
        mismatch=None if score is None else score.mismatch,
    )


def _whole_number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _aware_time(value: object) -> datetime | None:
    """The phone's time if it is an ISO 8601 time with a zone (the payload only bounds
    its length), else None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None
