"""`iop-companion`: the participant and family app.

Which clinic it talks to: `--clinic-url`; or, with `--demo`, a demo clinic it starts
on this computer (a real clinic server on a temporary SQLite database, seeded with a
demo program, removed when the app stops); or a clinic built into a phone build
(`assets/clinic.json`). With none of these it starts no clinic: onboarding asks for
the clinic's enrolment link (or its address and the code), and the address is kept
in the encrypted store for later starts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence

import flet as ft

from iop_companion.bootstrap import AppFactory
from iop_companion.paths import AppPaths, app_paths
from iop_companion.sync.protocol.enrolment_link import (
    BadEnrolmentLink,
    enrolment_link,
    invite_link,
    normalise_clinic_url,
)
from iop_companion.ui.shell import Shell
from iop_companion.ui.theme import dark_theme, light_theme


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="iop-companion",
        description="IOP Companion: your program schedule, skills and check-ins.",
    )
    parser.add_argument("--web", action="store_true",
                        help="serve the app for a web browser and print the address to open")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (web view)")
    parser.add_argument("--port", type=int, default=8550, help="port to serve on (web view)")
    parser.add_argument("--data-dir",
                        help="where the app keeps its data (with --demo: a temporary folder "
                             "removed at exit, unless this is given)")
    clinic = parser.add_mutually_exclusive_group()
    clinic.add_argument("--clinic-url",
                        help="your clinic's server (https://...); without it the app asks for "
                             "your clinic's enrolment link")
    clinic.add_argument("--demo", action="store_true",
                        help="try the app on a demo clinic run on this computer, with made-up "
                             "data; everything is deleted when the app stops")
    return parser.parse_args(argv)


def make_flet_main(factory: AppFactory):
    async def flet_main(page: ft.Page) -> None:
        # On a phone, the secure-storage key joins the vault before the lock screen can
        # ask for a PIN (nothing on the web build or the desktop).
        await factory.attach_platform_key(page)
        services = factory.new_session()
        page.title = services.t("app.name")
        page.theme = light_theme()
        page.dark_theme = dark_theme()
        page.padding = 0
        page.on_close = lambda _: services.account.lock()
        page.on_disconnect = lambda _: services.account.lock()
        page.render(Shell, services)

    return flet_main


def built_in_clinic_url(paths: AppPaths) -> str | None:
    """The clinic a phone build was made for (`assets/clinic.json`), if any.

    Raises ValueError when the file is there but does not name a usable address: a
    build for one clinic must not quietly become a build for none.
    """
    path = paths.built_in_clinic_file
    if not path.exists():
        return None
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not readable JSON ({error}).") from None
    url = settings.get("clinic_url") if isinstance(settings, dict) else None
    if not isinstance(url, str):
        # ValueError like every other mistake in the file: main() reports them alike.
        raise ValueError(f'{path} must hold {{"clinic_url": "https://..."}}.')  # noqa: TRY004
    try:
        return normalise_clinic_url(url)
    except BadEnrolmentLink as bad:
        raise ValueError(f"{path}: {bad}") from None


def start_demo_clinic(cleanup: contextlib.ExitStack) -> str:
    """Start the demo clinic on a new temporary database (stopped and deleted by
    `cleanup`) and print how to use it; its address."""
    from iop_companion.clinic.demo import print_qr
    from iop_companion.clinic.embedded import start_temporary_demo_clinic

    clinic = start_temporary_demo_clinic()
    cleanup.callback(clinic.stop)
    credentials = clinic.credentials
    link = enrolment_link(clinic.url, credentials.enrolment_code)
    lines = [
        f"Demo clinic running at {clinic.url} ({credentials.clinic_name})",
        (f"Demo clinic database: {clinic.temporary_folder} (temporary: deleted when the "
         "app stops)"),
        (f"Demo clinician sign-in: {credentials.clinician_email} / "
         f"{credentials.clinician_password} (a new password each start)"),
        f"Demo enrolment code: {credentials.enrolment_code} (valid for 15 minutes)",
        f"Demo enrolment link: {link} (the QR code below holds the same link)",
    ]
    print("\n".join(lines), flush=True)
    print_qr(link)
    print(f"Demo family invite code: {credentials.family_invite_code} "
          "(for a family member; single use, 7 days)", flush=True)
    print(f"Demo family invite link: {invite_link(clinic.url, credentials.family_invite_code)}",
          flush=True)
    return clinic.url


def remove_old_demo_clinic(paths: AppPaths) -> None:
    """Earlier versions ran the demo clinic by default, its database in the data folder
    in the clear; nothing uses it now, so it goes."""
    old = paths.old_demo_clinic_dir
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
        print(f"Removed the old built-in demo clinic's database from {old}.", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with contextlib.ExitStack() as cleanup:
        data_dir: str | None = args.data_dir
        if args.demo and not data_dir:
            # The demo clinic is new each run, so the app starts fresh too: app data
            # kept from an earlier run would be enrolled at a clinic that is gone.
            data_dir = cleanup.enter_context(
                tempfile.TemporaryDirectory(prefix="iop-companion-demo-"))
            print(f"Demo app data: {data_dir} (temporary: deleted when the app stops)",
                  flush=True)
        paths = app_paths(data_dir)
        remove_old_demo_clinic(paths)
        try:
            if args.clinic_url:
                clinic_url: str | None = normalise_clinic_url(args.clinic_url)
            elif args.demo:
                clinic_url = start_demo_clinic(cleanup)
            else:
                clinic_url = built_in_clinic_url(paths)
            factory = AppFactory(paths, clinic_url)
        except ValueError as error:
            print(f"iop-companion: {error}", file=sys.stderr)
            return 2
        run(factory, paths, args)
    return 0


def run(factory: AppFactory, paths: AppPaths, args: argparse.Namespace) -> None:
    flet_main = make_flet_main(factory)
    if args.web:
        # Never let Flet open a browser by itself: the person (or a test) opens the URL.
        os.environ["FLET_FORCE_WEB_SERVER"] = "1"
        print(f"IOP Companion is ready: open http://{args.host}:{args.port}/ in your browser",
              flush=True)
        ft.run(flet_main, view=ft.AppView.WEB_BROWSER, host=args.host, port=args.port,
               no_cdn=True, assets_dir=str(paths.assets_dir))
    else:
        ft.run(flet_main, assets_dir=str(paths.assets_dir))


if __name__ == "__main__":
    sys.exit(main())
