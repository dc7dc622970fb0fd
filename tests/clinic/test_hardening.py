"""The server under hostile clients, and its data rules (issue 11): slow uploads cannot
stop it, a queued request is answered 503 rather than left hanging, times outside
2000-2100 and invisible or bidirectional control characters are refused, every response
carries the security headers, and database files are private."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.cli import main
from iop_companion.clinic.db import create_clinic_engine, migrate
from iop_companion.clinic.errors import SECURITY_HEADERS
from iop_companion.clinic.limits import ConcurrencyLimit, RequestSizeLimit
from iop_companion.clinic.models import ParticipantRecord
from iop_companion.sync.protocol import PushOutcome, PushResponse
from tests.clinic.clinic_testing import Records, bearer
from tests.clinic.sync_records import PUSH, check_in_payload, record, safety_flag

SLOW_CLIENTS = 20


@pytest.fixture
def token(records: Records, enrol: Callable[..., str]) -> str:
    return enrol(records.code(records.participant(records.clinic(), "Sam")))


# --- Slow clients over a real socket --------------------------------------------------


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    """`app` served by uvicorn on a free loopback port, in a thread: its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_keep_alive=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _trickle(port: int, token: str, stop: threading.Event, sockets: list[socket.socket]) -> None:
    """Open SLOW_CLIENTS uploads that promise 100 kB and send one byte each per 0.1 s."""
    for _ in range(SLOW_CLIENTS):
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn.sendall(
            (f"POST {PUSH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
             "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{").encode()
        )
        sockets.append(conn)
    while not stop.wait(0.1):
        for conn in sockets:
            try:
                conn.sendall(b" ")
            except OSError:
                pass


def test_a_safety_flag_is_stored_within_2_s_while_20_clients_trickle_their_bodies(
    served: str, records: Records, sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = records.code(records.participant(records.clinic(), "Sam"))
    with httpx.Client(base_url=served, timeout=10) as http:
        enrolled = http.post("/api/v1/enrolments", json={"code": code, "device_label": "Phone"})
        assert enrolled.status_code == 201, enrolled.text
        token = enrolled.json()["access_token"]
        stop = threading.Event()
        sockets: list[socket.socket] = []
        port = int(served.rsplit(":", 1)[1])
        trickler = threading.Thread(target=_trickle, args=(port, token, stop, sockets))
        trickler.start()
        try:
            deadline = time.monotonic() + 5
            while len(sockets) < SLOW_CLIENTS:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            time.sleep(0.5)  # every slow upload is in and trickling
            flag = safety_flag()
            started = time.monotonic()
            response = http.post(PUSH, json={"records": [flag]}, headers=bearer(token),
                                 timeout=2)
            health = http.get("/api/v1/health", timeout=2)
            elapsed = time.monotonic() - started
        finally:
            stop.set()
            trickler.join(timeout=5)
            for conn in sockets:
                conn.close()
    assert response.status_code == 200, response.text
    [result] = PushResponse.model_validate(response.json()).results
    assert result.outcome is PushOutcome.STORED
    assert health.status_code == 200
    assert elapsed < 2.0
    with sessions() as session:
        kinds = session.scalars(sa.select(ParticipantRecord.kind)).all()
    assert [str(kind) for kind in kinds] == ["safety_flag"]
    with capsys.disabled():
        print(f"\n[slow clients] flag stored and /health answered in {elapsed:.3f} s "
              f"with {SLOW_CLIENTS} trickling uploads")


# --- Body deadline and slot wait (ASGI, no socket) -------------------------------------


async def _run_asgi(app: Any, body_messages: list[dict[str, Any]] | None,
                    path: str = "/x") -> list[dict[str, Any]]:
    """Call `app` with a POST; `body_messages` None means a body that never arrives."""
    sent: list[dict[str, Any]] = []
    queue = list(body_messages or [])

    async def receive() -> dict[str, Any]:
        if body_messages is None:
            await asyncio.sleep(3600)
        if queue:
            return queue.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": [],
             "query_string": b""}
    await app(scope, receive, send)
    return sent


def _status_and_headers(sent: list[dict[str, Any]]) -> tuple[int, dict[str, str]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": message["body"]})


def test_a_body_that_does_not_arrive_in_time_gets_408_and_a_closed_connection() -> None:
    limited = RequestSizeLimit(_echo, max_bytes=100, body_deadline=0.2)
    started = time.monotonic()
    sent = asyncio.run(_run_asgi(limited, None))
    status, headers = _status_and_headers(sent)
    assert status == 408 and headers["connection"] == "close"
    assert time.monotonic() - started < 2
    assert b"detail" in sent[-1]["body"]


def test_the_whole_body_is_read_before_the_app_and_size_checked() -> None:
    limited = RequestSizeLimit(_echo, max_bytes=10)
    chunks = [{"type": "http.request", "body": b"abc", "more_body": True},
              {"type": "http.request", "body": b"def", "more_body": False}]
    sent = asyncio.run(_run_asgi(limited, chunks))
    assert _status_and_headers(sent)[0] == 200 and sent[-1]["body"] == b"abcdef"
    too_big = [{"type": "http.request", "body": b"x" * 8, "more_body": True},
               {"type": "http.request", "body": b"x" * 8, "more_body": False}]
    sent = asyncio.run(_run_asgi(limited, too_big))
    assert _status_and_headers(sent)[0] == 413


def test_a_request_that_waits_too_long_for_a_slot_gets_503_with_retry_after() -> None:
    release = asyncio.Event()

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = ConcurrencyLimit(slow_app, limit=1, max_wait=0.2)
    body = [{"type": "http.request", "body": b"", "more_body": False}]

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first = asyncio.create_task(_run_asgi(limited, body))
        await asyncio.sleep(0.05)
        second = await _run_asgi(limited, body)  # the only slot is busy
        release.set()
        return await first, second

    first, second = asyncio.run(scenario())
    assert _status_and_headers(first)[0] == 200
    status, headers = _status_and_headers(second)
    assert status == 503 and headers["retry-after"].isdigit()


# --- Times outside 2000-2100 -----------------------------------------------------------

EXTREME_TIMES = ["0001-01-01T00:30:00+05:00", "9999-12-31T23:30:00-05:00",
                 "1999-12-31T23:59:59+00:00", "2100-01-01T00:00:00+00:00"]


@pytest.mark.parametrize("moment", EXTREME_TIMES)
def test_an_extreme_device_time_is_rejected_per_record_and_the_batch_goes_on(
    client: TestClient, token: str, sessions: sessionmaker[Session], moment: str
) -> None:
    bad_envelope = record()
    bad_envelope["created_at"] = moment
    bad_payload = record(payload=check_in_payload(updated_at=moment))
    good = safety_flag()
    response = client.post(PUSH, json={"records": [bad_envelope, bad_payload, good]},
                           headers=bearer(token))
    assert response.status_code == 200, response.text
    results = PushResponse.model_validate(response.json()).results
    assert [r.outcome for r in results] == [PushOutcome.REJECTED, PushOutcome.REJECTED,
                                            PushOutcome.STORED]
    assert all(r.reason and "2000" in r.reason for r in results[:2])
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ParticipantRecord)) == 1


# --- Participant text is checked like clinician text -----------------------------------

@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("check_in", check_in_payload(note="fine\u202eenif")),  # right-to-left override
        ("check_in", check_in_payload(note="bell\x07")),
        ("check_in", check_in_payload(triggers=["two\nlines"])),
        ("check_in", check_in_payload(substance="x\u2066y")),
        ("treatment_goal", {"title": "Sleep\x00", "steps": []}),
        ("treatment_goal", {"title": "Sleep", "steps": [{"text": "a\x1bb"}]}),
        ("relapse_plan", {"triggers": ["pay\u202dday"]}),
        ("lapse_review", {"happened_on": "2026-03-03", "what_happened": "a\x0bb"}),
    ],
)
def test_control_and_bidi_characters_in_participant_text_are_rejected(
    client: TestClient, token: str, kind: str, payload: dict[str, Any]
) -> None:
    response = client.post(PUSH, json={"records": [record(kind, payload=payload)]},
                           headers=bearer(token))
    assert response.status_code == 200, response.text
    [result] = PushResponse.model_validate(response.json()).results
    assert result.outcome is PushOutcome.REJECTED
    assert result.reason == "Text can only contain printable characters."


def test_line_breaks_tabs_and_right_to_left_marks_stay_allowed_in_notes(
    client: TestClient, token: str
) -> None:
    payload = check_in_payload(note="Line one\n\tLine two \u05e9\u05dc\u05d5\u05dd\u200f")
    response = client.post(PUSH, json={"records": [record(payload=payload)]},
                           headers=bearer(token))
    [result] = PushResponse.model_validate(response.json()).results
    assert result.outcome is PushOutcome.STORED


# --- Security headers ------------------------------------------------------------------


def _assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name)


def test_every_response_carries_the_security_headers(
    app: FastAPI, client: TestClient, token: str
) -> None:
    def boom() -> None:
        raise RuntimeError("unexpected")

    app.add_api_route("/boom", boom)  # the 500 is answered outside the app's middleware
    responses = [
        client.get("/api/v1/health"),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/participant/changes", headers=bearer(token)),
        client.get("/api/v1/participant/changes"),  # 401
        client.get("/api/v1/no-such-thing"),  # 404
        client.post(PUSH, json={"records": []}, headers=bearer(token)),  # 422
        client.post(PUSH, content=b"x" * (3 * 1024 * 1024), headers=bearer(token)),  # 413
    ]
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as other:
        responses.append(other.get("/boom"))
    assert [r.status_code for r in responses] == [200, 200, 200, 401, 404, 422, 413, 500]
    for response in responses:
        _assert_security_headers(response)


# --- Private database and backup files -------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_backups_are_created_0600(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        database = tmp_path / "clinic.sqlite3"
        url = f"sqlite:///{database}"
        migrate(url)
        engine = create_clinic_engine(url)
        try:
            with engine.begin() as connection:  # WAL: -wal and -shm appear
                connection.execute(sa.text("SELECT 1 FROM server_state"))
                modes = {p.name: _mode(p) for p in tmp_path.iterdir()
                         if p.name.startswith("clinic")}
        finally:
            engine.dispose()
        assert {"clinic.sqlite3", "clinic.sqlite3-wal"} <= modes.keys()
        assert modes == dict.fromkeys(modes, 0o600)
        backup = tmp_path / "backup.sqlite3"
        assert main(["backup", "--database-url", url, "--to", str(backup)]) == 0
        assert _mode(backup) == 0o600
        loose = tmp_path / "old.sqlite3"
        loose.touch(mode=0o644)
        create_clinic_engine(f"sqlite:///{loose}").dispose()
        assert _mode(loose) == 0o600  # an existing database is narrowed too
    finally:
        os.umask(previous)
