"""Family members: single-use invites, a family token, and access that lasts only with consent.

(The participant's answer about who joined, which comes before anything is shared, is
in test_family_confirmation.py.)"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.credentials import session_code_digest
from iop_companion.clinic.family import CONSENT_LIFETIME, INVITE_LIFETIME, issue_family_invite
from iop_companion.clinic.models import (
    AuditEntry,
    Consent,
    FamilyInvite,
    FamilyMember,
    Participant,
)
from iop_companion.clinic.routes.public import INVITE_REFUSED_MESSAGE
from iop_companion.sync.protocol import ConsentScope, FamilyJoinResponse, FamilySharedResponse
from tests.clinic.clinic_testing import FakeClock, Records, bearer
from tests.clinic.family_testing import push_answer

JOIN = "/api/v1/family/join"
SHARED = "/api/v1/family/shared"


def _audit(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(
            session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


@pytest.fixture
def sam(records: Records) -> Participant:
    return records.participant(records.clinic(), "Sam")


@pytest.fixture
def family_token(
    records: Records, sam: Participant, join: Callable[..., str], enrol: Callable[..., str],
    client: TestClient,
) -> str:
    """Riley's token, once Sam has confirmed it is Riley who joined."""
    token = join(records.invite(sam, "Riley"), "Riley")
    sams_phone = enrol(records.code(sam))
    result = push_answer(client, sams_phone, records.family_member_id(token), True,
                         records.clock.now)
    assert result["outcome"] == "stored", result
    return token


# ------------------------------------------------------------------------------ joining


def test_an_invite_makes_a_family_member_bound_to_the_consent(
    client: TestClient, records: Records, sam: Participant, sessions: sessionmaker[Session]
) -> None:
    code = records.invite(sam, "Riley")

    response = client.post(JOIN, json={"code": code, "display_name": "Riley (sister)"})

    assert response.status_code == 201, response.text
    joined = FamilyJoinResponse.model_validate(response.json())
    assert joined.display_name == "Riley (sister)"
    assert joined.participant_first_name == "Sam"
    assert joined.clinic.name == "Northside Clinic"
    assert joined.clinic.crisis_line == "+1 (555) 010-1999"
    assert joined.shared_scope == ["education"]
    assert len(joined.family_token) >= 32
    assert "participant_id" not in response.json()  # a family member needs no ids of Sam's

    with sessions() as session:
        member = session.scalars(sa.select(FamilyMember)).one()
        invite = session.scalars(sa.select(FamilyInvite)).one()
        consent = session.scalars(sa.select(Consent)).one()
    assert member.id == joined.family_member_id
    assert member.participant_id == sam.id
    # Only digests are stored, never the token or the code themselves: the 256-bit
    # token's SHA-256, the 40-bit code's HMAC under the server secret (not its SHA-256).
    assert member.token_hash == hashlib.sha256(joined.family_token.encode()).hexdigest()
    canonical = code.replace("-", "")
    assert invite.code_hash != hashlib.sha256(canonical.encode()).hexdigest()
    with sessions() as session:
        assert invite.code_hash == session_code_digest(session, canonical)
    assert invite.recipient_name == "Riley"
    assert member.display_name == "Riley (sister)"  # the name the joiner typed
    assert invite.used_at is not None
    # The consent records who, what, why, since when, and that it is in force.
    assert (consent.participant_id, consent.invite_id, consent.family_member_id) == (
        sam.id,
        invite.id,
        member.id,
    )
    assert consent.scope is ConsentScope.EDUCATION
    assert consent.purpose
    assert consent.granted_at == invite.created_at
    assert consent.revoked_at is None
    # A year by default; and nothing is shared until Sam confirms who joined.
    assert consent.expires_at == consent.granted_at + CONSENT_LIFETIME
    assert (consent.confirmed_at, consent.rejected_at) == (None, None)
    assert joined.status == "awaiting_confirmation"

    (join_entry,) = _audit(sessions, "family.join")
    assert (join_entry.actor, join_entry.outcome.value, join_entry.record_id) == (
        f"family:{member.id}",
        "success",
        str(member.id),
    )
    (bind_entry,) = _audit(sessions, "consent.bind")
    assert (bind_entry.record_type, bind_entry.record_id) == ("consent", str(consent.id))


@pytest.mark.parametrize(
    "as_typed",
    [
        lambda code: code.lower(),
        lambda code: code.replace("-", ""),
        lambda code: "  " + code.replace("-", " ").lower() + " ",
        lambda code: code.replace("-", "\u2013"),
    ],
    ids=["lower case", "no dash", "spaces", "en dash"],
)
def test_invite_codes_are_accepted_however_they_are_typed(
    client: TestClient, records: Records, sam: Participant, as_typed: Callable[[str], str]
) -> None:
    code = records.invite(sam)
    response = client.post(JOIN, json={"code": as_typed(code), "display_name": "Riley"})
    assert response.status_code == 201, response.text


def test_an_invite_works_only_once(
    client: TestClient, records: Records, sam: Participant, sessions: sessionmaker[Session]
) -> None:
    code = records.invite(sam)
    assert client.post(JOIN, json={"code": code, "display_name": "Riley"}).status_code == 201

    second = client.post(JOIN, json={"code": code, "display_name": "Someone else"})

    assert second.status_code == 401
    assert second.json()["detail"] == INVITE_REFUSED_MESSAGE  # the same for every failure
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(FamilyMember)) == 1
    outcomes = [(e.outcome.value, e.reason) for e in _audit(sessions, "family.join")]
    assert outcomes == [("success", None), ("failure", "code_already_used")]


def test_an_unknown_invite_is_refused(client: TestClient, sessions: sessionmaker[Session]) -> None:
    response = client.post(JOIN, json={"code": "ABCD-2345", "display_name": "Riley"})
    assert response.status_code == 401
    assert response.json()["detail"] == INVITE_REFUSED_MESSAGE
    (entry,) = _audit(sessions, "family.join")
    assert (entry.actor, entry.outcome.value, entry.reason) == (
        "anonymous",
        "failure",
        "unknown_code",
    )


def test_an_enrolment_code_is_not_an_invite(
    client: TestClient, records: Records, sam: Participant
) -> None:
    response = client.post(JOIN, json={"code": records.code(sam), "display_name": "Riley"})
    assert response.status_code == 401


def test_an_invite_lasts_seven_days(
    client: TestClient,
    records: Records,
    sam: Participant,
    clock: FakeClock,
    sessions: sessionmaker[Session],
) -> None:
    almost = records.invite(sam)
    expired = records.invite(sam)
    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert client.post(JOIN, json={"code": almost, "display_name": "R"}).status_code == 201
    clock.advance(timedelta(seconds=1))

    response = client.post(JOIN, json={"code": expired, "display_name": "R"})

    assert response.status_code == 401
    assert response.json()["detail"] == INVITE_REFUSED_MESSAGE
    failure = _audit(sessions, "family.join")[-1]
    assert (failure.outcome.value, failure.reason, failure.record_type) == (
        "failure",
        "code_expired",
        "family_invite",
    )


def test_an_invite_whose_consent_was_withdrawn_no_longer_works(
    client: TestClient, records: Records, sam: Participant, sessions: sessionmaker[Session]
) -> None:
    code = records.invite(sam)
    with sessions.begin() as session:
        session.execute(sa.update(Consent).values(revoked_at=records.clock.now))

    response = client.post(JOIN, json={"code": code, "display_name": "Riley"})

    assert response.status_code == 401
    assert response.json()["detail"] == INVITE_REFUSED_MESSAGE
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(FamilyMember)) == 0
        assert session.scalars(sa.select(FamilyInvite.used_at)).one() is None
    assert _audit(sessions, "family.join")[-1].reason == "consent_inactive"


@pytest.mark.parametrize(
    ("payload", "expected_words"),
    [
        ({"code": "ABCD-234", "display_name": "R"}, "invite code has 8 letters and numbers"),
        ({"code": "ABCD-0O1I", "display_name": "R"}, "invite code has 8 letters"),
        ({"display_name": "R"}, "'code' is required"),
        ({"code": "ABCD-2345"}, "'display_name' is required"),
        ({"code": "ABCD-2345", "display_name": ""}, "'display_name' cannot be empty"),
        ({"code": "ABCD-2345", "display_name": "  "}, "'display_name' cannot be empty"),
        ({"code": "ABCD-2345", "display_name": "x" * 81}, "at most 80 characters"),
        ({"code": "ABCD-2345", "display_name": "tab\there"}, "printable characters"),
        ({"code": "ABCD-2345", "display_name": "R", "scope": "all"}, "'scope' is not a field"),
        ({"code": "ABCD-2345", "display_name": 7}, "'display_name'"),
    ],
)
def test_malformed_join_requests_get_a_422_naming_the_problem(
    client: TestClient, payload: dict[str, object], expected_words: str
) -> None:
    response = client.post(JOIN, json=payload)
    assert response.status_code == 422, response.text
    assert expected_words in response.json()["detail"]


def test_audit_entries_never_hold_the_invite_code_or_the_token(
    client: TestClient, records: Records, sam: Participant, sessions: sessionmaker[Session]
) -> None:
    code = records.invite(sam)
    body = client.post(JOIN, json={"code": code, "display_name": "R"}).json()
    client.post(JOIN, json={"code": code, "display_name": "R"})
    client.get(SHARED, headers=bearer(body["family_token"]))
    with sessions() as session:
        rows = session.scalars(sa.select(AuditEntry)).all()
    dumped = " ".join(repr(vars(row)) for row in rows)
    assert code not in dumped and code.replace("-", "") not in dumped
    assert body["family_token"] not in dumped


def test_invites_cannot_outlive_seven_days_consents_a_year_or_lack_a_recipient_or_purpose(
    records: Records, sam: Participant, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    attempts: list[dict[str, object]] = [
        {"recipient_name": "Riley", "purpose": "p", "lifetime": INVITE_LIFETIME + timedelta(1)},
        {"recipient_name": " ", "purpose": "p"},
        {"recipient_name": "x" * 81, "purpose": "p"},
        {"recipient_name": "Riley", "purpose": ""},
        {"recipient_name": "Riley", "purpose": "p", "scopes": ()},
        {"recipient_name": "Riley", "purpose": "p", "consent_expires_at": clock.now},
        {"recipient_name": "Riley", "purpose": "p",
         "consent_expires_at": clock.now + CONSENT_LIFETIME + timedelta(seconds=1)},
    ]
    for attempt in attempts:
        with sessions() as session, pytest.raises(ValueError):
            issue_family_invite(session, sam.id, now=clock.now, **attempt)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ shared content


def test_shared_shows_the_participants_first_name_clinic_and_modules(
    client: TestClient, family_token: str, sessions: sessionmaker[Session], records: Records
) -> None:
    response = client.get(SHARED, headers=bearer(family_token))

    assert response.status_code == 200, response.text
    shared = FamilySharedResponse.model_validate(response.json())
    assert shared.participant_first_name == "Sam"
    assert shared.clinic.name == "Northside Clinic"
    assert shared.status == "shared"
    assert shared.modules == []  # none published yet
    (entry,) = _audit(sessions, "family.shared.read")
    with sessions() as session:
        consent_id = session.scalars(sa.select(Consent.id)).one()
    assert (entry.actor, entry.record_type, entry.record_id, entry.reason) == (
        f"family:{records.family_member_id(family_token)}",
        "consent",
        str(consent_id),
        None,
    )


def test_each_family_member_sees_only_their_own_participant(
    client: TestClient, records: Records, join: Callable[..., str], enrol: Callable[..., str]
) -> None:
    clinic = records.clinic()
    sam, riley = records.participant(clinic, "Sam"), records.participant(clinic, "Riley")
    for participant, expected in ((sam, "Sam"), (riley, "Riley")):
        token = join(records.invite(participant, "Family"))
        push_answer(client, enrol(records.code(participant)), records.family_member_id(token),
                    True, records.clock.now)
        body = client.get(SHARED, headers=bearer(token)).json()
        assert (body["participant_first_name"], body["status"]) == (expected, "shared")


def test_shared_needs_a_family_token(client: TestClient) -> None:
    response = client.get(SHARED)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "invit" in response.json()["detail"]


def test_an_unknown_family_token_is_refused_and_audited(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    assert client.get(SHARED, headers=bearer("made-up-" + "x" * 40)).status_code == 401
    (entry,) = _audit(sessions, "family.authenticate")
    assert (entry.outcome.value, entry.reason) == ("failure", "unknown_token")


@pytest.mark.parametrize(
    ("end_access", "reason"),
    [
        (Records.revoke_consents, "consent_inactive"),
        (Records.expire_consents, "consent_inactive"),
        (Records.revoke_family_member, "family_member_revoked"),
    ],
    ids=["consent revoked", "consent expired", "family member revoked"],
)
def test_access_ends_at_the_next_request(
    client: TestClient,
    records: Records,
    family_token: str,
    sessions: sessionmaker[Session],
    end_access: Callable[[Records, str], None],
    reason: str,
) -> None:
    assert client.get(SHARED, headers=bearer(family_token)).status_code == 200
    end_access(records, family_token)

    response = client.get(SHARED, headers=bearer(family_token))

    assert response.status_code == 401
    assert "no longer have access" in response.json()["detail"]
    (entry,) = _audit(sessions, "family.authenticate")
    assert (entry.outcome.value, entry.reason, entry.record_id) == (
        "failure",
        reason,
        str(records.family_member_id(family_token)),
    )


def test_a_consent_with_an_expiry_date_lapses_by_itself(
    client: TestClient,
    records: Records,
    sam: Participant,
    join: Callable[..., str],
    clock: FakeClock,
) -> None:
    token = join(records.invite(sam, consent_expires_at=clock.now + timedelta(days=30)))
    clock.advance(timedelta(days=30) - timedelta(seconds=1))
    assert client.get(SHARED, headers=bearer(token)).status_code == 200
    clock.advance(timedelta(seconds=1))
    response = client.get(SHARED, headers=bearer(token))
    assert response.status_code == 401
    assert "no longer have access" in response.json()["detail"]


def test_consents_end_a_year_after_they_are_given_and_the_family_token_with_them(
    client: TestClient, records: Records, family_token: str, clock: FakeClock,
    sessions: sessionmaker[Session],
) -> None:
    """No end date chosen: a year (the demo and most invites choose sooner)."""
    clock.advance(CONSENT_LIFETIME - timedelta(seconds=1))
    assert client.get(SHARED, headers=bearer(family_token)).json()["status"] == "shared"
    clock.advance(timedelta(seconds=1))

    response = client.get(SHARED, headers=bearer(family_token))

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == (
        "You no longer have access to what was shared with you. "
        "Ask the person who invited you for a new invitation.")
    assert _audit(sessions, "family.authenticate")[-1].reason == "consent_inactive"


def test_a_second_live_consent_keeps_access_when_another_is_revoked(
    client: TestClient,
    family_token: str,
    records: Records,
    sam: Participant,
    sessions: sessionmaker[Session],
    clock: FakeClock,
) -> None:
    member_id = records.family_member_id(family_token)
    with sessions.begin() as session:
        first = session.scalars(sa.select(Consent)).one()
        session.add(
            Consent(
                participant_id=sam.id,
                family_member_id=member_id,
                scope=ConsentScope.EDUCATION,
                purpose="Renewed for the aftercare months.",
                granted_at=clock.now,
                expires_at=clock.now + timedelta(days=90),
                confirmed_at=clock.now,
            )
        )
        first.revoked_at = clock.now
    assert client.get(SHARED, headers=bearer(family_token)).status_code == 200


def test_a_consent_for_another_participant_gives_no_access(
    client: TestClient,
    family_token: str,
    records: Records,
    sessions: sessionmaker[Session],
    clock: FakeClock,
) -> None:
    """A consent row naming this member but given by someone else cannot grant access."""
    other = records.participant(records.clinic("Southside Clinic"), "Riley")
    member_id = records.family_member_id(family_token)
    records.revoke_consents(family_token)
    with sessions.begin() as session:
        session.add(
            Consent(
                participant_id=other.id,
                family_member_id=member_id,
                scope=ConsentScope.EDUCATION,
                purpose="Mistaken row.",
                granted_at=clock.now,
                expires_at=clock.now + timedelta(days=90),
                confirmed_at=clock.now,
            )
        )
    assert client.get(SHARED, headers=bearer(family_token)).status_code == 401


def test_tokens_do_not_cross_between_participants_and_family(
    client: TestClient,
    records: Records,
    sam: Participant,
    family_token: str,
    enrol: Callable[..., str],
) -> None:
    device_token = enrol(records.code(sam))
    assert client.get(SHARED, headers=bearer(device_token)).status_code == 401
    for path in ("/api/v1/participant/profile", "/api/v1/participant/schedule"):
        assert client.get(path, headers=bearer(family_token)).status_code == 401
    assert client.get(SHARED, headers=bearer(family_token)).status_code == 200
