"""`iop-clinic serve --forwarded-allow-ips`: X-Forwarded-For is believed only from the
reverse proxies named, so the throttles count each client under its own address behind
a proxy, and a client cannot choose its address by sending the header itself."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from iop_companion.clinic import cli
from iop_companion.clinic.api import DATABASE_URL_ENV

WRONG_CODE = {"code": "ZZZZ-ZZZZ", "device_label": "a guesser"}


@pytest.fixture(autouse=True)
def _restore_database_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "unset")
    monkeypatch.delenv(DATABASE_URL_ENV)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(tmp_path: Path, *extra: str) -> Iterator[str]:
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'proxied.sqlite3'}"
    server = subprocess.Popen(
        [sys.executable, "-m", "iop_companion.clinic.cli", "serve", "--database-url", url,
         "--port", str(port), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=15)


def _guess_until_blocked(base: str, forwarded_for: str, tries: int = 40) -> None:
    """Wrong codes "from" `forwarded_for` until the clinic answers 429."""
    with httpx.Client(base_url=base, timeout=10) as http:
        for _ in range(tries):
            answer = http.post("/api/v1/enrolments", json=WRONG_CODE,
                               headers={"X-Forwarded-For": forwarded_for})
            if answer.status_code == 429:
                return
            assert answer.status_code == 401, answer.text
    pytest.fail(f"never throttled after {tries} wrong codes")


def _one_guess(base: str, forwarded_for: str) -> int:
    answer = httpx.post(f"{base}/api/v1/enrolments", json=WRONG_CODE, timeout=10,
                        headers={"X-Forwarded-For": forwarded_for})
    return answer.status_code


def test_behind_a_named_proxy_each_client_is_throttled_on_its_own(tmp_path: Path) -> None:
    with serving(tmp_path, "--forwarded-allow-ips", "127.0.0.1") as base:
        _guess_until_blocked(base, "203.0.113.7")
        assert _one_guess(base, "203.0.113.7") == 429
        # Another client behind the same proxy is not blocked by the first one's guesses.
        assert _one_guess(base, "203.0.113.8") == 401


def test_by_default_the_header_is_ignored(tmp_path: Path) -> None:
    with serving(tmp_path) as base:
        _guess_until_blocked(base, "203.0.113.7")
        # Changing the header does not get a guesser a fresh allowance: the connecting
        # address is what counts.
        assert _one_guess(base, "203.0.113.8") == 429


def test_the_option_reaches_uvicorn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *a, **kw: calls.append(kw))
    cli.main(["serve", "--database-url", f"sqlite:///{tmp_path / 'o.sqlite3'}",
              "--forwarded-allow-ips", " 10.0.0.5, 10.1.0.0/16,::1 "])
    (kwargs,) = calls
    assert kwargs["proxy_headers"] is True
    assert kwargs["forwarded_allow_ips"] == "10.0.0.5,10.1.0.0/16,::1"
    assert "10.0.0.5,10.1.0.0/16,::1" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["*", "proxy.example.org", "10.0.0.300"])
def test_only_addresses_and_networks_are_accepted(value: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--forwarded-allow-ips", value])
    assert "is not an IP address or network" in capsys.readouterr().err
