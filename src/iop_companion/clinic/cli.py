"""`iop-clinic`: run the clinic server, seed the demo clinic, or manage staff accounts.

Usage::

    iop-clinic serve [--database-url URL] [--host H] [--port P] [--workers N]
                     [--forwarded-allow-ips IPS]   (trusted reverse proxies)
                     [--public-url URL]            (the address apps use, for links)
    iop-clinic demo  [--database-url URL] [--clinic-url URL]
    iop-clinic backup --to FILE [--database-url URL]   (SQLite; the copy gets a new epoch)
    iop-clinic new-epoch [--database-url URL]          (after restoring a backup made otherwise)
    iop-clinic staff disable|enable|reset-password EMAIL [--database-url URL]
    iop-clinic staff add EMAIL --name NAME [--role clinician|administrator]
                     [--clinic NAME] [--database-url URL]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from sqlalchemy import make_url, select
from sqlalchemy.orm import Session

from iop_companion.clinic.api import API_PREFIX, DATABASE_URL_ENV
from iop_companion.clinic.backup import backup_sqlite, start_new_epoch
from iop_companion.clinic.clinicians import set_staff_disabled
from iop_companion.clinic.db import create_clinic_engine, create_session_factory, migrate_engine
from iop_companion.clinic.demo import print_qr, seed_demo
from iop_companion.clinic.enrolment_links import PUBLIC_URL_ENV
from iop_companion.clinic.models import Clinic, Staff, StaffRole, utc_now
from iop_companion.clinic.staff_admin import EmailTaken, add_staff, reset_password
from iop_companion.sync.protocol.enrolment_link import (
    BadEnrolmentLink,
    enrolment_link,
    invite_link,
    normalise_clinic_url,
)

DEFAULT_DATABASE_FILE = "iop-clinic.sqlite3"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# uvicorn imports this in every worker process; it reads the URL from DATABASE_URL_ENV.
APP_FACTORY = "iop_companion.clinic.api:create_app_from_env"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    database_url: str = arguments.database_url or _default_database_url()
    if arguments.command == "serve":
        return _serve(database_url, arguments.host, arguments.port, arguments.workers,
                      arguments.forwarded_allow_ips, arguments.public_url)
    if arguments.command == "backup":
        epoch = backup_sqlite(database_url, Path(arguments.to))
        print(f"Backup written to {arguments.to} (server epoch {epoch[:8]}...)")
        return 0
    if arguments.command == "new-epoch":
        _migrate(database_url)
        epoch = start_new_epoch(database_url)
        print(f"New server epoch {epoch[:8]}...: apps will re-send what this copy lacks.")
        return 0
    if arguments.command == "staff" and arguments.action == "add":
        return _add_staff(database_url, arguments.email, arguments.name, arguments.role,
                          arguments.clinic)
    if arguments.command == "staff" and arguments.action == "reset-password":
        return _reset_password(database_url, arguments.email)
    if arguments.command == "staff":
        return _staff(database_url, arguments.action, arguments.email)
    return _demo(database_url, arguments.clinic_url)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iop-clinic", description="IOP Companion clinic server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the clinic API")
    _add_database_option(serve)
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--workers", type=_positive_int, default=1, help="worker processes")
    serve.add_argument(
        "--forwarded-allow-ips", type=_proxy_addresses, default="", metavar="IPS",
        help="comma-separated addresses or networks of your reverse proxies: only from "
             "these is X-Forwarded-For believed, so throttles see each client's own "
             "address (default: none, the connecting address counts)")
    serve.add_argument(
        "--public-url", type=_clinic_url, default=os.environ.get(PUBLIC_URL_ENV) or None,
        metavar="URL",
        help="the HTTPS address the apps reach this clinic at, put in enrolment links and "
             f"QR codes (default: ${PUBLIC_URL_ENV}, else the address each request came to)")

    demo = commands.add_parser(
        "demo", help="create the demo clinic and print fresh codes, their links and a new "
                     "clinician password")
    _add_database_option(demo)
    demo.add_argument(
        "--clinic-url", type=_clinic_url, default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}",
        help="the address the apps reach this clinic at, for the printed links "
             f"(default: http://{DEFAULT_HOST}:{DEFAULT_PORT}, what `serve` uses)")

    backup = commands.add_parser(
        "backup", help="copy a SQLite clinic database; restoring the copy is noticed by apps"
    )
    _add_database_option(backup)
    backup.add_argument("--to", required=True, help="the new backup file")

    restored = commands.add_parser(
        "new-epoch", help="after restoring a backup: make apps re-send what it lacks"
    )
    _add_database_option(restored)

    staff = commands.add_parser(
        "staff", help="add a staff account (printing a one-time password), disable one "
                      "(ending its sessions), enable it again, or reset its password")
    staff.add_argument("action", choices=("add", "disable", "enable", "reset-password"))
    staff.add_argument("email", help="the account's email address")
    staff.add_argument("--name", help="add: the person's name as colleagues see it")
    staff.add_argument("--role", choices=[role.value for role in StaffRole],
                       default=StaffRole.CLINICIAN.value,
                       help="add: clinician (default) or administrator (also manages staff)")
    staff.add_argument("--clinic", help="add: the clinic's name (needed when the database "
                                        "holds more than one clinic)")
    _add_database_option(staff)
    return parser


def _add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_URL_ENV),
        help=f"SQLAlchemy URL (default: ${DATABASE_URL_ENV}, else ./{DEFAULT_DATABASE_FILE})",
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _proxy_addresses(text: str) -> str:
    """Addresses or networks, comma-separated; "*" (everyone) is refused, since any
    client could then choose the address the throttles count it under."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{item!r} is not an IP address or network (like 10.0.0.5 or 10.0.0.0/24)"
            ) from None
    return ",".join(items)


def _clinic_url(text: str) -> str:
    try:
        return normalise_clinic_url(text)
    except BadEnrolmentLink as bad:
        raise argparse.ArgumentTypeError(str(bad)) from None


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


def _printable(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def _migrate(database_url: str) -> None:
    engine = create_clinic_engine(database_url)
    try:
        migrate_engine(engine)
    finally:
        engine.dispose()


# An idle kept-alive connection is closed after this; a body that is slow to arrive
# is cut off by the app itself (clinic/limits.py, BODY_DEADLINE_SECONDS).
KEEP_ALIVE_SECONDS = 5
# With --workers, uvicorn restarts a worker that has not answered its supervisor within
# this time. Its default (5 s) is shorter than a worker's start (imports, the database)
# on a busy machine, where the server then restarted workers for ever and never served.
WORKER_HEALTHCHECK_SECONDS = 60


def _serve(database_url: str, host: str, port: int, workers: int,
           forwarded_allow_ips: str = "", public_url: str | None = None) -> int:
    # Migrate once here, before any worker starts, so workers never race to create
    # tables (their own start-up migration then finds nothing to do).
    _migrate(database_url)
    os.environ[DATABASE_URL_ENV] = database_url  # inherited by the worker processes
    if public_url:
        os.environ[PUBLIC_URL_ENV] = public_url
        print(f"Enrolment links use: {public_url}")
    shown_host = f"[{host}]" if ":" in host else host
    print(f"IOP clinic server: http://{shown_host}:{port}{API_PREFIX}")
    print(f"Database: {_printable(database_url)}")
    if forwarded_allow_ips:
        print(f"Client addresses from X-Forwarded-For, set by: {forwarded_allow_ips}")
    # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; here only the
    # proxies named (none by default) are believed, so a client cannot pick its address.
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers,
                timeout_keep_alive=KEEP_ALIVE_SECONDS,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                proxy_headers=bool(forwarded_allow_ips),
                forwarded_allow_ips=forwarded_allow_ips)
    return 0


def _staff(database_url: str, action: str, email: str) -> int:
    engine = create_clinic_engine(database_url)
    try:
        migrate_engine(engine)
        with create_session_factory(engine).begin() as session:
            staff = set_staff_disabled(session, email, action == "disable", utc_now())
    finally:
        engine.dispose()
    if staff is None:
        print(f"No staff account has the email {email!r}.", file=sys.stderr)
        return 1
    if action == "disable":
        print(f"Disabled {staff.email}: its sessions have ended and it cannot sign in.")
    else:
        print(f"Enabled {staff.email}: it can sign in again (any lock-out is cleared).")
    return 0


def _in_session(database_url: str) -> Session:
    engine = create_clinic_engine(database_url)
    migrate_engine(engine)
    return create_session_factory(engine)()


def _add_staff(database_url: str, email: str, name: str | None, role: str,
               clinic_name: str | None) -> int:
    if not name or not name.strip():
        print("Give the person's name with --name.", file=sys.stderr)
        return 2
    with _in_session(database_url) as session:
        query = select(Clinic)
        if clinic_name:
            query = query.where(Clinic.name == clinic_name)
        clinics = list(session.scalars(query))
        if len(clinics) != 1:
            names = ", ".join(sorted(c.name for c in session.scalars(select(Clinic))))
            print(f"Name the clinic with --clinic (clinics here: {names or 'none'}).",
                  file=sys.stderr)
            return 1
        try:
            staff, password = add_staff(session, clinics[0].id, email=email,
                                        display_name=name.strip(), role=StaffRole(role),
                                        by=None, now=utc_now())
        except EmailTaken:
            print(f"A staff account with the email {email!r} already exists.", file=sys.stderr)
            return 1
        session.commit()
        print(f"Added {staff.email} ({role}) at {clinics[0].name}.")
        print(f"One-time password: {password} (shown once; a new one must be chosen at "
              "the first sign-in)")
    return 0


def _reset_password(database_url: str, email: str) -> int:
    with _in_session(database_url) as session:
        staff = session.scalar(select(Staff).where(Staff.email == email.strip().lower()))
        if staff is None:
            print(f"No staff account has the email {email!r}.", file=sys.stderr)
            return 1
        password, ended = reset_password(session, staff, by=None, now=utc_now())
        session.commit()
        print(f"Reset {staff.email}: {ended} session(s) ended.")
        print(f"One-time password: {password} (shown once; a new one must be chosen at "
              "the first sign-in)")
    return 0


def _demo(database_url: str, clinic_url: str) -> int:
    engine = create_clinic_engine(database_url)
    try:
        migrate_engine(engine)
        with create_session_factory(engine).begin() as session:
            credentials = seed_demo(session, utc_now())
    finally:
        engine.dispose()
    print(f"Demo clinic: {credentials.clinic_name} ({_printable(database_url)})")
    link = enrolment_link(clinic_url, credentials.enrolment_code)
    print(f"Enrolment code for Alex: {credentials.enrolment_code} (single use, 15 minutes)")
    print(f"Enrolment link for Alex: {link} (the QR code below holds the same link)")
    print_qr(link)
    print(f"Family invite code for Sam: {credentials.family_invite_code} (single use, 7 days)")
    print("Family invite link for Sam: "
          f"{invite_link(clinic_url, credentials.family_invite_code)}")
    print(f"Clinician sign-in: {credentials.clinician_email} / {credentials.clinician_password}"
          " (a new password each time this runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
