"""Browser tests: the real app (`iop-companion --web`) with its real clinic server,
driven in Debian's headless Chromium through the accessibility tree."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.driver import CHROMIUM_ARGS, CHROMIUM_PATH, EXPECT_TIMEOUT_MS

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = Path(os.environ.get("IOP_SCREENSHOT_DIR", REPO_ROOT / "test-artifacts" / "screenshots"))
BIN_DIR = Path(sys.executable).parent


def pytest_configure(config: pytest.Config) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


# About 1 browser-test run in 30 here stops at a Playwright timeout with a page that no
# longer answers (not reproducible alone; the app's own log stays clean). Such a test
# runs once more, and the summary counts it as "rerun": a test that fails twice, or
# fails any other way, still fails.
FLAKY_BROWSER = pytest.mark.flaky(reruns=1, only_rerun=["TimeoutError"])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(FLAKY_BROWSER)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningProcess:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            for line in list(self.lines):
                match = regex.search(line)
                if match:
                    return match
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"never printed {pattern!r}; output was:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(args: list[str], extra_env: dict[str, str] | None = None) -> RunningProcess:
    env = dict(os.environ, PYTHONUNBUFFERED="1", FLET_FORCE_WEB_SERVER="1", **(extra_env or {}))
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env, cwd=REPO_ROOT)
    return RunningProcess(process)


def wait_for_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


# The demo clinician's sign-in printed by each demo clinic started here (a new password
# every start), by the clinic's address: see demo_clinician().
_DEMO_CLINICIANS: dict[str, dict[str, str]] = {}
SIGN_IN_LINE = r"(?:Demo c|C)linician sign-in: (\S+) / (\S+)"


def demo_clinician(clinic_url: str) -> dict[str, str]:
    """The sign-in (`{"email", "password"}`) of the demo clinician of the demo clinic at
    `clinic_url`, as it printed it when it started."""
    return dict(_DEMO_CLINICIANS[clinic_url])


def remember_demo_clinician(clinic_url: str, match: re.Match[str]) -> dict[str, str]:
    _DEMO_CLINICIANS[clinic_url] = {"email": match.group(1), "password": match.group(2)}
    return demo_clinician(clinic_url)


@dataclass
class RunningApp:
    url: str
    enrolment_code: str
    app: RunningProcess
    family_invite_code: str | None = None
    clinic: RunningProcess | None = None
    clinic_url: str | None = None
    clinic_database_url: str | None = None
    clinician: dict[str, str] = field(default_factory=dict)  # the demo clinician's sign-in
    enrolment_link: str | None = None
    family_invite_link: str | None = None
    clinic_demo_output: str | None = None  # what `iop-clinic demo` printed (QR code included)
    demo_clinic_database: Path | None = None  # `--demo`: its SQLite file, in a temporary folder

    def restart_clinic(self) -> RunningProcess:
        """Start the separate clinic again on its port and database (after `clinic.stop()`)."""
        assert self.clinic_url and self.clinic_database_url
        port = self.clinic_url.rsplit(":", 1)[1]
        self.clinic = start([str(BIN_DIR / "iop-clinic"), "serve", "--database-url",
                             self.clinic_database_url, "--port", port])
        wait_for_http(f"{self.clinic_url}/api/v1/health")
        return self.clinic


# Module scope, not session: Playwright's sync API keeps an event loop running on the
# main thread while it is open, which would break the async tests that run after these.
@pytest.fixture(scope="module")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(f"{CHROMIUM_PATH} is missing: install Debian's chromium (see .ci/run)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright_driver):
    # A browser per test: one wedged renderer cannot take the rest of the run with it.
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM_PATH,
                                                 args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


# The pages of the running test, closed before its apps stop (see close_browser_pages).
_open_contexts: list[Any] = []


def close_browser_pages() -> None:
    """Close the test's pages, as a person closes the tab, before its apps are stopped:
    asked to stop with a page still connected, the app waits about 5 s for it."""
    while _open_contexts:
        context = _open_contexts.pop()
        with contextlib.suppress(Exception):  # already closed, or the browser is gone
            context.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 412, "height": 915})
    _open_contexts.append(context)
    page = context.new_page()
    yield page
    close_browser_pages()


@pytest.fixture
def app_env() -> dict[str, str]:
    """Extra environment for the app under test (a test may override this fixture)."""
    return {}


@contextmanager
def running_demo_app(command: list[str], data_dir: Path,
                     env: dict[str, str] | None = None) -> Iterator[RunningApp]:
    """`command` (the app, or a launcher of it) in web mode with `--demo`: on a demo
    clinic of its own."""
    port = free_port()
    app = start([*command, "--web", "--demo", "--port", str(port), "--data-dir",
                 str(data_dir)], env)
    try:
        clinic_url = app.wait_for_line(r"Demo clinic running at (http://\S+)").group(1)
        database = Path(app.wait_for_line(r"Demo clinic database: (\S+)").group(1))
        clinician = remember_demo_clinician(clinic_url, app.wait_for_line(SIGN_IN_LINE))
        code = app.wait_for_line(r"Demo enrolment code: ([A-Z0-9]{4}-[A-Z0-9]{4})").group(1)
        link = app.wait_for_line(r"Demo enrolment link: (\S+)").group(1)
        invite = app.wait_for_line(r"Demo family invite code: ([A-Z0-9]{4}-[A-Z0-9]{4})").group(1)
        invite_link = app.wait_for_line(r"Demo family invite link: (\S+)").group(1)
        app.wait_for_line(r"IOP Companion is ready")
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(url)
        yield RunningApp(url=url, enrolment_code=code, app=app, family_invite_code=invite,
                         clinic_url=clinic_url, clinician=clinician, enrolment_link=link,
                         family_invite_link=invite_link,
                         demo_clinic_database=database / "clinic.sqlite3")
    finally:
        close_browser_pages()
        app.stop()


@pytest.fixture
def demo_app(tmp_path: Path, app_env: dict[str, str]) -> Iterator[RunningApp]:
    """`iop-companion --web --demo` on its embedded demo clinic, with a fresh data dir."""
    with running_demo_app([str(BIN_DIR / "iop-companion")], tmp_path / "data",
                          app_env) as running:
        yield running


@contextmanager
def running_separate_clinic(tmp_path: Path, *, give_app_the_clinic: bool
                            ) -> Iterator[RunningApp]:
    """`iop-clinic demo` then `iop-clinic serve` (a process a test may stop), and the app:
    told the clinic's address with --clinic-url, or told nothing (it asks for a link)."""
    clinic_port, app_port = free_port(), free_port()
    clinic_url = f"http://127.0.0.1:{clinic_port}"
    database_url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    demo = subprocess.run([str(BIN_DIR / "iop-clinic"), "demo", "--database-url", database_url,
                           "--clinic-url", clinic_url],
                          check=False,
                          capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    code = re.search(r"Enrolment code for \w+: ([A-Z0-9]{4}-[A-Z0-9]{4})", demo.stdout)
    link = re.search(r"Enrolment link for \w+: (\S+)", demo.stdout)
    invite = re.search(r"Family invite code for \w+: ([A-Z0-9]{4}-[A-Z0-9]{4})", demo.stdout)
    invite_link = re.search(r"Family invite link for \w+: (\S+)", demo.stdout)
    sign_in = re.search(SIGN_IN_LINE, demo.stdout)
    assert code and link and invite and invite_link and sign_in, demo.stdout
    clinician = remember_demo_clinician(clinic_url, sign_in)
    clinic = start([str(BIN_DIR / "iop-clinic"), "serve", "--database-url", database_url,
                    "--port", str(clinic_port)])
    app: RunningProcess | None = None
    try:
        wait_for_http(f"{clinic_url}/api/v1/health")
        clinic_option = ["--clinic-url", clinic_url] if give_app_the_clinic else []
        app = start([str(BIN_DIR / "iop-companion"), "--web", "--port", str(app_port),
                     "--data-dir", str(tmp_path / "data"), *clinic_option])
        app.wait_for_line(r"IOP Companion is ready")
        url = f"http://127.0.0.1:{app_port}/"
        wait_for_http(url)
        running = RunningApp(url=url, enrolment_code=code.group(1), app=app, clinic=clinic,
                             clinic_url=clinic_url, clinic_database_url=database_url,
                             clinician=clinician, enrolment_link=link.group(1),
                             family_invite_code=invite.group(1),
                             family_invite_link=invite_link.group(1),
                             clinic_demo_output=demo.stdout)
        yield running
        clinic = running.clinic or clinic  # the test may have restarted it
    finally:
        close_browser_pages()
        if app is not None:
            app.stop()
        clinic.stop()


@pytest.fixture
def app_with_separate_clinic(tmp_path: Path) -> Iterator[RunningApp]:
    """The app against an `iop-clinic serve` process that a test may stop."""
    with running_separate_clinic(tmp_path, give_app_the_clinic=True) as running:
        yield running


@pytest.fixture
def app_without_clinic(tmp_path: Path) -> Iterator[RunningApp]:
    """The app started with no clinic (no --clinic-url, no --demo), and a clinic server
    started separately whose enrolment link the person pastes in."""
    with running_separate_clinic(tmp_path, give_app_the_clinic=False) as running:
        yield running


@pytest.fixture(scope="session", autouse=False)
def screenshots() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if SCREENSHOT_DIR.exists() and any(SCREENSHOT_DIR.iterdir()):
        terminalreporter.write_line(f"Screenshots of the app's screens: {SCREENSHOT_DIR}")



@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """On a failed browser test, keep a screenshot and the app's output for diagnosis."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if page is not None:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(SCREENSHOT_DIR / f"FAILED-{item.name}.png"), timeout=10_000)
            page.wait_for_function("() => true", timeout=5_000)
            responsive = "yes"
        except Exception as error:  # noqa: BLE001 - the page may be gone; the report matters more
            responsive = f"no ({type(error).__name__})"
        # Tells a wedged browser renderer apart from an app that did not move on.
        report.sections.append(("browser", f"page responsive: {responsive}"))
    for fixture in ("demo_app", "app_with_separate_clinic", "app_without_clinic"):
        running = item.funcargs.get(fixture) if hasattr(item, "funcargs") else None
        if running is not None:
            report.sections.append(("app output", "\n".join(running.app.lines[-60:])))
