"""Pull sync, the server epoch and device tokens, end to end: ClinicLink with a real
encrypted store against the real clinic server, in-process and over a real socket."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

from iop_companion.clinic.backup import backup_sqlite
from iop_companion.clinic.demo import DemoCredentials
from iop_companion.clinic.embedded import _listen, _ThreadedServer
from iop_companion.clinic.models import ParticipantRecord, PublishedChange, ScheduledSessionRecord
from iop_companion.domain.check_in import CheckInDraft
from iop_companion.services import clinic_link
from iop_companion.services.check_ins import save_check_in
from iop_companion.services.clinic_link import (
    PULL_CURSOR_KEY,
    SERVER_EPOCH_KEY,
    SKIPPED_KINDS_KEY,
    ClinicLink,
    LinkState,
)
from iop_companion.store import Store, Vault, WriteFailed
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol import SessionStatus
from tests.services.conftest import FAST_KDF
from tests.sync.sync_testing import ServerClock

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

DRAFT = CheckInDraft(mood=6, craving=2, sleep_hours="7", sleep_quality="good", medications="yes",
                     used_since_last=False, thoughts_of_self_harm=False)
YEAR = timedelta(days=365)


class MonotonicClock:
    """The app's monotonic clock, moved by hand (access-token lifetimes use it)."""

    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["in-process", "socket"])
def transport(request: pytest.FixtureRequest, clinic_app: FastAPI) -> Iterator[ClinicClient]:
    """The app's ClinicClient on the same server: through TestClient, or over TCP."""
    if request.param == "in-process":
        with TestClient(clinic_app, base_url="http://localhost") as http:
            yield ClinicClient("http://localhost", http=http)
        return
    listener = _listen("127.0.0.1", 0)
    server = _ThreadedServer(uvicorn.Config(clinic_app, log_config=None, log_level="warning",
                                            access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    try:
        with ClinicClient(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(5)
        listener.close()


@pytest.fixture
def staff(clinic_app: FastAPI) -> Iterator[TestClient]:
    """The clinician's side, always in-process."""
    with TestClient(clinic_app, base_url="http://localhost") as http:
        yield http


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


@pytest.fixture
def monotonic() -> MonotonicClock:
    return MonotonicClock()


@pytest.fixture
def link(store: Store, transport: ClinicClient, demo: DemoCredentials,
         server_clock: ServerClock, monotonic: MonotonicClock) -> ClinicLink:
    enrolled = ClinicLink(transport, clock=server_clock, monotonic=monotonic, page_size=25)
    assert enrolled.enrol(store, demo.enrolment_code).ok
    return enrolled


def _clinician(staff: TestClient, demo: DemoCredentials) -> dict[str, str]:
    signed_in = staff.post("/api/v1/clinician/sessions", json={
        "email": demo.clinician_email, "password": demo.clinician_password})
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def _db(clinic_app: FastAPI) -> Any:
    return clinic_app.state.clinic.sessions


def _count_calls(monkeypatch: pytest.MonkeyPatch, client: ClinicClient, name: str) -> list[Any]:
    calls: list[Any] = []
    original = getattr(client, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(client, name, counted)
    return calls


def test_enrolment_pulls_the_whole_feed_page_by_page(
    store: Store, transport: ClinicClient, demo: DemoCredentials, server_clock: ServerClock,
    monkeypatch: pytest.MonkeyPatch, clinic_app: FastAPI,
) -> None:
    pages = _count_calls(monkeypatch, transport, "changes")
    link = ClinicLink(transport, clock=server_clock, page_size=10)

    assert link.enrol(store, demo.enrolment_code).ok

    with _db(clinic_app)() as db:
        published = db.scalar(sa.select(sa.func.count()).select_from(PublishedChange))
        last_seq = db.scalar(sa.select(sa.func.max(PublishedChange.seq)))
        on_server = db.scalar(sa.select(sa.func.count()).select_from(ScheduledSessionRecord))
    cursors = [call[1] for call in pages]
    assert cursors == sorted(cursors) and len(cursors) == published // 10 + 1
    assert store.settings.get(PULL_CURSOR_KEY) == last_seq
    assert len(store.schedule.all()) == on_server
    assert any(s["status"] == "cancelled" for s in store.schedule.all())
    assert link.profile(store)["name"] == demo.clinic_name
    assert link.status(store).state is LinkState.UP_TO_DATE
    # Only the refresh token is stored, and no token travels in a URL.
    saved = repr(store.settings.all())
    enrolment = link.enrolment(store)
    assert enrolment is not None and "refresh_token" in enrolment
    assert "access_token" not in saved and "device_token" not in saved


def test_a_cancellation_reaches_the_phone_as_a_delta(
    store: Store, link: ClinicLink, transport: ClinicClient, staff: TestClient,
    demo: DemoCredentials, server_clock: ServerClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = {s["id"]: s for s in store.schedule.all()}
    target = next(s for s in before.values()
                  if s["status"] == "scheduled" and s["kind"] == "group"
                  and s["starts_at"] > server_clock.now.isoformat())
    cancelled = staff.post(f"/api/v1/clinician/schedule/{target['id']}/cancel",
                           json={"note": "Group is off today: snow."},
                           headers=_clinician(staff, demo))
    assert cancelled.status_code == 200, cancelled.text
    pages = _count_calls(monkeypatch, transport, "changes")

    assert link.sync(store).state is LinkState.UP_TO_DATE

    after = {s["id"]: s for s in store.schedule.all()}
    assert after[target["id"]]["status"] == "cancelled"
    assert after[target["id"]]["note"] == "Group is off today: snow."
    # Only that session changed: applied by id, not by replacing the schedule.
    assert {k: v for k, v in after.items() if k != target["id"]} == {
        k: v for k, v in before.items() if k != target["id"]}
    assert len(pages) == 1


def test_the_cursor_does_not_pass_a_page_that_failed_to_apply(
    store: Store, link: ClinicLink, staff: TestClient, demo: DemoCredentials,
    server_clock: ServerClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    cursor = store.settings.get(PULL_CURSOR_KEY)
    headers = _clinician(staff, demo)
    made = []
    for n in range(30):  # two pages of 25
        starts = server_clock.now + timedelta(days=3, hours=n)
        made.append(staff.post("/api/v1/clinician/schedule", headers=headers, json={
            "kind": "workshop", "title": f"Workshop {n}", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(minutes=30)).isoformat(),
            "location": "Classroom 1", "facilitator": "Chris Ortega"}).json()["id"])
    original = store.schedule.apply_changes
    calls: list[int] = []

    def fail_on_second_page(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise WriteFailed()
        original(*args, **kwargs)

    monkeypatch.setattr(store.schedule, "apply_changes", fail_on_second_page)

    assert link.sync(store).state is LinkState.FAILED

    first_page_end = store.settings.get(PULL_CURSOR_KEY)
    assert cursor < first_page_end  # the first page was applied and passed...
    known = {s["id"] for s in store.schedule.all()}
    assert set(made[:20]) <= known and not set(made[25:]) & known  # ...the second was not
    monkeypatch.setattr(store.schedule, "apply_changes", original)
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert set(made) <= {s["id"] for s in store.schedule.all()}


def test_a_change_with_data_the_app_cannot_read_stops_the_cursor(
    store: Store, link: ClinicLink, clinic_app: FastAPI, server_clock: ServerClock,
) -> None:
    cursor = store.settings.get(PULL_CURSOR_KEY)
    with _db(clinic_app).begin() as db:
        clinic_id = db.scalar(sa.select(PublishedChange.clinic_id).limit(1))
        db.add(PublishedChange(seq=cursor + 1000, clinic_id=clinic_id, participant_id=None,
                               kind="session", item_id="x", deleted=False,
                               data={"title": 5}, published_at=server_clock.now))
    assert link.sync(store).state is LinkState.FAILED
    assert store.settings.get(PULL_CURSOR_KEY) == cursor


def test_unknown_kinds_are_skipped_and_remembered_for_a_newer_app(
    store: Store, link: ClinicLink, clinic_app: FastAPI, server_clock: ServerClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cursor = store.settings.get(PULL_CURSOR_KEY)
    with _db(clinic_app).begin() as db:
        clinic_id = db.scalar(sa.select(PublishedChange.clinic_id).limit(1))
        db.add(PublishedChange(seq=cursor + 1000, clinic_id=clinic_id, participant_id=None,
                               kind="group_photo", item_id="h1", deleted=False,
                               data={"title": "Graduation", "taken": "2026-03-09"},
                               published_at=server_clock.now))
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert store.settings.get(PULL_CURSOR_KEY) == cursor + 1000
    assert store.settings.get(SKIPPED_KINDS_KEY) == {"group_photo": cursor + 1000}
    # An updated app that knows the kind rewinds to it and pulls it again.
    monkeypatch.setattr(clinic_link, "_KNOWN_KINDS", clinic_link._KNOWN_KINDS | {"group_photo"})
    assert link._start_cursor(store) == cursor + 999
    assert store.settings.get(SKIPPED_KINDS_KEY) == {}


@pytest.mark.parametrize("offset", [YEAR, -YEAR])
def test_a_phone_clock_a_year_off_still_syncs(
    tmp_path: Path, transport: ClinicClient, demo: DemoCredentials, server_clock: ServerClock,
    staff: TestClient, clinic_app: FastAPI, offset: timedelta,
) -> None:
    def phone_clock() -> Any:
        return server_clock.now + offset

    store = Vault(tmp_path / "phone", kdf=FAST_KDF, now=phone_clock).create("482913")
    link = ClinicLink(transport, clock=phone_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    save_check_in(store, DRAFT)
    server_clock.advance(timedelta(minutes=20))  # the access token expires on the clinic
    target = next(s for s in store.schedule.all() if s["status"] == "scheduled"
                  and s["starts_at"] > server_clock.now.isoformat())
    staff.post(f"/api/v1/clinician/schedule/{target['id']}/cancel",
               headers=_clinician(staff, demo))

    assert link.sync(store).state is LinkState.UP_TO_DATE

    assert store.outbox.count_pending() == 0
    cancelled = {s["id"]: s["status"] for s in store.schedule.all()}[target["id"]]
    assert cancelled == "cancelled"
    with _db(clinic_app)() as db:
        received = db.scalars(sa.select(ParticipantRecord.device_created_at)).one()
    assert abs(received - (server_clock.now + offset)) < timedelta(hours=1)  # kept, not trusted


def test_an_expired_access_token_is_renewed_transparently_once(
    store: Store, link: ClinicLink, transport: ClinicClient, server_clock: ServerClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refreshes = _count_calls(monkeypatch, transport, "refresh_tokens")
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert refreshes == []  # the enrolment's access token is still good
    # The clinic's clock moves on; the app's monotonic clock does not (it slept).
    server_clock.advance(timedelta(minutes=16))
    save_check_in(store, DRAFT)

    assert link.sync(store).state is LinkState.UP_TO_DATE

    assert len(refreshes) == 1 and store.outbox.count_pending() == 0


def test_the_app_renews_before_expiry_and_rotates_the_refresh_token(
    store: Store, link: ClinicLink, transport: ClinicClient, monotonic: MonotonicClock,
    server_clock: ServerClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    refreshes = _count_calls(monkeypatch, transport, "refresh_tokens")
    first_refresh = link.enrolment(store)["refresh_token"]  # type: ignore[index]
    monotonic.now += 14 * 60 + 1  # within a minute of the 15-minute lifetime
    server_clock.advance(timedelta(minutes=14))

    assert link.sync(store).state is LinkState.UP_TO_DATE

    assert len(refreshes) == 1
    second_refresh = link.enrolment(store)["refresh_token"]  # type: ignore[index]
    assert second_refresh != first_refresh
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert len(refreshes) == 1  # the new access token is reused while valid


def test_a_stolen_refresh_token_gets_the_device_disconnected_not_offline(
    store: Store, link: ClinicLink, transport: ClinicClient, monotonic: MonotonicClock,
    server_clock: ServerClock,
) -> None:
    stolen = link.enrolment(store)["refresh_token"]  # type: ignore[index]
    thief = transport.refresh_tokens(stolen)  # the thief is first...
    assert transport.profile(thief.access_token)  # ...and uses what it bought
    server_clock.advance(timedelta(minutes=15))
    monotonic.now += 15 * 60  # the app must refresh now: presents the spent token

    status = link.sync(store)

    assert status.state is LinkState.NOT_AUTHORISED
    assert status.message_key == "status.not_authorised"


def test_a_device_the_clinic_disconnected_is_reported_as_such(
    store: Store, link: ClinicLink, staff: TestClient, demo: DemoCredentials,
) -> None:
    participant_id = link.enrolment(store)["participant_id"]  # type: ignore[index]
    revoked = staff.post(f"/api/v1/clinician/participants/{participant_id}/devices/revoke",
                         headers=_clinician(staff, demo))
    assert revoked.json() == {"revoked_devices": 1}
    save_check_in(store, DRAFT)

    status = link.sync(store)

    assert (status.state, status.message_key) == (LinkState.NOT_AUTHORISED,
                                                 "status.not_authorised")
    assert store.outbox.count_pending() == 1  # kept, never dropped
    unreachable = ClinicLink(ClinicClient("http://127.0.0.1:9", timeout=1)).sync(store)
    assert unreachable.state is LinkState.OFFLINE


def test_a_clinic_restored_from_a_backup_gets_everything_again(
    store: Store, link: ClinicLink, clinic_app: FastAPI, staff: TestClient,
    demo: DemoCredentials, tmp_path: Path, server_clock: ServerClock,
) -> None:
    """Really swap the clinic's database for an older copy, while the server runs."""
    database = Path(clinic_app.state.clinic.engine.url.database)
    save_check_in(store, DRAFT)
    assert link.sync(store).state is LinkState.UP_TO_DATE
    old_epoch = store.settings.get(SERVER_EPOCH_KEY)
    backup = tmp_path / "backup.sqlite3"
    backup_sqlite(f"sqlite:///{database}", backup)
    # After the backup: more check-ins, and a schedule change, all acknowledged.
    for _ in range(3):
        save_check_in(store, DRAFT)
    target = next(s for s in store.schedule.all() if s["status"] == "scheduled"
                  and s["starts_at"] > server_clock.now.isoformat())
    headers = _clinician(staff, demo)
    staff.post(f"/api/v1/clinician/schedule/{target['id']}/cancel", headers=headers)
    starts = server_clock.now + timedelta(days=2)
    added = staff.post("/api/v1/clinician/schedule", headers=headers, json={
        "kind": "workshop", "title": "Extra workshop", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(), "location": "Classroom 1",
        "facilitator": "Chris Ortega"}).json()["id"]
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert added in {s["id"] for s in store.schedule.all()}
    assert store.outbox.count_pending() == 0 and store.outbox.count_sent() == 4
    assert _server_records(clinic_app) == 4

    # The clinic's disk dies; the backup is put in place of the database.
    clinic_app.state.clinic.engine.dispose()
    for leftover in database.parent.glob(database.name + "-*"):  # -wal, -shm
        leftover.unlink()
    shutil.copyfile(backup, database)
    assert _server_records(clinic_app) == 1

    assert link.sync(store).state is LinkState.UP_TO_DATE

    assert store.settings.get(SERVER_EPOCH_KEY) != old_epoch
    assert _server_records(clinic_app) == 4  # the three it lost came back, once each
    assert store.outbox.count_pending() == 0
    # The restored feed is pulled from 0: the cancellation the backup lacks is undone
    # on the phone too, so the phone shows what the clinic now says.
    statuses = {s["id"]: s["status"] for s in store.schedule.all()}
    assert statuses[target["id"]] == SessionStatus.SCHEDULED
    assert added not in statuses  # the restored clinic never had it
    with _db(clinic_app)() as db:
        last_seq = db.scalar(sa.select(sa.func.max(PublishedChange.seq)))
    assert store.settings.get(PULL_CURSOR_KEY) == last_seq


def _server_records(clinic_app: FastAPI) -> int:
    with _db(clinic_app)() as db:
        return int(db.scalar(sa.select(sa.func.count()).select_from(ParticipantRecord)) or 0)


def test_backups_are_consistent_copies_with_a_new_epoch(
    clinic_app: FastAPI, demo: DemoCredentials, tmp_path: Path
) -> None:
    database = clinic_app.state.clinic.engine.url.database
    epoch = backup_sqlite(f"sqlite:///{database}", tmp_path / "copy.sqlite3")
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    live = sqlite3.connect(database)
    try:
        assert copy.execute("SELECT epoch FROM server_state").fetchone() == (epoch,)
        assert live.execute("SELECT epoch FROM server_state").fetchone() != (epoch,)
        count = "SELECT count(*) FROM published_changes"
        assert copy.execute(count).fetchone() == live.execute(count).fetchone()
    finally:
        copy.close()
        live.close()


