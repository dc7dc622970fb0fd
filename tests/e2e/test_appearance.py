"""Language and theme follow the person's choice, everywhere, crisis screen included."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.driver import button, complete_first_run, open_app, reveal, shot, tab, text

PIN = "482913"


def test_spanish_and_dark_theme(page: Page, demo_app: RunningApp, screenshots: Path) -> None:
    open_app(page, demo_app.url)
    complete_first_run(page, PIN, demo_app.enrolment_code)
    button(page, "Settings").click()
    reveal(page, button(page, "Dark")).click()
    reveal(page, button(page, "Español")).click()
    expect(text(page, "Configuración")).to_be_visible()
    button(page, "Atrás").click()
    expect(tab(page, "Hoy")).to_be_visible()
    expect(tab(page, "Horario")).to_be_visible()
    shot(page, screenshots, "26-today-spanish-dark")
    button(page, "Pedir ayuda ahora").click()
    expect(button(page, "Llamar al 988")).to_be_visible()
    shot(page, screenshots, "27-help-spanish-dark")
