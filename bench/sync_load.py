"""Benchmark: many participants syncing at once against `iop-clinic serve`.

For each database (SQLite with 1 worker; PostgreSQL 127.0.0.1:5432/test with 2 workers,
in a schema of its own) it enrols P participants, then all of them at once push a
day's records (20 check-ins in one batch) and pull the clinic's changes, over real
sockets. It prints per database:

    db=sqlite participants=P errors=E syncs_per_s=X push_p50_ms= push_p95_ms=
        pull_p50_ms= pull_p95_ms= floor_p50_ms= sync_over_floor=R

floor: GET /participant/profile (a trivial authenticated read) measured in the same run
under the same load; sync_over_floor = median push (the sync request that carries the
records) over the median floor request. Targets (P=500): errors=0, sync_over_floor <= 3.

Then, on SQLite, one participant builds 10,000 records of history and the bytes of a
no-change sync (the pull an up-to-date phone makes: request and response, headers
included) are printed for 0 and 10,000 records:   no_change_sync_bytes_0= _10k=
(target: under 1 KB, independent of history).

Run: .venv/bin/python bench/sync_load.py [--participants 500] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from iop_companion.clinic.db import create_clinic_engine, create_session_factory, migrate_engine
from iop_companion.clinic.demo import DEMO_CLINIC_ID, seed_demo
from iop_companion.clinic.enrolment import issue_enrolment_code
from iop_companion.clinic.models import Participant

API = "/api/v1"
POSTGRES_URL = os.environ.get("IOP_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RECORDS_PER_DAY = 20
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check_in(moment: datetime) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": "check_in", "version": 1,
            "replaces_version": None, "created_at": moment.isoformat(), "priority": 0,
            "payload": {"mood": 6, "craving": 2, "sleep_hours": 7, "sleep_quality": "good",
                        "medications": "yes", "used_since_last": False,
                        "note": "went to group"}}


def enrolment_codes(database_url: str, count: int) -> list[str]:
    engine = create_clinic_engine(database_url)
    try:
        migrate_engine(engine)
        sessions = create_session_factory(engine)
        now = datetime.now(UTC)
        with sessions.begin() as session:
            seed_demo(session, now)
            participants = [Participant(clinic_id=DEMO_CLINIC_ID, display_name=f"P{i}",
                                        program_start=now.date(),
                                        program_end=(now + timedelta(weeks=8)).date())
                            for i in range(count)]
            session.add_all(participants)
            session.flush()
            return [issue_enrolment_code(session, p.id, now) for p in participants]
    finally:
        engine.dispose()


class Server:
    def __init__(self, database_url: str, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(BIN / "iop-clinic"), "serve", "--database-url", database_url,
             "--port", str(self.port), "--workers", str(workers)],
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("IOP_BENCH_SERVER_LOG", os.devnull), "a"))  # noqa: SIM115
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}{API}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"iop-clinic serve did not start on {database_url}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def enrol_all(http: httpx.AsyncClient, codes: list[str]) -> list[str]:
    limit = asyncio.Semaphore(50)

    async def enrol(code: str) -> str:
        async with limit:
            response = await http.post(f"{API}/enrolments",
                                       json={"code": code, "device_label": "bench"})
            response.raise_for_status()
            return str(response.json()["access_token"])

    return await asyncio.gather(*(enrol(code) for code in codes))


async def one_participant(http: httpx.AsyncClient, token: str,
                          timings: dict[str, list[float]], errors: list[str]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    now = datetime.now(UTC)
    records = [check_in(now - timedelta(minutes=30 * i)) for i in range(RECORDS_PER_DAY)]
    for name, call in (
        ("floor", lambda: http.get(f"{API}/participant/profile", headers=headers)),
        ("push", lambda: http.post(f"{API}/participant/records", headers=headers,
                                   json={"records": records})),
        ("pull", lambda: http.get(f"{API}/participant/changes",
                                  params={"after": 0, "limit": 500}, headers=headers)),
    ):
        started = time.perf_counter()
        try:
            response = await call()
        except httpx.HTTPError as error:
            errors.append(f"{name}: {type(error).__name__}")
            continue
        timings[name].append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            errors.append(f"{name}: HTTP {response.status_code}")
        elif name == "push" and any(r["outcome"] not in ("stored", "duplicate")
                                    for r in response.json()["results"]):
            errors.append("push: a record was not stored")


def p(values: list[float], quantile: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] if ordered else 0.0


async def load(server: Server, codes: list[str]) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:
        tokens = await enrol_all(http, codes)
        timings: dict[str, list[float]] = {"floor": [], "push": [], "pull": []}
        errors: list[str] = []
        started = time.perf_counter()
        await asyncio.gather(*(one_participant(http, token, timings, errors)
                               for token in tokens))
        elapsed = time.perf_counter() - started
    return {"timings": timings, "errors": errors, "elapsed": elapsed}


def report(db: str, participants: int, result: dict[str, Any]) -> None:
    timings = result["timings"]
    floor = statistics.median(timings["floor"]) if timings["floor"] else float("nan")
    push = statistics.median(timings["push"]) if timings["push"] else float("nan")
    print(f"db={db} participants={participants} errors={len(result['errors'])} "
          f"syncs_per_s={participants / result['elapsed']:.1f} "
          f"push_p50_ms={push:.1f} push_p95_ms={p(timings['push'], 0.95):.1f} "
          f"pull_p50_ms={statistics.median(timings['pull']):.1f} "
          f"pull_p95_ms={p(timings['pull'], 0.95):.1f} "
          f"floor_p50_ms={floor:.1f} sync_over_floor={push / floor:.2f}")
    if result["errors"]:
        print("  first errors:", sorted(set(result["errors"]))[:5])


def run(db: str, database_url: str, participants: int, workers: int) -> None:
    codes = enrolment_codes(database_url, participants)
    server = Server(database_url, workers)
    try:
        report(db, participants, asyncio.run(load(server, codes)))
    finally:
        server.stop()


def no_change_sync_bytes(folder: Path) -> None:
    """Bytes on the wire for an up-to-date phone's sync, at 0 and 10,000 records."""
    database_url = f"sqlite:///{folder / 'history.sqlite3'}"
    code = enrolment_codes(database_url, 1)[0]
    server = Server(database_url, 1)
    sizes: list[int] = []
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            token = http.post(f"{API}/enrolments",
                              json={"code": code, "device_label": "bench"}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            cursor = 0
            for history in (0, 10_000):
                moment = datetime.now(UTC)
                for start in range(0, history, 100):
                    batch = [check_in(moment - timedelta(minutes=i)) for i in range(100)]
                    http.post(f"{API}/participant/records", headers=headers,
                              json={"records": batch}).raise_for_status()
                # Catch up first, as the phone would have; then the measured no-change sync.
                while True:
                    page = http.get(f"{API}/participant/changes", headers=headers,
                                    params={"after": cursor, "limit": 500}).json()
                    cursor = page["next_cursor"]
                    if not page["has_more"]:
                        break
                request = http.build_request("GET", f"{API}/participant/changes",
                                             headers=headers, params={"after": cursor,
                                                                      "limit": 500})
                response = http.send(request)
                sizes.append(_wire_bytes(request, response))
    finally:
        server.stop()
    print(f"no_change_sync_bytes_0={sizes[0]} no_change_sync_bytes_10k={sizes[1]}")


def _wire_bytes(request: httpx.Request, response: httpx.Response) -> int:
    head = f"{request.method} {request.url.raw_path.decode()} HTTP/1.1\r\n".encode()
    head += b"".join(f"{k}: {v}\r\n".encode() for k, v in request.headers.items()) + b"\r\n"
    answer = f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n".encode()
    answer += b"".join(f"{k}: {v}\r\n".encode() for k, v in response.headers.items()) + b"\r\n"
    return len(head) + len(request.content) + len(answer) + len(response.content)


def postgres_schema_url() -> tuple[str, sa.Engine, str]:
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), admin, schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{Path(folder) / 'clinic.sqlite3'}", args.participants, 1)
        if not args.skip_postgres:
            url, admin, schema = postgres_schema_url()
            try:
                run("postgresql", url, args.participants, 2)
            finally:
                with admin.connect() as connection:
                    connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        no_change_sync_bytes(Path(folder))


if __name__ == "__main__":
    main()
