"""Calm, high-contrast light and dark themes."""

from __future__ import annotations

import flet as ft

SEED = "#2F6F73"  # a quiet teal: calm without being clinical
HELP_LIGHT = "#B3261E"
HELP_DARK = "#F2B8B5"
MIN_TOUCH = 48  # px: the smallest touch target we allow (WCAG 2.5.5 / Material)


def light_theme() -> ft.Theme:
    return ft.Theme(color_scheme_seed=SEED, use_material3=True)


def dark_theme() -> ft.Theme:
    return ft.Theme(color_scheme_seed=SEED, use_material3=True)


THEME_MODES = {
    "system": ft.ThemeMode.SYSTEM,
    "light": ft.ThemeMode.LIGHT,
    "dark": ft.ThemeMode.DARK,
}
