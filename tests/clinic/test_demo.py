"""The demo clinic: created once, fresh codes on every call, a realistic IOP week that never
runs out, and an invite for Alex's family member Sam."""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.credentials import session_code_digest, verify_password
from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID, DemoCredentials, seed_demo
from iop_companion.clinic.models import (
    Clinic,
    Consent,
    FamilyInvite,
    Participant,
    ScheduledSessionRecord,
    Staff,
)
from iop_companion.sync.protocol import ConsentScope, SessionKind, SessionStatus
from tests.clinic.clinic_testing import FakeClock

CHICAGO = ZoneInfo("America/Chicago")
CODE_PATTERN = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")
FICTIONAL_PHONE = re.compile(r"^\+1 \(555\) 01\d-\d{4}$")
MONDAY, TUESDAY, WEDNESDAY, THURSDAY = range(4)


def _seed(sessions: sessionmaker[Session], now: datetime) -> DemoCredentials:
    with sessions.begin() as session:
        return seed_demo(session, now)


def _counts(sessions: sessionmaker[Session]) -> dict[str, int | None]:
    with sessions() as session:
        return {
            model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Clinic, Staff, Participant, ScheduledSessionRecord)
        }


@pytest.fixture
def schedule(sessions: sessionmaker[Session], clock: FakeClock) -> list[ScheduledSessionRecord]:
    _seed(sessions, clock.now)
    with sessions() as session:
        return list(
            session.scalars(
                sa.select(ScheduledSessionRecord).order_by(ScheduledSessionRecord.starts_at)
            )
        )


def test_seeding_twice_creates_the_clinic_once_and_a_fresh_code_each_time(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    first = _seed(sessions, clock.now)
    counts = _counts(sessions)
    second = _seed(sessions, clock.now)
    assert _counts(sessions) == counts  # the same moment: nothing to top up
    third = _seed(sessions, clock.now + timedelta(days=3))

    later_counts = _counts(sessions)
    assert later_counts["clinics"] == later_counts["staff"] == later_counts["participants"] == 1
    assert (later_counts["scheduled_sessions"] or 0) > (counts["scheduled_sessions"] or 0)
    assert len({first.enrolment_code, second.enrolment_code, third.enrolment_code}) == 3
    invites = {first.family_invite_code, second.family_invite_code, third.family_invite_code}
    assert len(invites) == 3
    for credentials in (first, second, third):
        assert CODE_PATTERN.match(credentials.enrolment_code)
        assert CODE_PATTERN.match(credentials.family_invite_code)
    assert first.clinician_email == second.clinician_email
    # A new clinician password each time; only the newest one opens the account.
    passwords = [c.clinician_password for c in (first, second, third)]
    assert len(set(passwords)) == 3 and all(len(p) >= 16 for p in passwords)
    with sessions() as session:
        staff = session.scalars(sa.select(Staff)).one()
    assert verify_password(staff.password_hash, third.clinician_password)
    assert not verify_password(staff.password_hash, first.clinician_password)


def test_a_new_password_ends_the_sessions_signed_in_with_the_old_one(
    client: TestClient, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    first = _seed(sessions, clock.now)
    signed_in = client.post("/api/v1/clinician/sessions", json={
        "email": first.clinician_email, "password": first.clinician_password})
    assert signed_in.status_code == 201, signed_in.text
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert client.get("/api/v1/clinician/alerts", headers=headers).status_code == 200

    second = _seed(sessions, clock.now)
    assert client.get("/api/v1/clinician/alerts", headers=headers).status_code == 401
    refused = client.post("/api/v1/clinician/sessions", json={
        "email": first.clinician_email, "password": first.clinician_password})
    assert refused.status_code == 401
    again = client.post("/api/v1/clinician/sessions", json={
        "email": second.clinician_email, "password": second.clinician_password})
    assert again.status_code == 201, again.text


def test_the_demo_code_enrols_alex_at_the_demo_clinic(
    client: TestClient, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    credentials = _seed(sessions, clock.now)
    response = client.post(
        "/api/v1/enrolments",
        json={"code": credentials.enrolment_code, "device_label": "Alex's phone"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["display_name"] == "Alex"
    clinic = body["clinic"]
    assert clinic["name"] == credentials.clinic_name
    assert clinic["timezone"] == "America/Chicago"
    assert clinic["address"]
    assert FICTIONAL_PHONE.match(clinic["phone"])
    assert FICTIONAL_PHONE.match(clinic["crisis_line"])
    assert date.fromisoformat(body["program_start"]) <= clock.now.date()
    assert date.fromisoformat(body["program_end"]) >= (clock.now + timedelta(weeks=6)).date()


def test_the_demo_clinician_password_is_hashed_with_argon2id(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    credentials = _seed(sessions, clock.now)
    with sessions() as session:
        staff = session.scalars(sa.select(Staff)).one()
    assert staff.email == credentials.clinician_email
    assert staff.password_hash.startswith("$argon2id$")
    assert verify_password(staff.password_hash, credentials.clinician_password)
    assert not verify_password(staff.password_hash, "wrong password")


def test_schedule_covers_one_week_back_to_six_weeks_ahead(
    schedule: list[ScheduledSessionRecord], clock: FakeClock
) -> None:
    assert all(
        clock.now - timedelta(weeks=1) <= s.starts_at <= clock.now + timedelta(weeks=6)
        for s in schedule
    )
    assert schedule[0].starts_at - (clock.now - timedelta(weeks=1)) < timedelta(days=2)
    assert (clock.now + timedelta(weeks=6)) - schedule[-1].starts_at < timedelta(days=3)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(CHICAGO)


def _full_weeks(
    schedule: list[ScheduledSessionRecord], now: datetime, until: datetime | None = None
) -> dict[date, list[ScheduledSessionRecord]]:
    """Sessions grouped by the Monday of their week, for weeks wholly inside the window
    (a week before `now` to six weeks after it, or to `until`)."""
    weeks: dict[date, list[ScheduledSessionRecord]] = defaultdict(list)
    for s in schedule:
        day = _local(s.starts_at).date()
        weeks[day - timedelta(days=day.weekday())].append(s)
    first = _local(now - timedelta(weeks=1)).date()
    last = _local(until or now + timedelta(weeks=6)).date()
    return {
        monday: week
        for monday, week in sorted(weeks.items())
        if monday >= first and monday + timedelta(days=6) <= last
    }


def test_program_mornings_are_monday_wednesday_thursday_nine_to_noon(
    schedule: list[ScheduledSessionRecord], clock: FakeClock
) -> None:
    weeks = _full_weeks(schedule, clock.now)
    assert len(weeks) >= 5
    for week in weeks.values():
        program = [
            s for s in week if s.participant_id is None and s.kind is not SessionKind.HOLISTIC
        ]
        by_day: dict[int, list[ScheduledSessionRecord]] = defaultdict(list)
        for s in program:
            by_day[_local(s.starts_at).weekday()].append(s)
        assert set(by_day) == {MONDAY, WEDNESDAY, THURSDAY}
        for morning in by_day.values():
            morning.sort(key=lambda s: s.starts_at)
            assert _local(morning[0].starts_at).time() == time(9)
            assert _local(morning[-1].ends_at).time() == time(12)
            titles = [s.title for s in morning]
            assert titles[0] == "Process group"
            assert titles[1].startswith("Skills group")
            assert titles[2] == "Relapse prevention group" or (
                morning[2].kind is SessionKind.WORKSHOP and titles[2].startswith("Psychoeducation")
            )


def test_sessions_keep_their_local_time_across_daylight_saving(
    schedule: list[ScheduledSessionRecord],
) -> None:
    process_groups = [s for s in schedule if s.title == "Process group"]
    assert {_local(s.starts_at).time() for s in process_groups} == {time(9)}
    # The window crosses 8 March 2026, so the UTC hour must change.
    assert {s.starts_at.hour for s in process_groups} == {15, 14}


def test_personal_and_holistic_sessions_follow_the_weekly_pattern(
    schedule: list[ScheduledSessionRecord], clock: FakeClock
) -> None:
    weekly_kinds = []
    for week in _full_weeks(schedule, clock.now).values():
        kinds = Counter(s.kind for s in week)
        assert kinds[SessionKind.INDIVIDUAL] == 1
        assert kinds[SessionKind.HOLISTIC] == 1
        assert kinds[SessionKind.FAMILY] + kinds[SessionKind.MEDICATION] == 1  # alternating weeks
        weekly_kinds.append(
            SessionKind.FAMILY if kinds[SessionKind.FAMILY] else SessionKind.MEDICATION
        )
        for s in week:
            if s.kind is SessionKind.FAMILY:
                assert _local(s.starts_at).hour >= 17  # evening, for working family members
                assert s.telehealth
            if s.kind in (SessionKind.INDIVIDUAL, SessionKind.FAMILY, SessionKind.MEDICATION):
                assert s.participant_id is not None
    assert all(a != b for a, b in pairwise(weekly_kinds))
    assert not any(_local(s.starts_at).weekday() >= 4 for s in schedule)  # nothing Fri-Sun


def test_exactly_one_upcoming_session_is_cancelled_with_a_note(
    schedule: list[ScheduledSessionRecord], clock: FakeClock
) -> None:
    cancelled = [s for s in schedule if s.status is SessionStatus.CANCELLED]
    assert len(cancelled) == 1
    assert cancelled[0].starts_at > clock.now
    assert cancelled[0].note


def test_titles_and_facilitators_are_plain_and_filled_in(
    schedule: list[ScheduledSessionRecord],
) -> None:
    assert {s.kind for s in schedule} >= {
        SessionKind.GROUP,
        SessionKind.INDIVIDUAL,
        SessionKind.FAMILY,
        SessionKind.MEDICATION,
        SessionKind.WORKSHOP,
        SessionKind.HOLISTIC,
    }
    assert all(s.title and s.facilitator and s.location for s in schedule)
    assert "Dr. Priya Raman" in {s.facilitator for s in schedule}


# ------------------------------------------------------------------ the family invite


def test_each_seeding_invites_sam_for_seven_days_with_an_education_consent(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    credentials = _seed(sessions, clock.now)
    canonical = credentials.family_invite_code.replace("-", "")
    with sessions() as session:
        code_hash = session_code_digest(session, canonical)
        invite = session.scalars(
            sa.select(FamilyInvite).where(FamilyInvite.code_hash == code_hash)
        ).one()
        consent = session.scalars(sa.select(Consent).where(Consent.invite_id == invite.id)).one()
    assert (invite.participant_id, invite.recipient_name) == (DEMO_PARTICIPANT_ID, "Sam")
    assert invite.expires_at == clock.now + timedelta(days=7)
    assert invite.used_at is None
    assert consent.participant_id == DEMO_PARTICIPANT_ID
    assert consent.scope is ConsentScope.EDUCATION
    assert "Sam" in consent.purpose
    assert consent.granted_at == clock.now
    assert consent.expires_at is not None and consent.expires_at > clock.now + timedelta(weeks=6)
    assert consent.family_member_id is None and consent.revoked_at is None


def test_the_demo_invite_lets_sam_see_what_alex_shares(
    client: TestClient, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    credentials = _seed(sessions, clock.now)
    joined = client.post(
        "/api/v1/family/join",
        json={"code": credentials.family_invite_code, "display_name": "Sam"},
    )
    assert joined.status_code == 201, joined.text
    body = joined.json()
    assert (body["participant_first_name"], body["shared_scope"]) == ("Alex", ["education"])
    assert body["clinic"]["name"] == credentials.clinic_name
    shared = client.get(
        "/api/v1/family/shared", headers={"Authorization": f"Bearer {body['family_token']}"}
    )
    assert shared.status_code == 200
    assert shared.json()["participant_first_name"] == "Alex"


# --------------------------------------------------------- a schedule that never goes stale


def _all_sessions(sessions: sessionmaker[Session]) -> list[ScheduledSessionRecord]:
    with sessions() as session:
        return list(
            session.scalars(
                sa.select(ScheduledSessionRecord).order_by(ScheduledSessionRecord.starts_at)
            )
        )


def _session_keys(schedule: list[ScheduledSessionRecord]) -> list[tuple[object, ...]]:
    return [(s.kind, s.starts_at, s.participant_id) for s in schedule]


def test_seeding_a_month_later_tops_the_schedule_up_without_duplicates(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    _seed(sessions, clock.now)
    before = _all_sessions(sessions)
    later = clock.now + timedelta(days=30)

    _seed(sessions, later)
    after = _all_sessions(sessions)
    _seed(sessions, later)  # and again: nothing more to add

    keys = _session_keys(after)
    assert _session_keys(_all_sessions(sessions)) == keys
    assert len(keys) == len(set(keys)), "a session was created twice"
    assert {s.id for s in before} <= {s.id for s in after}  # nothing replaced
    horizon = later + timedelta(weeks=6)
    assert max(s.starts_at for s in after) <= horizon
    assert horizon - max(s.starts_at for s in after) < timedelta(days=3)
    # The whole stretch keeps the weekly pattern, fortnightly sessions still alternating.
    weeks = _full_weeks(after, clock.now, until=horizon)
    assert len(weeks) >= 9
    alternating = []
    for week in weeks.values():
        kinds = Counter(s.kind for s in week)
        assert kinds[SessionKind.GROUP] == 9 - 1  # 3 mornings x 3, less Wednesday's workshop
        assert kinds[SessionKind.WORKSHOP] == kinds[SessionKind.INDIVIDUAL] == 1
        assert kinds[SessionKind.FAMILY] + kinds[SessionKind.MEDICATION] == 1
        alternating.append(kinds[SessionKind.FAMILY])
    assert all(a != b for a, b in pairwise(alternating))
    # Still exactly one upcoming cancellation to show, now that the first one is past.
    upcoming_cancelled = [
        s for s in after if s.status is SessionStatus.CANCELLED and s.starts_at > later
    ]
    assert len(upcoming_cancelled) == 1
    assert upcoming_cancelled[0].note
    with sessions() as session:
        alex = session.get(Participant, DEMO_PARTICIPANT_ID)
        assert alex is not None and alex.program_end is not None
        assert alex.program_end >= _local(horizon).date()


def test_topping_up_recognises_sessions_by_what_they_are_not_their_ids(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    """Databases seeded before ids were deterministic hold random ids: still no duplicates."""
    _seed(sessions, clock.now)
    with sessions.begin() as session:
        for record in session.scalars(sa.select(ScheduledSessionRecord)):
            record.id = uuid.uuid4()
    count = len(_all_sessions(sessions))
    _seed(sessions, clock.now + timedelta(hours=1))
    keys = _session_keys(_all_sessions(sessions))
    assert len(keys) == len(set(keys))
    assert len(keys) - count <= 1  # at most the one session that entered the window


def test_topping_up_leaves_changed_sessions_alone(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    _seed(sessions, clock.now)
    with sessions.begin() as session:
        tomorrow = session.scalars(
            sa.select(ScheduledSessionRecord)
            .where(ScheduledSessionRecord.starts_at > clock.now + timedelta(days=1))
            .where(ScheduledSessionRecord.status == SessionStatus.SCHEDULED)
            .order_by(ScheduledSessionRecord.starts_at)
            .limit(1)
        ).one()
        tomorrow.title = "Process group (moved to room C)"
        changed_id = tomorrow.id
    _seed(sessions, clock.now + timedelta(days=2))
    with sessions() as session:
        kept = session.get(ScheduledSessionRecord, changed_id)
    assert kept is not None and kept.title == "Process group (moved to room C)"
