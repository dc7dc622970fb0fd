"""The floor for start-up: a hello-world Flet app served exactly like ours."""

import os
import sys

import flet as ft


def main(page: ft.Page) -> None:
    page.add(ft.Text("Hello, world"))


if __name__ == "__main__":
    os.environ["FLET_FORCE_WEB_SERVER"] = "1"
    print("ready", flush=True)
    ft.run(main, view=ft.AppView.WEB_BROWSER, host="127.0.0.1", port=int(sys.argv[1]), no_cdn=True)
