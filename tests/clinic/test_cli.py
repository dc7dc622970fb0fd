"""`iop-clinic serve` and `iop-clinic demo`."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from iop_companion.clinic import cli
from iop_companion.clinic.api import DATABASE_URL_ENV, create_app_from_env
from iop_companion.clinic.db import create_clinic_engine

CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


@pytest.fixture(autouse=True)
def _restore_database_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # `serve` exports the URL for its workers; keep that out of other tests. setenv
    # first so that monkeypatch restores the variable's absence afterwards.
    monkeypatch.setenv(DATABASE_URL_ENV, "unset")
    monkeypatch.delenv(DATABASE_URL_ENV)


def test_demo_seeds_a_sqlite_file_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo"]) == 0
    first = capsys.readouterr().out
    assert cli.main(["demo"]) == 0
    second = capsys.readouterr().out

    assert (tmp_path / cli.DEFAULT_DATABASE_FILE).exists()
    assert "jordan.ellis@cedarhollow.example" in first
    assert "cedar-hollow-demo" in first
    assert "Family invite code for Sam" in first
    # An enrolment code and a family invite code each time, all four different.
    codes = [CODE.findall(output) for output in (first, second)]
    assert [len(found) for found in codes] == [2, 2]
    assert len({*codes[0], *codes[1]}) == 4


def test_demo_uses_the_given_database(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo", "--database-url", database_url]) == 0
    assert CODE.search(capsys.readouterr().out)
    engine = create_clinic_engine(database_url)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM participants")) == 1
    engine.dispose()


def test_serve_migrates_then_hands_uvicorn_an_importable_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"

    cli.main(
        ["serve", "--database-url", url, "--host", "0.0.0.0", "--port", "8123", "--workers", "3"]
    )

    ((args, kwargs),) = calls
    assert args == ("iop_companion.clinic.api:create_app_from_env",)
    assert kwargs == {"factory": True, "host": "0.0.0.0", "port": 8123, "workers": 3,
                      "timeout_keep_alive": 5}
    assert os.environ[DATABASE_URL_ENV] == url
    assert "http://0.0.0.0:8123/api/v1" in capsys.readouterr().out
    assert "participants" in sa.inspect(create_clinic_engine(url)).get_table_names()


@pytest.mark.postgres
def test_serve_never_prints_the_database_password(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli.uvicorn, "run", lambda *a, **kw: None)
    with_password = postgres_url.replace("postgres@", "postgres:hunter2-secret@")
    cli.main(["serve", "--database-url", with_password])
    assert "hunter2-secret" not in capsys.readouterr().out


def test_workers_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--workers", "0"])
    assert "must be 1 or more" in capsys.readouterr().err


def test_the_worker_factory_reads_the_database_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(RuntimeError, match=DATABASE_URL_ENV):
        create_app_from_env()
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'env.sqlite3'}")
    app = create_app_from_env()
    app.state.clinic.engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_runs_several_workers_on_one_database(tmp_path: Path) -> None:
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "iop_companion.clinic.cli",
            "serve",
            "--database-url",
            url,
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert response.json() == {"status": "ok", "protocol_version": 1}
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=15)
    assert server.returncode == 0, output.decode()
