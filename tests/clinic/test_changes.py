"""The pull feed: clinicians publish schedule changes, participants' devices pull them as
cursor-based deltas in server-sequence order (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.changes import publish_program
from iop_companion.clinic.demo import DEMO_PARTICIPANT_ID, seed_demo
from iop_companion.clinic.models import AuditEntry, Participant, PublishedChange
from iop_companion.sync.protocol import ChangesResponse, ScheduledSession
from tests.clinic.clinic_testing import FakeClock, Records, bearer, clinician_headers

CHANGES = "/api/v1/participant/changes"
SCHEDULE = "/api/v1/clinician/schedule"



def _session_body(clock: FakeClock, **changes: Any) -> dict[str, Any]:
    starts = clock.now + timedelta(days=2)
    body: dict[str, Any] = {
        "kind": "group",
        "title": "Process group",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "location": "Group room A",
        "telehealth": False,
        "facilitator": "Morgan Lee, LPC",
    }
    body.update(changes)
    return body


def _changes(client: TestClient, token: str, after: int = 0, limit: int = 100) -> ChangesResponse:
    response = client.get(CHANGES, params={"after": after, "limit": limit}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return ChangesResponse.model_validate(response.json())


class _Clinic:
    """A clinic with a clinician and two participants, Sam (enrolled) and Riley."""

    def __init__(self, client: TestClient, records: Records, enrol: Callable[..., str]) -> None:
        clinic = records.clinic()
        records.clinician(clinic)
        self.sam = records.participant(clinic, "Sam")
        self.riley = records.participant(clinic, "Riley")
        self.sam_token = enrol(records.code(self.sam))
        self.riley_token = enrol(records.code(self.riley))
        self.clinician = clinician_headers(client, "morgan@northside.example")


@pytest.fixture
def setting(client: TestClient, records: Records, enrol: Callable[..., str]) -> _Clinic:
    return _Clinic(client, records, enrol)


def test_published_sessions_arrive_in_order_and_only_where_they_belong(
    client: TestClient, setting: _Clinic, clock: FakeClock
) -> None:
    group = client.post(SCHEDULE, json=_session_body(clock), headers=setting.clinician)
    assert group.status_code == 201, group.text
    own = client.post(
        SCHEDULE,
        json=_session_body(clock, kind="individual", title="Individual therapy",
                           participant_id=str(setting.sam.id)),
        headers=setting.clinician,
    )
    assert own.status_code == 201, own.text

    sam = _changes(client, setting.sam_token)
    riley = _changes(client, setting.riley_token)

    assert [c.id for c in sam.changes] == [group.json()["id"], own.json()["id"]]
    assert [c.id for c in riley.changes] == [group.json()["id"]]  # not Sam's own session
    seqs = [c.seq for c in sam.changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == 2
    assert {c.kind for c in sam.changes} == {"session"}
    assert ScheduledSession.model_validate(sam.changes[1].data).title == "Individual therapy"
    assert sam.next_cursor == seqs[-1] and not sam.has_more
    assert len(sam.server_epoch) == 32
    # Nothing new after the cursor; the cursor stays where it is.
    again = _changes(client, setting.sam_token, after=sam.next_cursor)
    assert again.changes == [] and again.next_cursor == sam.next_cursor


def test_a_change_and_a_cancellation_arrive_as_deltas(
    client: TestClient, setting: _Clinic, clock: FakeClock, sessions: sessionmaker[Session]
) -> None:
    created = client.post(SCHEDULE, json=_session_body(clock), headers=setting.clinician).json()
    cursor = _changes(client, setting.sam_token).next_cursor

    moved = client.put(
        f"{SCHEDULE}/{created['id']}",
        json=_session_body(clock, location="Group room C"),
        headers=setting.clinician,
    )
    assert moved.status_code == 200, moved.text
    cancelled = client.post(
        f"{SCHEDULE}/{created['id']}/cancel",
        json={"note": "Cancelled: the facilitator is ill."},
        headers=setting.clinician,
    )
    assert cancelled.status_code == 200, cancelled.text
    # Cancelling twice publishes nothing more.
    client.post(f"{SCHEDULE}/{created['id']}/cancel", headers=setting.clinician)

    delta = _changes(client, setting.sam_token, after=cursor)

    assert [c.id for c in delta.changes] == [created["id"]] * 2
    first, second = (ScheduledSession.model_validate(c.data) for c in delta.changes)
    assert (first.location, first.status) == ("Group room C", "scheduled")
    assert (second.status, second.note) == ("cancelled", "Cancelled: the facilitator is ill.")
    with sessions() as session:
        actions = session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.actor.like("staff:%"),
                                               AuditEntry.action.like("schedule.%"))
        ).all()
    assert actions == ["schedule.session.create", "schedule.session.change",
                       "schedule.session.cancel", "schedule.session.cancel"]


def test_paging_walks_the_feed_without_gaps_or_repeats(
    client: TestClient, setting: _Clinic, clock: FakeClock
) -> None:
    made = [
        client.post(SCHEDULE, json=_session_body(clock, title=f"Group {n}"),
                    headers=setting.clinician).json()["id"]
        for n in range(7)
    ]
    seen: list[str] = []
    cursor, pages = 0, 0
    while True:
        page = _changes(client, setting.sam_token, after=cursor, limit=3)
        seen += [c.id for c in page.changes]
        cursor, pages = page.next_cursor, pages + 1
        if not page.has_more:
            break
    assert seen == made and pages == 3


def test_a_sequence_number_waits_for_the_one_before_it_to_commit(
    sessions: sessionmaker[Session], records: Records, clock: FakeClock
) -> None:
    """Allocation order is commit order: a change numbered after an uncommitted one
    cannot commit first, so no reader ever sees N+1 without N."""
    participant = records.participant(records.clinic())
    first = sessions()
    first_seq = publish_program(first, first.get(Participant, participant.id), clock.now)
    second_seq: list[int] = []

    def publish_concurrently() -> None:
        with sessions.begin() as session:
            second_seq.append(
                publish_program(session, session.get(Participant, participant.id), clock.now))

    racer = threading.Thread(target=publish_concurrently)
    racer.start()
    racer.join(timeout=1.0)
    assert racer.is_alive(), "the second publication must wait for the first to commit"
    first.commit()
    first.close()
    racer.join(timeout=20)
    assert second_seq == [first_seq + 1]


def test_the_demo_seed_publishes_through_the_feed(
    client: TestClient, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    with sessions.begin() as session:
        credentials = seed_demo(session, clock.now)
    enrolled = client.post("/api/v1/enrolments",
                           json={"code": credentials.enrolment_code, "device_label": "p"})
    token = enrolled.json()["access_token"]
    feed = _changes(client, token, limit=500)
    kinds = [c.kind for c in feed.changes]
    assert kinds[:2] == ["clinic_profile", "program"]
    sessions_seen = [ScheduledSession.model_validate(c.data) for c in feed.changes
                     if c.kind == "session"]
    assert len(sessions_seen) > 20
    assert any(s.status == "cancelled" for s in sessions_seen)
    with sessions() as session:
        own = session.scalars(sa.select(PublishedChange.participant_id).where(
            PublishedChange.participant_id.is_not(None))).all()
    assert set(own) == {DEMO_PARTICIPANT_ID}


def test_clinicians_publish_only_to_their_own_clinic(
    client: TestClient, setting: _Clinic, records: Records, clock: FakeClock
) -> None:
    records.clinician(records.clinic("Southside Clinic"), "jo@southside.example")
    outsider = clinician_headers(client, "jo@southside.example")
    ours = client.post(SCHEDULE, json=_session_body(clock), headers=setting.clinician).json()

    for response in (
        client.post(SCHEDULE, json=_session_body(clock, participant_id=str(setting.sam.id)),
                    headers=outsider),
        client.put(f"{SCHEDULE}/{ours['id']}", json=_session_body(clock), headers=outsider),
        client.post(f"{SCHEDULE}/{ours['id']}/cancel", headers=outsider),
        client.post(f"/api/v1/clinician/participants/{setting.sam.id}/devices/revoke",
                    headers=outsider),
    ):
        assert response.status_code == 404, response.text
    # Participants' and anonymous callers cannot publish at all.
    for headers in ({}, bearer(setting.sam_token)):
        assert client.post(SCHEDULE, json=_session_body(clock), headers=headers).status_code == 401
    # Nothing the outsider tried reached Sam.
    assert [c.id for c in _changes(client, setting.sam_token).changes] == [ours["id"]]


@pytest.mark.parametrize(
    "query",
    [
        "after=-1",
        "after=abc",
        "after=1e3",
        f"after={2**63}",
        "limit=0",
        "limit=501",
        "limit=",
        "cursor=5",  # a misspelt parameter must not silently mean "from the start"
        "after=1&sneaky=1",
    ],
)
def test_bad_feed_queries_get_a_clear_422(
    client: TestClient, setting: _Clinic, query: str
) -> None:
    response = client.get(f"{CHANGES}?{query}", headers=bearer(setting.sam_token))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail


@pytest.mark.parametrize(
    "changes",
    [
        {"unexpected": 1},
        {"kind": "party"},
        {"title": ""},
        {"title": "x" * 121},
        {"title": "line\nbreak"},
        {"starts_at": "2026-03-06T10:00:00"},  # no time zone
        # Outside 2000-2100; near year 1 or 9999 not even convertible to UTC.
        {"starts_at": "0001-01-01T00:30:00+05:00", "ends_at": "0001-01-01T01:30:00+05:00"},
        {"starts_at": "9999-12-31T22:00:00-05:00", "ends_at": "9999-12-31T23:00:00-05:00"},
        {"starts_at": "1999-12-31T10:00:00+00:00", "ends_at": "1999-12-31T11:00:00+00:00"},
        {"ends_at": "2026-03-01T10:00:00+00:00"},  # before it starts
        {"telehealth": "yes"},
        {"participant_id": "not-a-uuid"},
    ],
)
def test_bad_sessions_get_a_clear_4xx(
    client: TestClient, setting: _Clinic, clock: FakeClock, changes: dict[str, Any]
) -> None:
    response = client.post(SCHEDULE, json=_session_body(clock, **changes),
                           headers=setting.clinician)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_bad_input_on_the_other_clinician_routes(
    client: TestClient, setting: _Clinic, clock: FakeClock
) -> None:
    made = client.post(SCHEDULE, json=_session_body(clock), headers=setting.clinician).json()
    assert client.put(f"{SCHEDULE}/not-a-uuid", json=_session_body(clock),
                      headers=setting.clinician).status_code == 422
    assert client.put(f"{SCHEDULE}/{uuid.uuid4()}", json=_session_body(clock),
                      headers=setting.clinician).status_code == 404
    assert client.post(f"{SCHEDULE}/{made['id']}/cancel", json={"note": "n", "extra": 1},
                       headers=setting.clinician).status_code == 422
    huge = client.post(SCHEDULE, content=b'{"title": "' + b"x" * 70_000 + b'"}',
                       headers={**setting.clinician, "content-type": "application/json"})
    assert huge.status_code == 413 and huge.json()["detail"]
    assert client.post(SCHEDULE, content=b"{not json", headers={
        **setting.clinician, "content-type": "application/json"}).status_code == 422
