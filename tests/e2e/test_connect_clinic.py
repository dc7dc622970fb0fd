"""Real installs connect to a real clinic.

Without `--demo` or `--clinic-url` the app starts no clinic and writes no clinic file;
onboarding asks for the clinic's enrolment link (what its QR code holds) or its
address and the code, against a clinic server started separately, and the next start
without flags talks to the same clinic. `--demo` makes a new clinic, with a new
clinician password, each run, and leaves nothing behind.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import segno
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    BIN_DIR,
    SIGN_IN_LINE,
    RunningApp,
    RunningProcess,
    free_port,
    start,
    wait_for_http,
)
from tests.e2e.driver import button, field, fill, open_app, reveal, shot, text
from tests.e2e.onboarding_steps import (
    FAMILY_MEMBER,
    connect_by_hand,
    connect_with_link,
    paste,
    set_up_pin,
    wait_for_today,
)
from tests.e2e.test_safety_flow import wait_for_alerts

PIN = "482913"
# What a clinic's database (or its journal files) would be called, or anything named so.
CLINIC_FILE = re.compile(r"(\.sqlite3?|\.db|-wal|-shm|-journal)$|clinic", re.IGNORECASE)


# ------------------------------------------------------------------ helpers


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` listens on (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            local, state, inode = columns[1], columns[3], columns[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


@contextmanager
def a_web_site_that_is_not_a_clinic() -> Iterator[str]:
    """Some other web server (it answers 404 to everything): its address, http://..."""
    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            page = b"<h1>Welcome to our web site</h1>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def clinic_files(data_dir: Path) -> list[Path]:
    return [path for path in data_dir.rglob("*") if CLINIC_FILE.search(path.name)]


def start_app(data_dir: Path, *options: str) -> tuple[RunningProcess, str]:
    port = free_port()
    app = start([str(BIN_DIR / "iop-companion"), "--web", "--port", str(port),
                 "--data-dir", str(data_dir), *options])
    app.wait_for_line(r"IOP Companion is ready")
    url = f"http://127.0.0.1:{port}/"
    wait_for_http(url)
    return app, url


def qr_in_terminal(lines: list[str]) -> list[list[bool]]:
    """The modules of a QR code printed with segno's compact terminal drawing (a light
    module is drawn, a dark one left blank; each character holds two rows)."""
    halves = {"\u2588": (False, False), " ": (True, True),
              "\u2580": (False, True), "\u2584": (True, False)}
    rows: list[list[bool]] = []
    for line in lines:
        upper, lower = zip(*(halves[c] for c in line), strict=True)
        rows += [list(upper), list(lower)]
    return rows


def printed_qr_holds(lines: list[str], after: str, link: str) -> bool:
    """Whether the QR code printed after the line containing `after` encodes `link`."""
    start_at = next(i for i, line in enumerate(lines) if after in line) + 1
    drawn = []
    for line in lines[start_at:]:
        if not line or set(line) - set("\u2588\u2580\u2584 "):
            break
        drawn.append(line)
    expected = [[bool(m) for m in row]
                for row in segno.make(link, error="m").matrix_iter(scale=1, border=4)]
    return qr_in_terminal(drawn)[:len(expected)] == expected


# ------------------------------------------------------------------ without a clinic


def test_without_a_clinic_the_app_starts_none_and_writes_no_clinic_file(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    app, url = start_app(data_dir)
    try:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        # The app's own web server, and nothing else: no clinic server in the process.
        assert listening_ports(app.process.pid) == {port}
        assert not [line for line in app.lines if "clinic" in line.lower()]
    finally:
        app.stop()
    assert not clinic_files(data_dir)
    assert not (data_dir / "demo-clinic").exists()


def test_onboarding_by_link_keeps_the_clinic_for_the_next_start(
        page: Page, app_without_clinic: RunningApp, tmp_path: Path, screenshots: Path) -> None:
    running = app_without_clinic
    assert running.enrolment_link and running.clinic_url
    open_app(page, running.url)
    set_up_pin(page, PIN)
    expect(field(page, "Enrolment link")).to_be_visible()
    expect(field(page, "Enrolment code")).to_have_count(0)
    shot(page, screenshots, "03a-connect-by-link")

    # Bad links say what is wrong, next to the field.
    with a_web_site_that_is_not_a_clinic() as web_site:
        bad_links = [
            ("ABCD-2345", "This looks like a code without its link"),
            (running.enrolment_link.replace("/enrol#", "/join#"), "This is a family invite link"),
            ("https://clinic.example.org/enrol", "This link has no code in it"),
            (running.enrolment_link.replace("127.0.0.1", "clinic.example.org"),
             "must start with https://"),
            ("https://127.0.0.1:9/enrol#code=ABCD-2345", "We couldn't reach that address"),
            (f"{web_site}/enrol#code=ABCD-2345", "it is not an IOP Companion clinic"),
            (f"{running.clinic_url}/enrol#code=ZZZZ-ZZZZ", "That code did not work"),
        ]
        for bad, message in bad_links:
            paste(page, "Enrolment link", bad)
            button(page, "Connect").click()
            expect(text(page, message)).to_be_visible()
    shot(page, screenshots, "03b-connect-bad-link")

    connect_with_link(page, running.enrolment_link)
    wait_for_today(page)
    expect(text(page, "Alex")).to_be_visible()

    # The next start, with no clinic named: the kept address, and the clinic answers.
    running.app.stop()
    app, url = start_app(tmp_path / "data")
    running.app = app  # stopped by the fixture
    open_app(page, url)
    fill(page, "PIN", PIN)
    button(page, "Unlock").click()
    wait_for_today(page)
    button(page, "Get help now").click()
    reveal(page, button(page, "Tell my clinic I need support")).click()
    alerts = wait_for_alerts(running.clinic_url, 1)
    assert [a["trigger"] for a in alerts] == ["participant_request"]
    assert listening_ports(app.process.pid) == {int(url.rsplit(":", 1)[1].strip("/"))}
    assert not clinic_files(tmp_path / "data")


def test_onboarding_with_the_qr_codes_text(page: Page, app_without_clinic: RunningApp) -> None:
    running = app_without_clinic
    assert running.enrolment_link and running.clinic_demo_output
    # What `iop-clinic demo` drew as a QR code is exactly the link it printed: the text
    # a phone's camera reads from it, which the person then pastes.
    payload = running.enrolment_link
    assert printed_qr_holds(running.clinic_demo_output.splitlines(), "Enrolment link for Alex:",
                            payload)
    open_app(page, running.url)
    set_up_pin(page, PIN)
    connect_with_link(page, payload)
    wait_for_today(page)
    expect(text(page, "Alex")).to_be_visible()


def test_onboarding_by_hand_with_the_address_and_code(
        page: Page, app_without_clinic: RunningApp, screenshots: Path) -> None:
    running = app_without_clinic
    assert running.clinic_url
    open_app(page, running.url)
    set_up_pin(page, PIN)
    reveal(page, button(page, "Type the address and code")).click()
    expect(field(page, "Clinic address")).to_be_visible()
    shot(page, screenshots, "03c-connect-by-hand")

    for address, code, message in [
        ("", running.enrolment_code, "Please type your clinic's address"),
        ("clinic.example.org", running.enrolment_code, "A clinic address starts with https://"),
        ("https://127.0.0.1:9", running.enrolment_code, "We couldn't reach that address"),
        (running.clinic_url, "ZZZZ-ZZZZ", "That code did not work"),
    ]:
        fill(page, "Clinic address", address)
        fill(page, "Enrolment code", code)
        button(page, "Connect").click()
        expect(text(page, message)).to_be_visible()
    shot(page, screenshots, "03d-connect-by-hand-refused")

    connect_by_hand(page, running.clinic_url, running.enrolment_code)
    wait_for_today(page)
    expect(text(page, "Alex")).to_be_visible()


def test_a_family_member_joins_with_an_invite_link(
        page: Page, app_without_clinic: RunningApp, screenshots: Path) -> None:
    running = app_without_clinic
    assert running.family_invite_link and running.enrolment_link
    open_app(page, running.url)
    set_up_pin(page, PIN, role=FAMILY_MEMBER)
    fill(page, "Your first name", "Sam")
    paste(page, "Invite link", running.enrolment_link)
    button(page, "Join").click()
    expect(text(page, "This is an enrolment link for the person in the program")).to_be_visible()
    shot(page, screenshots, "20a-family-invite-link")
    paste(page, "Invite link", running.family_invite_link)
    button(page, "Join").click()
    expect(field(page, "Invite link")).to_have_count(0, timeout=60_000)
    expect(text(page, "Alex")).to_be_visible()


def test_a_known_clinic_asks_only_for_the_code_and_takes_its_own_link(
        page: Page, app_with_separate_clinic: RunningApp, screenshots: Path) -> None:
    running = app_with_separate_clinic
    assert running.enrolment_link
    open_app(page, running.url)
    set_up_pin(page, PIN)
    expect(field(page, "Enrolment code")).to_be_visible()
    expect(field(page, "Enrolment link")).to_have_count(0)
    expect(button(page, "Type the address and code")).to_have_count(0)
    shot(page, screenshots, "03e-connect-known-clinic")
    paste(page, "Enrolment code", running.enrolment_link.replace("127.0.0.1", "localhost"))
    button(page, "Connect").click()
    expect(text(page, "This link is for a different clinic")).to_be_visible()
    paste(page, "Enrolment code", running.enrolment_link)
    button(page, "Connect").click()
    wait_for_today(page)


# ------------------------------------------------------------------ --demo


def test_demo_makes_a_new_clinic_and_password_each_run_and_leaves_nothing(
        tmp_path: Path) -> None:
    passwords = []
    for _ in range(2):
        port = free_port()
        # No --data-dir: with --demo the app's data is temporary too.
        app = start([str(BIN_DIR / "iop-companion"), "--web", "--demo", "--port", str(port)])
        try:
            clinic_url = app.wait_for_line(r"Demo clinic running at (http://\S+)").group(1)
            database = Path(app.wait_for_line(r"Demo clinic database: (\S+)").group(1))
            data = Path(app.wait_for_line(r"Demo app data: (\S+)").group(1))
            sign_in = app.wait_for_line(SIGN_IN_LINE)
            link = app.wait_for_line(r"Demo enrolment link: (\S+)").group(1)
            code = app.wait_for_line(r"Demo enrolment code: (\S+)").group(1)
            app.wait_for_line(r"Demo family invite link: \S+/join#code=")
            app.wait_for_line(r"IOP Companion is ready")
            wait_for_http(f"http://127.0.0.1:{port}/")
            assert link == f"{clinic_url}/enrol#code={code}"
            assert printed_qr_holds(app.lines, "Demo enrolment link:", link)
            assert (database / "clinic.sqlite3").exists()
            assert not clinic_files(data)  # the clinic's file is not in the app's folder
            clinic_port = int(clinic_url.rsplit(":", 1)[1])
            assert listening_ports(app.process.pid) == {port, clinic_port}
            email, password = sign_in.group(1), sign_in.group(2)
            signed_in = httpx.post(f"{clinic_url}/api/v1/clinician/sessions", timeout=10,
                                   json={"email": email, "password": password})
            assert signed_in.status_code == 201, signed_in.text
            passwords.append(password)
        finally:
            app.stop()
        assert app.process.returncode == 0, "\n".join(app.lines)
        assert not database.exists(), "the demo clinic's database outlived the app"
        assert not data.exists(), "the demo's app data outlived the app"
    assert passwords[0] != passwords[1]


def test_the_clinic_address_must_be_https(tmp_path: Path) -> None:
    refused = subprocess.run(
        [str(BIN_DIR / "iop-companion"), "--web", "--port", str(free_port()), "--data-dir",
         str(tmp_path / "data"), "--clinic-url", "http://clinic.example.org"],
        capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 2
    assert "must start with https://" in refused.stderr
