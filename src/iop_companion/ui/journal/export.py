"""Export my journal: the entries of the days the person chooses as a readable page.

The last 7, 30 or 90 days with one tap (7 by default), or any first and last day picked
on a calendar. The screen says how many entries those days hold, what the page is (it
carries the 42 CFR Part 2 notice) and that it is not locked by the PIN. "Save my
journal" hands the page to the system's save dialog, as Settings > My data does: on the
web the browser downloads it; nothing plain is written in the app's own folder.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import flet as ft

from iop_companion.services.coping_logs import diary_setup
from iop_companion.services.journal_export import (
    DEFAULT_DAYS,
    MAX_DAYS,
    RANGE_CHOICES,
    DayRange,
    export_journal,
    in_range,
    last_days,
    range_problem,
    read_journal,
)
from iop_companion.ui import kit
from iop_companion.ui.context import use_services
from iop_companion.ui.formatting import day_inline, day_label, sentence_start

CUSTOM = "custom"
# How far back the calendar goes: the app keeps years of entries, the picker needs a bound.
EARLIEST = date(2000, 1, 1)


def picked_day(value: object) -> date | None:
    """The day a DatePicker answered with. Flet sends the chosen day as midnight of the
    browser's own zone converted to UTC, so a day east of UTC comes back as the evening
    before: the nearest midnight is the day that was tapped."""
    if isinstance(value, datetime):
        if value.utcoffset() is None or value.utcoffset() == timedelta(0):
            return (value + timedelta(hours=12)).date()
        return value.date()
    if isinstance(value, date):
        return value
    return None


@ft.component
def JournalExportScreen() -> ft.Control:
    services = use_services()
    t = services.t
    page = ft.context.page
    store = services.account.store
    zone = services.zone()
    today = services.clock().astimezone(zone).date()
    choice, set_choice = ft.use_state(str(DEFAULT_DAYS))
    custom, set_custom = ft.use_state(lambda: last_days(today, DEFAULT_DAYS))
    message, set_message = ft.use_state(None)
    saved_name, set_saved_name = ft.use_state(None)

    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))

    chosen = custom if choice == CUSTOM else last_days(today, int(choice))
    entries = read_journal(store, zone)
    problem = range_problem(chosen)
    count = len(in_range(entries, chosen)) if problem is None else 0

    def choose(value: str) -> None:
        set_choice(value)
        set_message(None)
        set_saved_name(None)

    def pick(which: str) -> None:
        current = chosen.first if which == "first" else chosen.last

        def picked(event: ft.Event[ft.DatePicker]) -> None:
            day = picked_day(event.control.value)
            if day is None:
                return
            set_custom(DayRange(day, chosen.last) if which == "first"
                       else DayRange(chosen.first, day))
            set_saved_name(None)

        page.show_dialog(ft.DatePicker(
            value=current, first_date=EARLIEST, last_date=today,
            current_date=today, help_text=t(f"journal_export.pick_{which}"),
            cancel_text=t("common.cancel"), confirm_text=t("journal_export.pick_ok"),
            # Typed dates (the pencil) are read month first, whatever the language.
            error_format_text=t("journal_export.pick_format"),
            error_invalid_text=t("journal_export.pick_out_of_range"),
            on_change=picked))

    async def save() -> None:
        current = services.account.store
        if current is None or range_problem(chosen) is not None:
            return
        exported = export_journal(read_journal(current, zone), chosen, zone,
                                  services.translator, services.clock(),
                                  target_labels=diary_setup(current).labels)
        try:
            result = await ft.FilePicker().save_file(
                dialog_title=t("journal_export.save_title"), file_name=exported.file_name,
                src_bytes=exported.content)
        except Exception:  # noqa: BLE001 - the platform dialog failed; say so plainly
            set_message(t("settings.data.save_failed"))
            return
        if result is not None or page.web:
            set_message(None)
            set_saved_name(exported.file_name)  # said on screen, below the button
        # else: the person closed the dialog without saving; nothing to say.

    def day_text(day: date) -> str:
        return sentence_start(day_label(services.translator, day, today))

    def summary_days() -> dict[str, str]:
        # "From Thursday, November 19 to today": both days sit inside the sentence.
        return {"first": day_inline(services.translator, chosen.first, today),
                "last": day_inline(services.translator, chosen.last, today)}

    options = [(str(days), t(f"journal_export.days.{days}")) for days in RANGE_CHOICES]
    controls: list[ft.Control] = [
        kit.heading(t("journal_export.heading")),
        kit.body(t("journal_export.intro")),
        kit.choice_chips(t("journal_export.which_days"),
                         [*options, (CUSTOM, t("journal_export.days.custom"))], choice,
                         choose, short_name=t("journal_export.which_days")),
    ]
    if choice == CUSTOM:
        controls.append(ft.Row([
            kit.secondary_button(t("journal_export.first", day=day_text(chosen.first)),
                                 lambda: pick("first"), ft.Icons.CALENDAR_MONTH),
            kit.secondary_button(t("journal_export.last", day=day_text(chosen.last)),
                                 lambda: pick("last"), ft.Icons.CALENDAR_MONTH),
        ], wrap=True, spacing=8, run_spacing=8))
    if problem is not None:
        controls.append(kit.message(t(problem, days=MAX_DAYS)))
    else:
        key = {0: "journal_export.summary_none", 1: "journal_export.summary_one"}.get(
            count, "journal_export.summary")
        summary = t(key, count=count, **summary_days())
        controls.append(ft.Semantics(live_region=True, content=kit.body(summary)))
    controls += [
        kit.card(kit.body(t("journal_export.unlocked")), tone="primary"),
        kit.primary_button(t("journal_export.save"), save, ft.Icons.DOWNLOAD,
                           disabled=problem is not None or count == 0),
        kit.message(message),
        kit.message(t("settings.data.saved", name=saved_name) if saved_name else None,
                    error=False),
    ]
    return kit.screen(*controls)
