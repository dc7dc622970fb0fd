"""The clinic scores every measure result itself (issue 10): its own score beside the
phone's claim, a mismatch marked, unscorable answers refused, and the clinician's paged
list of results."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import AuditEntry, MeasureScore, ParticipantRecord
from iop_companion.clinic.paging import encode_cursor
from iop_companion.sync.protocol import ClinicianMeasureResultsResponse
from tests.clinic.clinic_testing import Records, bearer, clinician_headers
from tests.clinic.sync_records import PUSH, record

# A valid BAM over the form's 30 days: use 2+1+1, risk 1+2+0+1+0+1, protective 3+2+3+2+4+2.
BAM_ANSWERS = [1, 2, 0, 2, 1, 1, 1, 1, 3, 2, 0, 3, 2, 4, 1, 2, 3]


def measure_result(measure: str, answers: list[int], **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "created_at": "2026-03-04T14:55:00+00:00",
        "schema_version": 1,
        "measure": measure,
        "answers": answers,
        "completed_at": "2026-03-04T14:55:00+00:00",
        **fields,
    }
    return record("measure_result", payload=payload)


class _Setting:
    def __init__(self, client: TestClient, records: Records,
                 enrol: Callable[..., str]) -> None:
        clinic = records.clinic()
        records.clinician(clinic)
        records.clinician(records.clinic("Southside Clinic"), "jo@southside.example")
        self.sam = records.participant(clinic, "Sam")
        self.device = enrol(records.code(self.sam))
        self.client = client

    def push(self, *pushed: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post(PUSH, json={"records": list(pushed)},
                                    headers=bearer(self.device))
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def results_url(self, participant_id: Any = None) -> str:
        return (f"/api/v1/clinician/participants/{participant_id or self.sam.id}"
                "/measure-results")


@pytest.fixture
def setting(client: TestClient, records: Records, enrol: Callable[..., str]) -> _Setting:
    return _Setting(client, records, enrol)


def _scores(sessions: sessionmaker[Session]) -> dict[str, MeasureScore]:
    with sessions() as session:
        rows = session.execute(sa.select(ParticipantRecord.record_id, MeasureScore).join(
            MeasureScore, MeasureScore.server_seq == ParticipantRecord.server_seq)).all()
    return {str(record_id): score for record_id, score in rows}


def test_a_total_that_disagrees_with_the_answers_is_stored_with_the_clinics_score_and_marked(
    setting: _Setting, sessions: sessionmaker[Session]
) -> None:
    # Answers sum to 14 (moderate); the phone says 3, minimal.
    wrong = measure_result("phq9", [2, 2, 2, 2, 2, 2, 1, 1, 0], total=3, band="minimal")
    right = measure_result("gad7", [1, 1, 1, 1, 1, 0, 0], total=5, band="mild")
    bam = measure_result("bam", BAM_ANSWERS, substances={"marijuana": 1})
    assert [r["outcome"] for r in setting.push(wrong, right, bam)] == ["stored"] * 3

    scores = _scores(sessions)
    marked = scores[wrong["id"]]
    assert (marked.measure, marked.total, marked.band) == ("phq9", 14, "moderate")
    assert marked.mismatch is True and marked.claimed == {"total": 3, "band": "minimal"}
    agreed = scores[right["id"]]
    assert (agreed.total, agreed.band, agreed.mismatch) == (5, "mild", False)
    assert agreed.claimed == {"total": 5, "band": "mild"}
    scored_bam = scores[bam["id"]]
    assert (scored_bam.total, scored_bam.band) == (None, None)
    assert (scored_bam.bam_use, scored_bam.bam_risk, scored_bam.bam_protective) == (4, 5, 16)
    assert scored_bam.mismatch is False and scored_bam.claimed == {}
    # The stored record is what the phone sent, claim included.
    with sessions() as session:
        payload = session.scalar(sa.select(ParticipantRecord.payload).where(
            ParticipantRecord.record_id == uuid.UUID(wrong["id"])))
    assert payload is not None and payload["total"] == 3

    response = setting.client.get(setting.results_url(),
                                  headers=clinician_headers(setting.client,
                                                            "morgan@northside.example"))
    assert response.status_code == 200, response.text
    listed = ClinicianMeasureResultsResponse.model_validate(response.json())
    assert [str(r.record_id) for r in listed.results] == [bam["id"], right["id"], wrong["id"]]
    assert listed.next is None
    shown = listed.results[2]
    assert shown.score is not None and (shown.score.total, shown.score.band) == (14, "moderate")
    assert (shown.phone_claim.total, shown.phone_claim.band) == (3, "minimal")
    assert shown.mismatch is True and shown.answers == [2, 2, 2, 2, 2, 2, 1, 1, 0]
    assert listed.results[0].score is not None and listed.results[0].score.protective == 16
    assert listed.results[0].substances == {"marijuana": 1}


@pytest.mark.parametrize(("measure", "answers", "fields", "reason"), [
    ("phq9", [0] * 8, {"total": 0, "band": "minimal"}, "a PHQ-9 has 9 answers"),
    ("gad7", [0, 0, 4, 0, 0, 0, 0], {"total": 4, "band": "minimal"},
     "answer 3 is not one of the question's answers"),
    ("bam", [0, 0, 0, 1, 2, *BAM_ANSWERS[5:]], {"substances": {"marijuana": 1}},
     "answer 5 (heavy-drinking days) is above answer 4"),
    ("bam", [*BAM_ANSWERS[:13], 2, *BAM_ANSWERS[14:]], {"substances": {"marijuana": 1}},
     "answer 14 is not one of the question's answers"),
    ("phq9", [0] * 9, {"total": 0, "band": "minimal", "substances": {"opioids": 1}},
     "days per substance is not part of the PHQ-9"),
    ("bam", BAM_ANSWERS, {"substances": {"marijuana": 2}},
     "a substance in answer 7 has more days than answer 6"),
    # Code 3 is 9-15 days: it cannot happen in a weekly BAM's 7 days.
    ("bam", [*BAM_ANSWERS[:9], 3, *BAM_ANSWERS[10:]],
     {"substances": {"marijuana": 1}, "recall_days": 7},
     "answer 10 is not one of the question's answers"),
])
def test_answers_that_cannot_be_scored_are_rejected_with_a_clear_reason(
    setting: _Setting, sessions: sessionmaker[Session], measure: str, answers: list[int],
    fields: dict[str, Any], reason: str,
) -> None:
    [result] = setting.push(measure_result(measure, answers, **fields))
    assert result["outcome"] == "rejected"
    assert reason in result["reason"] and "cannot be scored" in result["reason"]
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ParticipantRecord)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(MeasureScore)) == 0
        audited = session.scalars(sa.select(AuditEntry.reason).where(
            AuditEntry.action == "participant.record.push")).all()
    assert audited == ["unscorable"]


def test_a_weekly_bam_and_the_difficulty_answer_reach_the_clinician(
    setting: _Setting, sessions: sessionmaker[Session]
) -> None:
    weekly = measure_result("bam", BAM_ANSWERS, substances={"marijuana": 1}, recall_days=7)
    phq9 = measure_result("phq9", [1] * 9, total=9, band="mild", difficulty=2)
    assert [r["outcome"] for r in setting.push(weekly, phq9)] == ["stored"] * 2
    response = setting.client.get(setting.results_url(),
                                  headers=clinician_headers(setting.client,
                                                            "morgan@northside.example"))
    assert response.status_code == 200, response.text
    shown_phq9, shown_bam = ClinicianMeasureResultsResponse.model_validate(
        response.json()).results
    assert (shown_bam.recall_days, shown_bam.difficulty) == (7, None)
    assert shown_bam.score is not None and shown_bam.score.use == 4
    assert (shown_phq9.difficulty, shown_phq9.mismatch) == (2, False)
    assert shown_phq9.score is not None and shown_phq9.score.total == 9


def test_a_replayed_result_is_a_duplicate_and_scored_once(
    setting: _Setting, sessions: sessionmaker[Session]
) -> None:
    pushed = measure_result("phq9", [1] * 9, total=9, band="mild")
    assert setting.push(pushed)[0]["outcome"] == "stored"
    assert setting.push(pushed)[0]["outcome"] == "duplicate"
    assert list(_scores(sessions)) == [pushed["id"]]


def test_the_clinician_reads_results_a_page_at_a_time_newest_first(
    setting: _Setting, sessions: sessionmaker[Session]
) -> None:
    pushed = [measure_result("gad7", [total, 0, 0, 0, 0, 0, 0], total=total, band="minimal")
              for total in range(4)]
    for one in pushed:
        setting.push(one)
    headers = clinician_headers(setting.client, "morgan@northside.example")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor is not None:
            params["cursor"] = cursor
        response = setting.client.get(setting.results_url(), params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = ClinicianMeasureResultsResponse.model_validate(response.json())
        seen += [str(r.record_id) for r in page.results]
        pages += 1
        cursor = page.next
        if cursor is None:
            break
    assert pages == 2 and seen == [p["id"] for p in reversed(pushed)]
    assert _audited_reads(sessions) == [("success", str(setting.sam.id))] * 2


def _audited_reads(sessions: sessionmaker[Session]) -> list[tuple[str, str | None]]:
    with sessions() as session:
        return [(outcome, record_id) for outcome, record_id in session.execute(
            sa.select(AuditEntry.outcome, AuditEntry.record_id).where(
                AuditEntry.action == "clinician.measure_results.read"))]


def test_another_clinics_clinician_gets_a_404_and_the_attempt_is_audited(
    setting: _Setting, sessions: sessionmaker[Session]
) -> None:
    setting.push(measure_result("phq9", [0] * 9, total=0, band="minimal"))
    south = clinician_headers(setting.client, "jo@southside.example")
    response = setting.client.get(setting.results_url(), headers=south)
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no such participant."
    assert "minimal" not in response.text
    assert [outcome for outcome, _ in _audited_reads(sessions)] == ["failure"]


@pytest.mark.parametrize(("query", "detail"), [
    ("limit=0", "'limit'"),
    ("limit=100000", "'limit'"),
    ("cursor=not-a-cursor", "'cursor' is not a cursor this server gave for this list"),
    # A cursor of the alert list is not one of this list.
    ("cursor=" + encode_cursor("alerts", 0, 100, "2026-03-04T15:00:00+00:00",
                               str(uuid.UUID(int=0))), "'cursor' is not a cursor"),
    ("cursor=" + encode_cursor("measure-results", 0), "'cursor' is not a cursor"),
    ("page=2", "'page' is not a parameter this server accepts"),
])
def test_bad_paging_gets_a_clear_422(setting: _Setting, query: str, detail: str) -> None:
    headers = clinician_headers(setting.client, "morgan@northside.example")
    response = setting.client.get(f"{setting.results_url()}?{query}", headers=headers)
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]
