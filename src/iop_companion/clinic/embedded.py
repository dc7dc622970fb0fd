"""A demo clinic server running inside the app's own process, on a real local socket.

Used by `iop-companion --demo`: the app talks to it over HTTP exactly as it would to
a real clinic. Its database lives in a temporary folder that `stop()` removes, so
nothing of it outlives the demo (it holds what the app synced, unencrypted).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn

from iop_companion.clinic.api import API_PREFIX, create_app
from iop_companion.clinic.demo import DemoCredentials, seed_demo
from iop_companion.clinic.dependencies import ClinicServices

_START_TIMEOUT_SECONDS = 15.0


class _ThreadedServer(uvicorn.Server):
    """uvicorn without signal handling: signals belong to the main thread (the app)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:  # name used by uvicorn before 0.29
        pass


@dataclass
class EmbeddedClinic:
    url: str  # base URL, e.g. "http://127.0.0.1:54321"
    credentials: DemoCredentials
    _server: _ThreadedServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _socket: socket.socket = field(repr=False)
    # The temporary folder holding the database, removed by stop(); None: the caller's file.
    temporary_folder: Path | None = None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and wait for the server thread (and remove the temporary
        database); safe to call twice."""
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()
        if self.temporary_folder is not None:
            shutil.rmtree(self.temporary_folder, ignore_errors=True)


def start_temporary_demo_clinic(host: str = "127.0.0.1", port: int = 0) -> EmbeddedClinic:
    """The demo clinic on a new database in a new private temporary folder: every start
    is a new clinic, and `stop()` deletes it."""
    folder = Path(tempfile.mkdtemp(prefix="iop-demo-clinic-"))  # mode 0700
    try:
        clinic = start_embedded_clinic(folder / "clinic.sqlite3", host, port)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    clinic.temporary_folder = folder
    return clinic


def start_embedded_clinic(db_path: Path, host: str = "127.0.0.1", port: int = 0) -> EmbeddedClinic:
    """Migrate and seed the SQLite file at `db_path`, then serve it on `host:port`.

    `port=0` picks a free port. Returns once the health endpoint answers.
    """
    app = create_app(f"sqlite:///{db_path}")
    services: ClinicServices = app.state.clinic
    with services.sessions.begin() as session:
        credentials = seed_demo(session, services.clock())

    listener = _listen(host, port)
    bound_port = listener.getsockname()[1]
    server = _ThreadedServer(
        # log_config=None: the app owns logging configuration. No access log: it
        # would be noise, and the app's logs must say nothing about the participant.
        # No proxy headers: nothing stands between the app and this clinic.
        uvicorn.Config(app, log_config=None, log_level="warning", access_log=False,
                       lifespan="on", proxy_headers=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="embedded-clinic", daemon=True
    )
    thread.start()
    shown_host = f"[{host}]" if ":" in host else host
    clinic = EmbeddedClinic(
        url=f"http://{shown_host}:{bound_port}",
        credentials=credentials,
        _server=server,
        _thread=thread,
        _socket=listener,
    )
    try:
        _wait_until_healthy(clinic)
    except BaseException:
        clinic.stop()
        raise
    return clinic


def _listen(host: str, port: int) -> socket.socket:
    # Binding here (rather than letting uvicorn bind) tells us the port chosen for
    # port=0 before the server starts, with no race for a "free" port.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


def _wait_until_healthy(clinic: EmbeddedClinic) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    with httpx.Client(timeout=1.0) as http:
        while time.monotonic() < deadline:
            if not clinic._thread.is_alive():
                raise RuntimeError("the embedded clinic server stopped during start-up")
            with contextlib.suppress(httpx.TransportError):
                if http.get(f"{clinic.url}{API_PREFIX}/health").status_code == 200:
                    return
            time.sleep(0.02)
    raise TimeoutError("the embedded clinic server did not start in time")
