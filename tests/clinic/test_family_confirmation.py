"""The participant confirms the person who joined with their invite before anything is
shared: the join reaches their app on the pull feed, their answer comes back as a pushed
`family_confirmation` record, and the clinic applies it (yes: active; no: the family
member and the consent are revoked). Every step is audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import (
    AuditEntry,
    Consent,
    FamilyMember,
    Participant,
    ParticipantRecord,
)
from iop_companion.sync.protocol import ConsentNotice
from tests.clinic.clinic_testing import FakeClock, Records, bearer
from tests.clinic.family_testing import PUSH, answer_record, push_answer

SHARED = "/api/v1/family/shared"
CHANGES = "/api/v1/participant/changes"


def _audit(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _consent(sessions: sessionmaker[Session]) -> Consent:
    with sessions() as session:
        return session.scalars(sa.select(Consent)).one()


def _member(sessions: sessionmaker[Session]) -> FamilyMember:
    with sessions() as session:
        return session.scalars(sa.select(FamilyMember)).one()


def _latest_notice(client: TestClient, device_token: str) -> ConsentNotice:
    """The newest consent notice the participant's app pulls."""
    response = client.get(CHANGES, headers=bearer(device_token))
    assert response.status_code == 200, response.text
    consents = [c for c in response.json()["changes"] if c["kind"] == "consent"]
    return ConsentNotice.model_validate(consents[-1]["data"])


@pytest.fixture
def sam(records: Records) -> Participant:
    return records.participant(records.clinic(), "Sam")


@pytest.fixture
def sams_phone(records: Records, sam: Participant, enrol: Callable[..., str]) -> str:
    return enrol(records.code(sam), "Sam's phone")


@pytest.fixture
def riley(records: Records, sam: Participant, join: Callable[..., str]) -> str:
    """Someone joined with Sam's invite for Riley, typing the name "Riley R."."""
    return join(records.invite(sam, "Riley"), "Riley R.")


# ------------------------------------------------------------ before the participant answers


def test_nothing_is_shared_until_the_participant_confirms(
    client: TestClient, riley: str, sessions: sessionmaker[Session], records: Records
) -> None:
    response = client.get(SHARED, headers=bearer(riley))

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["modules"]) == ("awaiting_confirmation", [])
    assert body["participant_first_name"] == "Sam"  # whose invite it was: they know
    (entry,) = _audit(sessions, "family.shared.read")
    assert (entry.actor, entry.record_type, entry.record_id, entry.reason) == (
        f"family:{records.family_member_id(riley)}", "consent", str(_consent(sessions).id),
        "awaiting_confirmation")


def test_the_participant_s_app_learns_who_joined_with_which_invite(
    client: TestClient, sams_phone: str, riley: str, records: Records
) -> None:
    notice = _latest_notice(client, sams_phone)

    assert notice.joined is True
    assert (notice.recipient_name, notice.joined_name) == ("Riley", "Riley R.")
    assert notice.family_member_id == records.family_member_id(riley)
    assert notice.confirmation == "awaiting_confirmation"
    assert notice.revoked_at is None


def test_before_anyone_joins_the_notice_names_no_one(
    client: TestClient, sams_phone: str, records: Records, sam: Participant
) -> None:
    records.invite(sam, "Riley")
    notice = _latest_notice(client, sams_phone)
    assert (notice.joined, notice.joined_name, notice.family_member_id, notice.confirmation) == (
        False, None, None, None)


# ------------------------------------------------------------------------------- yes


def test_yes_makes_the_consent_active(
    client: TestClient, sams_phone: str, riley: str, records: Records,
    sessions: sessionmaker[Session], clock: FakeClock,
) -> None:
    member_id = records.family_member_id(riley)

    result = push_answer(client, sams_phone, member_id, True, clock.now)

    assert result["outcome"] == "stored", result
    consent = _consent(sessions)
    assert (consent.confirmed_at, consent.rejected_at, consent.revoked_at) == (
        clock.now, None, None)
    shared = client.get(SHARED, headers=bearer(riley)).json()
    assert (shared["status"], shared["modules"]) == ("shared", [])
    assert _latest_notice(client, sams_phone).confirmation == "confirmed"
    # Audited as the participant's device, against the consent it changed.
    (confirm,) = _audit(sessions, "consent.confirm")
    assert (confirm.actor, confirm.record_type, confirm.record_id, confirm.outcome.value) == (
        f"device:{records.device_id(sams_phone)}", "consent", str(consent.id), "success")
    assert _audit(sessions, "participant.record.push")[-1].outcome.value == "success"
    assert _audit(sessions, "family.shared.read")[-1].reason is None


def test_the_same_answer_sent_again_changes_nothing_more(
    client: TestClient, sams_phone: str, riley: str, records: Records,
    sessions: sessionmaker[Session], clock: FakeClock,
) -> None:
    member_id = records.family_member_id(riley)
    first = push_answer(client, sams_phone, member_id, True, clock.now)
    clock.advance(timedelta(minutes=5))

    again = push_answer(client, sams_phone, member_id, True, clock.now - timedelta(minutes=5))

    assert (again["outcome"], again["server_seq"]) == ("duplicate", first["server_seq"])
    assert len(_audit(sessions, "consent.confirm")) == 1
    assert _consent(sessions).confirmed_at == clock.now - timedelta(minutes=5)


# -------------------------------------------------------------------------------- no


def test_no_revokes_the_family_member_and_the_consent(
    client: TestClient, sams_phone: str, riley: str, records: Records,
    sessions: sessionmaker[Session], clock: FakeClock,
) -> None:
    member_id = records.family_member_id(riley)

    result = push_answer(client, sams_phone, member_id, False, clock.now)

    assert result["outcome"] == "stored", result
    consent, member = _consent(sessions), _member(sessions)
    assert (consent.revoked_at, consent.rejected_at, consent.confirmed_at) == (
        clock.now, clock.now, None)
    assert member.revoked_at == clock.now
    refused = client.get(SHARED, headers=bearer(riley))
    assert refused.status_code == 401
    assert "no longer have access" in refused.json()["detail"]
    notice = _latest_notice(client, sams_phone)
    assert (notice.confirmation, notice.revoked_at is not None) == ("rejected", True)
    device = f"device:{records.device_id(sams_phone)}"
    (reject,) = _audit(sessions, "consent.reject")
    assert (reject.actor, reject.record_id) == (device, str(consent.id))
    (revoke,) = _audit(sessions, "family_member.revoke")
    assert (revoke.actor, revoke.record_type, revoke.record_id, revoke.reason) == (
        device, "family_member", str(member_id), "participant_said_not_them")
    assert _audit(sessions, "family.authenticate")[-1].reason == "family_member_revoked"


def test_a_no_after_a_yes_still_ends_access(
    client: TestClient, sams_phone: str, riley: str, records: Records,
    sessions: sessionmaker[Session], clock: FakeClock,
) -> None:
    member_id = records.family_member_id(riley)
    push_answer(client, sams_phone, member_id, True, clock.now)
    assert client.get(SHARED, headers=bearer(riley)).json()["status"] == "shared"
    clock.advance(timedelta(minutes=10))  # within the access token's 15 minutes

    result = push_answer(client, sams_phone, member_id, False, clock.now, version=2)

    assert result["outcome"] == "stored", result
    consent = _consent(sessions)
    # It had been confirmed, so this is a withdrawal: revoked, not marked "not them".
    assert (consent.revoked_at, consent.rejected_at) == (clock.now, None)
    assert client.get(SHARED, headers=bearer(riley)).status_code == 401


def test_a_yes_never_revives_a_consent_that_ended(
    client: TestClient, sams_phone: str, riley: str, records: Records,
    sessions: sessionmaker[Session], clock: FakeClock,
) -> None:
    """An answer given offline arrives after the consent expired: kept, but it changes
    nothing, and the family token stays refused."""
    records.expire_consents(riley)

    result = push_answer(client, sams_phone, records.family_member_id(riley), True, clock.now)

    assert result["outcome"] == "stored", result
    assert _consent(sessions).confirmed_at is None
    assert client.get(SHARED, headers=bearer(riley)).status_code == 401
    (entry,) = _audit(sessions, "consent.confirm")
    assert (entry.record_type, entry.reason) == ("family_member", "nothing_awaiting_an_answer")


# --------------------------------------------------------------------- authorisation


def test_a_participant_cannot_answer_for_another_participant_s_family_member(
    client: TestClient, riley: str, records: Records, enrol: Callable[..., str],
    sessions: sessionmaker[Session], clock: FakeClock,
) -> None:
    stranger = records.participant(records.clinic("Southside Clinic"), "Jo")
    strangers_phone = enrol(records.code(stranger))
    before = client.get(SHARED, headers=bearer(riley)).json()

    outcomes = [push_answer(client, strangers_phone, member_id, right_person, clock.now)
                for member_id in (records.family_member_id(riley), uuid.uuid4())
                for right_person in (True, False)]

    # The same answer whether the id is someone else's or no one's.
    assert {(r["outcome"], r["reason"]) for r in outcomes} == {(
        "rejected", "There is no one with that id who joined with one of your invites.")}
    consent, member = _consent(sessions), _member(sessions)
    assert (consent.confirmed_at, consent.rejected_at, consent.revoked_at) == (None, None, None)
    assert member.revoked_at is None
    assert client.get(SHARED, headers=bearer(riley)).json() == before
    with sessions() as session:
        stored = session.scalar(sa.select(sa.func.count()).select_from(ParticipantRecord))
    assert stored == 0
    failures = [e for e in _audit(sessions, "participant.record.push")
                if e.outcome.value == "failure"]
    assert [e.reason for e in failures] == ["unknown_family_member"] * 4
    assert not _audit(sessions, "consent.confirm") and not _audit(sessions, "consent.reject")


def test_a_family_token_cannot_answer(
    client: TestClient, riley: str, records: Records, clock: FakeClock
) -> None:
    response = client.post(PUSH, headers=bearer(riley), json={
        "records": [answer_record(records.family_member_id(riley), True, clock.now)]})
    assert response.status_code == 401


@pytest.mark.parametrize("payload", [
    {"right_person": "yes"},
    {"right_person": 1},
    {"family_member_id": "not-a-uuid"},
    {"family_member_id": None},
    {"extra": "field"},
])
def test_a_malformed_answer_is_rejected_and_changes_nothing(
    client: TestClient, sams_phone: str, riley: str, records: Records,
    sessions: sessionmaker[Session], clock: FakeClock, payload: dict[str, Any],
) -> None:
    record = answer_record(records.family_member_id(riley), True, clock.now)
    record["payload"].update(payload)
    response = client.post(PUSH, headers=bearer(sams_phone), json={"records": [record]})
    assert response.json()["results"][0]["outcome"] == "rejected"
    assert _consent(sessions).confirmed_at is None


# ------------------------------------------------------------------ expiry while waiting


def test_the_family_token_works_while_waiting_and_ends_with_the_consent(
    client: TestClient, records: Records, sam: Participant, join: Callable[..., str],
    clock: FakeClock,
) -> None:
    token = join(records.invite(sam, consent_expires_at=clock.now + timedelta(days=10)))
    clock.advance(timedelta(days=10) - timedelta(seconds=1))
    assert client.get(SHARED, headers=bearer(token)).json()["status"] == "awaiting_confirmation"
    clock.advance(timedelta(seconds=1))
    assert client.get(SHARED, headers=bearer(token)).status_code == 401


def test_a_discharged_participant_can_still_turn_someone_away(
    client: TestClient, sams_phone: str, riley: str, records: Records, sam: Participant,
    sessions: sessionmaker[Session], clock: FakeClock,
) -> None:
    """After discharge the clinic takes only safety flags and these answers: the
    participant's consent stays theirs to withdraw whatever their care status."""
    with sessions.begin() as session:
        session.execute(sa.update(Participant).where(Participant.id == sam.id)
                        .values(discharged_on=clock.now.date() - timedelta(days=1)))

    result = push_answer(client, sams_phone, records.family_member_id(riley), False, clock.now)

    assert result["outcome"] == "stored", result
    assert _member(sessions).revoked_at == clock.now
    assert client.get(SHARED, headers=bearer(riley)).status_code == 401
