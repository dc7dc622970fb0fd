"""`iop-companion`: the participant and family app.

With no `--clinic-url` it starts the embedded demo clinic (a real clinic server on a
SQLite file in the data directory, seeded with a demo program) and connects to it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import flet as ft

from iop_companion.bootstrap import AppFactory
from iop_companion.paths import AppPaths, app_paths
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
    parser.add_argument("--data-dir", help="where the app keeps its data")
    parser.add_argument("--clinic-url",
                        help="your clinic's server; without it a demo clinic runs on this computer")
    return parser.parse_args(argv)


def make_flet_main(factory: AppFactory):
    def flet_main(page: ft.Page) -> None:
        services = factory.new_session()
        page.title = services.t("app.name")
        page.theme = light_theme()
        page.dark_theme = dark_theme()
        page.padding = 0
        page.on_close = lambda _: services.account.lock()
        page.on_disconnect = lambda _: services.account.lock()
        page.render(Shell, services)

    return flet_main


def start_demo_clinic(paths: AppPaths) -> str:
    from iop_companion.clinic.embedded import start_embedded_clinic

    paths.demo_clinic_db.parent.mkdir(parents=True, exist_ok=True)
    clinic = start_embedded_clinic(paths.demo_clinic_db)
    credentials = clinic.credentials
    print(f"Demo clinic running at {clinic.url} ({credentials.clinic_name})", flush=True)
    print(f"Demo enrolment code: {credentials.enrolment_code} (valid for 15 minutes)",
          flush=True)
    print(f"Demo family invite code: {credentials.family_invite_code} "
          "(for a family member; single use, 7 days)", flush=True)
    return clinic.url


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    paths = app_paths(args.data_dir)
    clinic_url = args.clinic_url or start_demo_clinic(paths)
    try:
        factory = AppFactory(paths, clinic_url)
    except ValueError as error:
        print(f"iop-companion: {error}", file=sys.stderr)
        return 2
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
