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
from iop_companion.sync.protocol.enrolment_link import parse_enrolment_link

CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
SIGN_IN = re.compile(r"Clinician sign-in: (\S+) / (\S+)")


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
    assert "Family invite code for Sam" in first
    # An enrolment code and a family invite code each time, all four different (each
    # printed twice: alone, and in its link).
    codes = [list(dict.fromkeys(CODE.findall(output))) for output in (first, second)]
    assert [len(found) for found in codes] == [2, 2]
    assert len({*codes[0], *codes[1]}) == 4
    # A new clinician password each time, printed with the email.
    passwords = [SIGN_IN.search(output) for output in (first, second)]
    assert all(passwords)
    assert {p.group(1) for p in passwords if p} == {"jordan.ellis@cedarhollow.example"}
    assert len({p.group(2) for p in passwords if p}) == 2


def test_demo_prints_the_links_and_a_qr_code_for_the_clinic_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "--clinic-url", "https://Clinic.Example.org/"]) == 0
    out = capsys.readouterr().out
    enrolment = re.search(r"Enrolment code for Alex: (\S+)", out)
    invite = re.search(r"Family invite code for Sam: (\S+)", out)
    assert enrolment and invite
    link = f"https://clinic.example.org/enrol#code={enrolment.group(1)}"
    assert f"Enrolment link for Alex: {link} " in out
    invite_link = f"https://clinic.example.org/join#code={invite.group(1)}"
    assert f"Family invite link for Sam: {invite_link}" in out
    # The QR code, drawn with block characters, holds the enrolment link.
    assert "\u2588" in out and "\u2580" in out
    assert parse_enrolment_link(link).code == enrolment.group(1).replace("-", "")


def test_demo_links_default_to_where_serve_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo"]) == 0
    assert "Enrolment link for Alex: http://127.0.0.1:8000/enrol#code=" in capsys.readouterr().out


def test_demo_refuses_an_insecure_clinic_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        cli.main(["demo", "--clinic-url", "http://clinic.example.org"])
    assert "https://" in capsys.readouterr().err
    assert not (tmp_path / cli.DEFAULT_DATABASE_FILE).exists()


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
    # No proxy is believed unless named (uvicorn alone would believe 127.0.0.1).
    assert kwargs == {"factory": True, "host": "0.0.0.0", "port": 8123, "workers": 3,
                      "timeout_keep_alive": 5, "timeout_worker_healthcheck": 60,
                      "proxy_headers": False,
                      "forwarded_allow_ips": ""}
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
        deadline = time.monotonic() + 90  # two workers start; slow on a busy machine
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


PASSWORD_LINE = re.compile(r"One-time password: (\S+)")


def _sign_in(url: str, email: str, password: str) -> httpx.Response:
    from fastapi.testclient import TestClient

    from iop_companion.clinic.api import create_app

    with TestClient(create_app(url)) as client:
        return client.post("/api/v1/clinician/sessions",
                           json={"email": email, "password": password})


def test_staff_add_prints_a_one_time_password_that_signs_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    assert cli.main(["demo", "--database-url", url]) == 0
    capsys.readouterr()

    assert cli.main(["staff", "add", "Admin@Cedar.example", "--name", "Pat Admin",
                     "--role", "administrator", "--database-url", url]) == 0
    printed = capsys.readouterr().out
    match = PASSWORD_LINE.search(printed)
    assert match and "administrator" in printed

    signed_in = _sign_in(url, "admin@cedar.example", match.group(1))
    assert signed_in.status_code == 201, signed_in.text
    # The same email again is refused, and nothing is printed as a password.
    assert cli.main(["staff", "add", "admin@cedar.example", "--name", "Pat",
                     "--database-url", url]) == 1
    assert "One-time password" not in capsys.readouterr().out


def test_staff_add_needs_a_name_and_one_clinic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    assert cli.main(["staff", "add", "a@b.example", "--database-url", url]) == 2
    assert "--name" in capsys.readouterr().err
    # No clinic yet: it says so rather than inventing one.
    assert cli.main(["staff", "add", "a@b.example", "--name", "A", "--database-url", url]) == 1
    assert "clinics here: none" in capsys.readouterr().err


def test_staff_reset_password_replaces_the_old_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    assert cli.main(["demo", "--database-url", url]) == 0
    email, old = SIGN_IN.search(capsys.readouterr().out).groups()  # type: ignore[union-attr]

    assert cli.main(["staff", "reset-password", email, "--database-url", url]) == 0
    new = PASSWORD_LINE.search(capsys.readouterr().out)

    assert new
    assert _sign_in(url, email, old).status_code == 401
    assert _sign_in(url, email, new.group(1)).status_code == 201
    assert cli.main(["staff", "reset-password", "nobody@x.example", "--database-url", url]) == 1


def test_serve_public_url_reaches_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iop_companion.clinic.enrolment_links import PUBLIC_URL_ENV

    monkeypatch.setenv(PUBLIC_URL_ENV, "unset")
    monkeypatch.delenv(PUBLIC_URL_ENV)
    monkeypatch.setattr(cli.uvicorn, "run", lambda *a, **kw: None)
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"

    cli.main(["serve", "--database-url", url, "--public-url", "https://Clinic.example.org/"])

    assert os.environ[PUBLIC_URL_ENV] == "https://clinic.example.org"
    with pytest.raises(SystemExit):
        cli.main(["serve", "--database-url", url, "--public-url", "http://clinic.example.org"])
