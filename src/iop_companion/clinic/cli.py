"""`iop-clinic`: run the clinic server, seed the demo clinic, or manage staff accounts.

Usage::

    iop-clinic serve [--database-url URL] [--host H] [--port P] [--workers N]
    iop-clinic demo  [--database-url URL]
    iop-clinic backup --to FILE [--database-url URL]   (SQLite; the copy gets a new epoch)
    iop-clinic new-epoch [--database-url URL]          (after restoring a backup made otherwise)
    iop-clinic staff disable|enable EMAIL [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from sqlalchemy import make_url

from iop_companion.clinic.api import API_PREFIX, DATABASE_URL_ENV
from iop_companion.clinic.backup import backup_sqlite, start_new_epoch
from iop_companion.clinic.clinicians import set_staff_disabled
from iop_companion.clinic.db import create_clinic_engine, create_session_factory, migrate_engine
from iop_companion.clinic.demo import seed_demo
from iop_companion.clinic.models import utc_now

DEFAULT_DATABASE_FILE = "iop-clinic.sqlite3"
# uvicorn imports this in every worker process; it reads the URL from DATABASE_URL_ENV.
APP_FACTORY = "iop_companion.clinic.api:create_app_from_env"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    database_url: str = arguments.database_url or _default_database_url()
    if arguments.command == "serve":
        return _serve(database_url, arguments.host, arguments.port, arguments.workers)
    if arguments.command == "backup":
        epoch = backup_sqlite(database_url, Path(arguments.to))
        print(f"Backup written to {arguments.to} (server epoch {epoch[:8]}...)")
        return 0
    if arguments.command == "new-epoch":
        _migrate(database_url)
        epoch = start_new_epoch(database_url)
        print(f"New server epoch {epoch[:8]}...: apps will re-send what this copy lacks.")
        return 0
    if arguments.command == "staff":
        return _staff(database_url, arguments.action, arguments.email)
    return _demo(database_url)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iop-clinic", description="IOP Companion clinic server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the clinic API")
    _add_database_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=_positive_int, default=1, help="worker processes")

    demo = commands.add_parser("demo", help="create the demo clinic and print fresh codes")
    _add_database_option(demo)

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
        "staff", help="disable a staff account (ending its sessions) or enable it again"
    )
    staff.add_argument("action", choices=("disable", "enable"))
    staff.add_argument("email", help="the account's email address")
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


def _serve(database_url: str, host: str, port: int, workers: int) -> int:
    # Migrate once here, before any worker starts, so workers never race to create
    # tables (their own start-up migration then finds nothing to do).
    _migrate(database_url)
    os.environ[DATABASE_URL_ENV] = database_url  # inherited by the worker processes
    shown_host = f"[{host}]" if ":" in host else host
    print(f"IOP clinic server: http://{shown_host}:{port}{API_PREFIX}")
    print(f"Database: {_printable(database_url)}")
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers,
                timeout_keep_alive=KEEP_ALIVE_SECONDS)
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


def _demo(database_url: str) -> int:
    engine = create_clinic_engine(database_url)
    try:
        migrate_engine(engine)
        with create_session_factory(engine).begin() as session:
            credentials = seed_demo(session, utc_now())
    finally:
        engine.dispose()
    print(f"Demo clinic: {credentials.clinic_name} ({_printable(database_url)})")
    print(f"Enrolment code for Alex: {credentials.enrolment_code} (single use, 15 minutes)")
    print(f"Family invite code for Sam: {credentials.family_invite_code} (single use, 7 days)")
    print(f"Clinician sign-in: {credentials.clinician_email} / {credentials.clinician_password}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
