"""Participant routes: deny by default, then show each device only its own participant's data.

Also home of the every-route x every-caller authorisation matrix (family and clinician callers included).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.api import API_PREFIX
from iop_companion.clinic.models import AuditEntry, Device, Participant, Staff, StaffRole
from iop_companion.clinic.routes.public import PUBLIC_PATHS
from iop_companion.sync.protocol import ScheduleResponse, SessionKind, SessionStatus
from tests.clinic.clinic_testing import CLINICIAN_PASSWORD, FakeClock, Records, bearer
from tests.clinic.sync_records import safety_flag

PROFILE = "/api/v1/participant/profile"
SCHEDULE = "/api/v1/participant/schedule"


@pytest.fixture
def token(records: Records, enrol: Callable[..., str]) -> str:
    clinic = records.clinic()
    return enrol(records.code(records.participant(clinic, "Sam")))


def _revoke_all_devices(sessions: sessionmaker[Session], now: datetime) -> None:
    with sessions.begin() as session:
        session.execute(sa.update(Device).values(revoked_at=now))


@pytest.mark.parametrize("path", [PROFILE, SCHEDULE])
def test_participant_routes_need_a_token(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "enrolment code" in response.json()["detail"]


@pytest.mark.parametrize("path", [PROFILE, SCHEDULE])
def test_an_unknown_token_is_refused_and_audited(
    client: TestClient, sessions: sessionmaker[Session], path: str
) -> None:
    response = client.get(path, headers=bearer("not-a-real-token-" + "x" * 30))
    assert response.status_code == 401
    with sessions() as session:
        entry = session.scalars(sa.select(AuditEntry)).one()
    assert (entry.action, entry.outcome.value, entry.reason) == (
        "device.authenticate",
        "failure",
        "unknown_token",
    )


@pytest.mark.parametrize("path", [PROFILE, SCHEDULE])
def test_a_revoked_device_is_refused(
    client: TestClient, token: str, sessions: sessionmaker[Session], clock: FakeClock, path: str
) -> None:
    assert client.get(path, headers=bearer(token)).status_code == 200
    _revoke_all_devices(sessions, clock.now)

    response = client.get(path, headers=bearer(token))

    assert response.status_code == 401
    with sessions() as session:
        reasons = session.scalars(
            sa.select(AuditEntry.reason).where(AuditEntry.action == "device.authenticate")
        ).all()
    assert reasons == ["device_revoked"]


_CLINICIANS = {"clinician of this clinic", "clinician of another clinic"}
_ADMINISTRATORS = {"administrator of this clinic", "administrator of another clinic"}

# Who may get a 2xx from each group of protected routes (security R1), the first prefix
# that matches deciding. Any protected route outside these groups (a clinician route,
# say) is expected to refuse everyone else here with 401.
_ALLOWED_CALLERS = {
    f"{API_PREFIX}/participant/": {"participant", "other participant"},
    f"{API_PREFIX}/family/": {"family member"},
    # Staff administration and the audit log: administrators only.
    f"{API_PREFIX}/clinician/staff": _ADMINISTRATORS,
    f"{API_PREFIX}/clinician/audit": _ADMINISTRATORS,
    # All staff may reach the clinician routes (an administrator is a clinician too);
    # only those of this clinic see its participants.
    f"{API_PREFIX}/clinician/": _CLINICIANS | _ADMINISTRATORS,
}
# Signed-in staff who are not allowed a route get 403 (they are who they say), not 401.
_FORBIDDEN_NOT_UNAUTHORISED = {
    f"{API_PREFIX}/clinician/staff": _CLINICIANS,
    f"{API_PREFIX}/clinician/audit": _CLINICIANS,
}


# Routes that end the caller's own session(s): asked only by those they must refuse.
_ENDS_SESSION = {f"{API_PREFIX}/clinician/sessions/current",
                 f"{API_PREFIX}/clinician/sessions/revoke-all"}


def test_every_route_x_every_caller_gets_no_unexpected_2xx(
    app: FastAPI,
    client: TestClient,
    records: Records,
    enrol: Callable[..., str],
    join: Callable[..., str],
) -> None:
    """Deny by default (security R1): a new route is protected unless deliberately public,
    and each kind of token opens only its own routes, for its own participant."""
    clinic = records.clinic()
    sam = records.participant(clinic, "Sam")
    riley = records.participant(clinic, "Riley")
    alex = records.participant(clinic, "Alex")
    revoked_device = enrol(records.code(sam))
    consent_revoked = join(records.invite(sam, "Jamie"), "Jamie")
    member_revoked = join(records.invite(sam, "Casey"), "Casey")
    consent_expired = join(records.invite(sam, "Drew"), "Drew")
    records.revoke_device(revoked_device)
    records.revoke_consents(consent_revoked)
    records.revoke_family_member(member_revoked)
    # A clinic next door, with its own clinician; Sam has raised a safety flag, so the
    # clinician routes have something to leak.
    records.clinician(clinic)
    southside = records.clinic("Southside Clinic")
    records.clinician(southside, "jo@southside.example")
    records.clinician(clinic, "ada@northside.example", StaffRole.ADMINISTRATOR)
    records.clinician(southside, "lee@southside.example", StaffRole.ADMINISTRATOR)
    records.clinician(clinic, "gone@northside.example", StaffRole.ADMINISTRATOR)
    sam_token = enrol(records.code(sam))
    flagged = client.post(
        f"{API_PREFIX}/participant/records",
        json={"records": [safety_flag()]},
        headers=bearer(sam_token),
    )
    assert flagged.json()["results"][0]["outcome"] == "stored"
    callers: dict[str, tuple[dict[str, str], set[Participant]]] = {
        "anonymous": ({}, set()),
        "participant": (bearer(sam_token), {sam}),
        "other participant": (bearer(enrol(records.code(riley))), {riley}),
        # Each joins under their own name: the fixture's default is another participant's.
        "family member": (bearer(join(records.invite(sam, "Robin"), "Robin")), {sam}),
        "revoked device": (bearer(revoked_device), set()),
        "family member whose consent was revoked": (bearer(consent_revoked), set()),
        "revoked family member": (bearer(member_revoked), set()),
        "family member whose consent expired": (bearer(consent_expired), set()),
        "clinician of this clinic": (
            bearer(_clinician_token(client, "morgan@northside.example")),
            {sam, riley},
        ),
        "clinician of another clinic": (
            bearer(_clinician_token(client, "jo@southside.example")),
            set(),
        ),
        "administrator of this clinic": (
            bearer(_clinician_token(client, "ada@northside.example")),
            {sam, riley},
        ),
        "administrator of another clinic": (
            bearer(_clinician_token(client, "lee@southside.example")),
            set(),
        ),
        # Signed in, then disabled: refused everywhere at once.
        "disabled administrator": (
            bearer(_clinician_token(client, "gone@northside.example")),
            set(),
        ),
    }
    with records.sessions.begin() as session:
        session.execute(sa.update(Staff).where(Staff.email == "gone@northside.example")
                        .values(disabled=True))
    records.expire_consents(consent_expired)  # moves the clock on, so it goes last
    everyone = set(callers)

    public = {API_PREFIX + path for path in PUBLIC_PATHS}
    # The OpenAPI document lists every route the API serves.
    routes = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]
    assert {path for _, path in routes} - public, "expected some protected routes"
    for method, path in routes:
        allowed = everyone if path in public else _allowed_callers(path)
        # Routes about one participant are asked about Alex (no caller's token is
        # Alex's, so a route that disconnects devices spares the callers; other ids
        # stay unfilled).
        concrete = path.replace("{participant_id}", str(alex.id))
        for name, (headers, visible) in callers.items():
            if path in _ENDS_SESSION and name in allowed:
                continue  # would sign the caller out (test_throttles_and_sessions.py)
            response = client.request(method, concrete, headers=headers)
            where = (name, method, path, response.status_code)
            assert response.status_code < 500, where
            if name not in allowed:
                assert not response.is_success, where
                if path not in public:
                    forbidden = _group(path, _FORBIDDEN_NOT_UNAUTHORISED) or set()
                    assert response.status_code == (403 if name in forbidden else 401), where
            elif response.is_success and path not in public:
                # Reaching a route is not enough: only one's own participant shows.
                others = {sam, riley} - visible
                for other in others:
                    assert str(other.id) not in response.text, where
                    assert other.display_name not in response.text, where
    # The routes allowed to someone did answer them (the matrix is not vacuous).
    # (Routes with ids in the path are left out: Alex's are not for another clinic.)
    for prefix, allowed_names in _ALLOWED_CALLERS.items():
        paths = [path for method, path in routes
                 if method == "GET" and _group(path, _ALLOWED_CALLERS) is allowed_names
                 and path.startswith(prefix) and "{" not in path]
        assert paths, prefix
        for name in allowed_names:
            headers = callers[name][0]
            assert all(client.get(path, headers=headers).is_success for path in paths), name
    alexs_goals = f"{API_PREFIX}/clinician/participants/{alex.id}/goals"
    assert client.get(alexs_goals, headers=callers["clinician of this clinic"][0]).is_success


def _clinician_token(client: TestClient, email: str) -> str:
    response = client.post(
        f"{API_PREFIX}/clinician/sessions", json={"email": email, "password": CLINICIAN_PASSWORD}
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


def _allowed_callers(path: str) -> set[str]:
    return _group(path, _ALLOWED_CALLERS) or set()


def _group(path: str, groups: dict[str, set[str]]) -> set[str] | None:
    """The callers of the first prefix in `groups` that `path` starts with."""
    for prefix, callers in groups.items():
        if path.startswith(prefix):
            return callers
    return None


def test_profile_shows_the_participant_and_their_clinic(
    client: TestClient, token: str, sessions: sessionmaker[Session]
) -> None:
    response = client.get(PROFILE, headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "Sam"
    assert body["clinic"]["name"] == "Northside Clinic"
    assert "access_token" not in body and "refresh_token" not in body
    with sessions() as session:
        actions = session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.outcome == "success")
        ).all()
    assert "participant.profile.read" in actions


def test_schedule_shows_group_sessions_and_the_participants_own_only(
    client: TestClient, records: Records, enrol: Callable[..., str], sessions: sessionmaker[Session]
) -> None:
    clinic = records.clinic()
    other_clinic = records.clinic("Southside Clinic")
    sam = records.participant(clinic, "Sam")
    riley = records.participant(clinic, "Riley")
    records.session(clinic, title="Process group")
    records.session(clinic, sam, title="Individual therapy", kind=SessionKind.INDIVIDUAL)
    records.session(clinic, riley, title="Family session", kind=SessionKind.FAMILY)
    records.session(other_clinic, title="Skills group")
    sam_token = enrol(records.code(sam))
    riley_token = enrol(records.code(riley))

    def titles(token: str) -> set[str]:
        response = client.get(SCHEDULE, headers=bearer(token))
        assert response.status_code == 200
        return {s.title for s in ScheduleResponse.model_validate(response.json()).sessions}

    assert titles(sam_token) == {"Process group", "Individual therapy"}
    assert titles(riley_token) == {"Process group", "Family session"}
    with sessions() as session:
        reads = session.scalars(
            sa.select(AuditEntry.record_id).where(AuditEntry.action == "participant.schedule.read")
        ).all()
    assert sorted(filter(None, reads)) == sorted([str(sam.id), str(riley.id)])


def test_schedule_covers_recent_and_upcoming_sessions_in_order(
    client: TestClient, records: Records, enrol: Callable[..., str], clock: FakeClock
) -> None:
    clinic = records.clinic()
    sam = records.participant(clinic)
    records.session(clinic, title="long ago", starts_in=-timedelta(days=30))
    records.session(clinic, title="last week", starts_in=-timedelta(days=7))
    records.session(
        clinic,
        title="cancelled tomorrow",
        starts_in=timedelta(days=1),
        status=SessionStatus.CANCELLED,
    )
    records.session(clinic, title="next month", starts_in=timedelta(days=30))
    records.session(clinic, title="far future", starts_in=timedelta(days=200))
    token = enrol(records.code(sam))

    schedule = ScheduleResponse.model_validate(client.get(SCHEDULE, headers=bearer(token)).json())

    assert [s.title for s in schedule.sessions] == ["last week", "cancelled tomorrow", "next month"]
    assert schedule.sessions[1].status is SessionStatus.CANCELLED
    assert schedule.server_time == clock.now
    assert all(s.starts_at.utcoffset() == timedelta(0) for s in schedule.sessions)


ALERT_ROUTES = {
    ("GET", f"{API_PREFIX}/clinician/alerts"),
    ("GET", f"{API_PREFIX}/clinician/alerts/by-participant"),
    ("POST", f"{API_PREFIX}/clinician/alerts/{{alert_id}}/acknowledge"),
    ("GET", f"{API_PREFIX}/clinician/clinic/alert-thresholds"),
    ("PUT", f"{API_PREFIX}/clinician/clinic/alert-thresholds"),
}


def test_the_alert_routes_answer_staff_of_the_alerts_clinic_only(
    app: FastAPI, client: TestClient, records: Records, enrol: Callable[..., str],
    join: Callable[..., str],
) -> None:
    """The matrix above covers these routes for every caller; here, with an alert's real
    id and a real body, what another clinic's clinician gets is their own clinic's, and
    participant and family tokens get nothing."""
    routes = {(method.upper(), path) for path, operations in app.openapi()["paths"].items()
              for method in operations}
    assert routes >= ALERT_ROUTES
    clinic = records.clinic()
    sam = records.participant(clinic, "Sam")
    records.clinician(clinic)
    records.clinician(records.clinic("Southside Clinic"), "jo@southside.example")
    sam_token = enrol(records.code(sam))
    client.post(f"{API_PREFIX}/participant/records", json={"records": [safety_flag()]},
                headers=bearer(sam_token))
    north = bearer(_clinician_token(client, "morgan@northside.example"))
    south = bearer(_clinician_token(client, "jo@southside.example"))
    [alert] = client.get(f"{API_PREFIX}/clinician/alerts", headers=north).json()["alerts"]
    acknowledge = f"{API_PREFIX}/clinician/alerts/{alert['id']}/acknowledge"
    thresholds = f"{API_PREFIX}/clinician/clinic/alert-thresholds"
    note = {"note": "Called them."}

    for headers in ({}, bearer(sam_token), bearer(join(records.invite(sam)))):
        assert client.get(f"{API_PREFIX}/clinician/alerts/by-participant",
                          headers=headers).status_code == 401
        assert client.post(acknowledge, json=note, headers=headers).status_code == 401
        assert client.get(thresholds, headers=headers).status_code == 401
        assert client.put(thresholds, json={}, headers=headers).status_code == 401
    groups = client.get(f"{API_PREFIX}/clinician/alerts/by-participant", headers=south)
    assert groups.status_code == 200 and groups.json()["groups"] == []
    assert client.post(acknowledge, json=note, headers=south).status_code == 404
    assert client.put(thresholds, json={"phq9_total_at_least": 10},
                      headers=south).status_code == 200
    assert client.get(thresholds, headers=north).json()["thresholds"][
        "phq9_total_at_least"] == 20
    [still_open] = client.get(f"{API_PREFIX}/clinician/alerts/by-participant",
                              headers=north).json()["groups"]
    assert still_open["participant_name"] == "Sam"
