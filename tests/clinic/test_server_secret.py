"""The server secret that codes are stored under (HMAC-SHA256): where it lives, that a new
install makes one by itself, that every worker shares it, and a clear error otherwise."""

from __future__ import annotations

import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from iop_companion.clinic.api import create_app
from iop_companion.clinic.credentials import (
    SECRET_ENV,
    SECRET_FILE_NAME,
    ServerSecretError,
    code_digest,
    secret_file_for,
    server_secret,
)
from iop_companion.clinic.dependencies import ClinicServices
from tests.clinic.clinic_testing import FakeClock, Records


@pytest.fixture(autouse=True)
def _no_secret_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)


def test_a_new_sqlite_install_makes_a_private_secret_beside_its_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    path = tmp_path / SECRET_FILE_NAME
    assert secret_file_for(url) == path and not path.exists()

    secret = server_secret(url)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secret) == 64 and path.read_text().strip().encode() == secret
    assert server_secret(url) == secret  # read, not made again
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_other_databases_keep_it_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = "postgresql+psycopg://clinic@db.example/clinic"
    assert secret_file_for(url) == tmp_path / SECRET_FILE_NAME
    assert server_secret(url) == (tmp_path / SECRET_FILE_NAME).read_text().strip().encode()
    # The default database, `iop-clinic.sqlite3` in the working directory, shares it.
    assert secret_file_for("sqlite:///iop-clinic.sqlite3") == Path(SECRET_FILE_NAME)


def test_an_in_memory_database_needs_no_file(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert secret_file_for("sqlite://") is None
    assert server_secret("sqlite://") == server_secret("sqlite:///:memory:")
    assert list(tmp_path.iterdir()) == []


def test_the_environment_variable_wins_and_must_be_long_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    monkeypatch.setenv(SECRET_ENV, "  " + "k" * 40 + "\n")
    assert server_secret(url) == b"k" * 40
    assert not (tmp_path / SECRET_FILE_NAME).exists()

    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(ServerSecretError, match=f"{SECRET_ENV} must be at least 32"):
        server_secret(url)


def test_workers_starting_together_all_use_the_first_secret_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    found: list[bytes] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        found.append(server_secret(url))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1
    assert found[0] == (tmp_path / SECRET_FILE_NAME).read_text().strip().encode()


@pytest.mark.parametrize(
    ("make_bad", "expected"),
    [
        (lambda path: path.mkdir(), "cannot read its secret file"),
        (lambda path: path.write_bytes(b"\xff\xfe" * 40), "cannot read its secret file"),
        (lambda path: path.write_text("too short\n"), "fewer than 32 characters"),
    ],
    ids=["a folder", "not text", "too short"],
)
def test_an_unusable_secret_file_is_a_clear_error(
    tmp_path: Path, make_bad: Callable[[Path], object], expected: str
) -> None:
    path = tmp_path / SECRET_FILE_NAME
    make_bad(path)
    with pytest.raises(ServerSecretError, match=expected) as raised:
        server_secret(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    assert str(path) in str(raised.value)


def test_a_folder_the_server_cannot_write_to_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "clinic.sqlite3"
    with pytest.raises(ServerSecretError, match=f"could not create its secret file.*{SECRET_ENV}"):
        server_secret(f"sqlite:///{missing}")


def test_a_secret_file_readable_by_others_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / SECRET_FILE_NAME
    path.write_text("s" * 64 + "\n")
    path.chmod(0o644)
    assert server_secret(f"sqlite:///{tmp_path / 'clinic.sqlite3'}") == b"s" * 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_digest_depends_on_the_secret() -> None:
    assert code_digest(b"a" * 32, "ABCD2345") != code_digest(b"b" * 32, "ABCD2345")
    assert code_digest(b"a" * 32, "ABCD2345") == code_digest(b"a" * 32, "ABCD2345")


def test_a_code_issued_by_one_worker_is_redeemed_by_another(
    database_url: str, clock: FakeClock
) -> None:
    """Two server processes on one database (here: two apps) share the secret."""
    first, second = (create_app(database_url, clock=clock) for _ in range(2))
    try:
        records = Records(_services(first).sessions, clock)
        code = records.code(records.participant(records.clinic()))
        with TestClient(second, base_url="http://localhost") as client:
            response = client.post("/api/v1/enrolments",
                                   json={"code": code, "device_label": "phone"})
        assert response.status_code == 201, response.text
    finally:
        for app in (first, second):
            _services(app).engine.dispose()


def _services(app: FastAPI) -> ClinicServices:
    found: ClinicServices = app.state.clinic
    return found
