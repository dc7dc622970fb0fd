"""Journal: everything the participant has logged, by day, newest first.

Check-ins show what they hold (mood, craving, sleep, triggers, warning signs, skills
used, the note), questionnaires their results, and the coping logs (diary cards,
thought records, urge logs) a short summary, and free-text notes their title and
words; each log and note opens for editing and deletes with "Undo". Filter by kind;
search the notes. "New entry" offers the three logs, a note and a check-in; "Export my
journal" saves a readable copy of the days the person chooses (ui/journal/export.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import flet as ft

from iop_companion.domain.coping_logs import DIARY_URGES
from iop_companion.domain.lapse import LAPSE_REVIEW_FIELDS
from iop_companion.domain.measures import MeasureId
from iop_companion.services.container import AppServices
from iop_companion.services.coping_logs import (
    DIARY_CARD,
    THOUGHT_RECORD,
    URGE_LOG,
    delete_log,
    diary_setup,
)
from iop_companion.services.errors import SaveFailed
from iop_companion.services.journal_notes import delete_note
from iop_companion.services.measures import SELF_REPORT_MEASURES
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services
from iop_companion.ui.formatting import day_inline, day_label, moment_label, sentence_start
from iop_companion.ui.journal.entries import (
    CHECK_IN,
    EDITABLE,
    FILTERS,
    LAPSE_REVIEW,
    MEASURE,
    NOTE,
    Entry,
    by_day,
    journal_entries,
    matches,
)
from iop_companion.ui.logs.common import (
    offer_undo,
    open_log,
    pending_undo,
    skill_name,
    trap_name,
    undo_last_delete,
)
from iop_companion.ui.logs.note import (
    forget_note_undo,
    offer_note_undo,
    open_note,
    pending_note_undo,
    undo_last_note_delete,
)

SCORE_MAX = {MeasureId.PHQ9.value: 27, MeasureId.GAD7.value: 21}
SHOWN_MOST = 150  # entries drawn at once; a search reaches older ones
NOTE_SHOWN_MOST = 400  # characters of a note shown in the list; "Open" shows it all


def _scale(t: Callable[..., str], value: object) -> str:
    """A 0-10 answer as "6/10"; a scale left unanswered says so (never a made-up 0)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return t("journal.scale_answer", value=value)
    return t("journal.not_answered")


def _listed(t: Callable[..., str], key: str, items: Any) -> list[ft.Control]:
    items = [str(item) for item in items or [] if str(item).strip()]
    return [kit.body(t(key, items=", ".join(items)), muted=True)] if items else []


def check_in_lines(t: Callable[..., str], entry: Mapping[str, Any]) -> list[ft.Control]:
    sleep = entry.get("sleep_hours")
    quality = entry.get("sleep_quality")
    lines: list[ft.Control] = [kit.body(t(
        "journal.checkin_summary", mood=_scale(t, entry.get("mood")),
        craving=_scale(t, entry.get("craving")),
        sleep=f"{sleep:g}" if isinstance(sleep, (int, float)) else "–",
        quality=t(f"checkin.sleep.{quality}") if quality else t("journal.not_answered")))]
    if entry.get("used_since_last"):
        lines.append(kit.body(t("journal.used", substance=entry.get("substance") or
                                t("journal.used_unspecified")), muted=True))
    lines += _listed(t, "coping.journal.triggers", entry.get("triggers"))
    lines += _listed(t, "coping.journal.warning_signs", entry.get("warning_signs"))
    lines += _listed(t, "coping.journal.skills_used", entry.get("skills_used"))
    if entry.get("note"):
        lines.append(kit.body(entry["note"], muted=True))
    return lines


def measure_lines(t: Callable[..., str], result: Mapping[str, Any]) -> tuple[str, list[ft.Control]]:
    measure = str(result.get("measure"))
    spec = next((s for m, s in SELF_REPORT_MEASURES.items() if m.value == measure), None)
    title = t(spec.title_key) if spec is not None else measure
    if measure == MeasureId.BAM.value:
        return title, [kit.body(t("coping.journal.bam", use=result.get("use"),
                                  risk=result.get("risk"),
                                  protective=result.get("protective")), muted=True)]
    return title, [kit.body(t("coping.journal.score", score=result.get("total"),
                              max=SCORE_MAX.get(measure, "?")), muted=True)]


def _name_or(t: Callable[..., str], key: str, fallback: str) -> str:
    text = t(key)
    return fallback if text == key else text


def diary_lines(t: Callable[..., str], card: Mapping[str, Any],
                target_labels: Mapping[str, str] | None = None) -> list[ft.Control]:
    """`target_labels`: the care team's words for the card's targets, by id."""
    urges = card.get("urges") or {}
    parts = []
    for name in DIARY_URGES:
        urge = urges.get(name) or {}
        if urge.get("rating") is not None:
            acted = t("coping.journal.acted") if urge.get("acted_on") else ""
            parts.append(f"{t(f'coping.diary.urge.{name}')} {urge['rating']}/5{acted}")
    targets = [
        f"{(target_labels or {}).get(i) or t('coping.journal.target_unnamed')} "
        f"{a['rating']}/5{t('coping.journal.acted') if a.get('acted_on') else ''}"
        for i, a in (card.get("targets") or {}).items()
        if isinstance(a, Mapping) and a.get("rating") is not None]
    # Every emotion the card rated: the clinic may choose others than the default set.
    emotions = [f"{_name_or(t, f'coping.emotion.{e}', str(e).replace('_', ' '))} {v}/5"
                for e, v in (card.get("emotions") or {}).items()]
    skills = [f"{skill_name(t, s)} {v}/7" for s, v in (card.get("skills") or {}).items()]
    lines: list[ft.Control] = []
    if parts:
        lines.append(kit.body(" · ".join(parts)))
    if targets:
        lines.append(kit.body(t("coping.journal.targets", items=" · ".join(targets))))
    if emotions:
        lines.append(kit.body(" · ".join(emotions), muted=True))
    if skills:
        lines.append(kit.body(t("coping.journal.skills", items=", ".join(skills)), muted=True))
    if card.get("medications_taken"):
        lines.append(kit.body(t("coping.journal.medications", answer=t(
            f"coping.medications.{card['medications_taken']}")), muted=True))
    if card.get("note"):
        lines.append(kit.body(card["note"], muted=True))
    return lines or [kit.body(t("coping.journal.nothing_rated"), muted=True)]


def thought_lines(t: Callable[..., str], record: Mapping[str, Any]) -> list[ft.Control]:
    emotions = ", ".join(f"{e['name']} {e['intensity']}%" for e in record.get("emotions") or [])
    after = ", ".join(f"{e['name']} {e['intensity']}%" for e in record.get("emotions_after") or [])
    lines = [kit.body(record.get("situation", "")),
             kit.body(t("coping.journal.thought", thought=record.get("automatic_thought", "")),
                      muted=True)]
    if emotions:
        lines.append(kit.body(t("coping.journal.emotions", items=emotions), muted=True))
    if record.get("thinking_traps"):
        lines.append(kit.body(t("coping.journal.traps", items=", ".join(
            trap_name(t, trap) for trap in record["thinking_traps"])), muted=True))
    if record.get("balanced_thought"):
        lines.append(kit.body(t("coping.journal.balanced", thought=record["balanced_thought"]),
                              muted=True))
    if after:
        lines.append(kit.body(t("coping.journal.after", items=after), muted=True))
    return lines


def urge_lines(t: Callable[..., str], log: Mapping[str, Any]) -> list[ft.Control]:
    trigger = log.get("trigger") or {}
    summary = t("coping.journal.urge", intensity=log.get("intensity"))
    if log.get("intensity_after") is not None:
        summary += " " + t("coping.journal.urge_after", after=log["intensity_after"])
    lines = [kit.body(summary)]
    if trigger.get("category") or trigger.get("detail"):
        category = t(f"coping.trigger.{trigger['category']}") if trigger.get("category") else ""
        detail = trigger.get("detail") or ""
        lines.append(kit.body(t("coping.journal.trigger", trigger=" – ".join(
            part for part in (category, detail) if part)), muted=True))
    if log.get("skills_used"):
        lines.append(kit.body(t("coping.journal.skills", items=", ".join(
            skill_name(t, s) for s in log["skills_used"])), muted=True))
    if log.get("what_i_did"):
        lines.append(kit.body(log["what_i_did"], muted=True))
    lines.append(kit.body(t("coping.journal.used_yes" if log.get("used")
                            else "coping.journal.used_no"), muted=True))
    return lines


def note_lines(t: Callable[..., str], note: Mapping[str, Any]) -> list[ft.Control]:
    lines: list[ft.Control] = []
    if note.get("title"):
        lines.append(ft.Text(note["title"], size=15, weight=ft.FontWeight.W_600))
    text = str(note.get("text", ""))
    if len(text) > NOTE_SHOWN_MOST:
        text = t("journal_note.cut", text=text[:NOTE_SHOWN_MOST].rstrip())
    lines.append(kit.body(text, muted=True))
    return lines


def _named(button: ft.Control, spoken: str) -> ft.Control:
    """A button whose screen-reader name says which entry it is for."""
    return ft.Semantics(label=spoken, button=True, container=True, exclude_semantics=True,
                        content=button)


def entry_card(services: AppServices, navigator: Navigator, entry: Entry,
               on_delete: Callable[[Entry], None], *,
               target_labels: Mapping[str, str] | None = None) -> ft.Control:
    t = services.t
    zone = services.zone()
    when = moment_label(services.translator, entry.when, zone, services.clock())
    title_key = f"coping.journal.kind.{entry.kind}"
    body: list[ft.Control]
    if entry.kind == CHECK_IN:
        title, body = t(title_key, when=when), check_in_lines(t, entry.record)
    elif entry.kind == MEASURE:
        name, body = measure_lines(t, entry.record)
        title = t(title_key, title=name, when=when)
    elif entry.kind == LAPSE_REVIEW:
        title = t(title_key, when=when)
        body = [kit.body(f"{t(f'lapse.field.{name}')}: {entry.record[name]}", muted=True)
                for name in LAPSE_REVIEW_FIELDS if entry.record.get(name)]
    elif entry.kind == DIARY_CARD:
        title = t(title_key, day=day_inline(services.translator, entry.day,
                                            services.clock().astimezone(zone).date()))
        body = diary_lines(t, entry.record, target_labels)
    elif entry.kind == THOUGHT_RECORD:
        title, body = t(title_key, when=when), thought_lines(t, entry.record)
    elif entry.kind == NOTE:
        title, body = t(title_key, when=when), note_lines(t, entry.record)
    else:
        title, body = t(title_key, when=when), urge_lines(t, entry.record)
    controls = [kit.subheading(title), *body]
    if entry.kind in EDITABLE:
        which = entry.record["day"] if entry.kind == DIARY_CARD else entry.record_id

        def open_entry() -> None:
            if entry.kind == NOTE:
                open_note(services, navigator, entry.record_id)
            else:
                open_log(services, navigator, entry.kind, which)

        controls.append(ft.Row([
            _named(kit.secondary_button(t("coping.journal.open"), open_entry,
                                        ft.Icons.EDIT_OUTLINED),
                   t("coping.journal.open_named", entry=title)),
            _named(kit.text_button(t("coping.delete"), lambda: on_delete(entry),
                                   ft.Icons.DELETE_OUTLINE),
                   t("coping.journal.delete_named", entry=title)),
        ], wrap=True))
    return kit.card(*controls)


def new_entry_card(services: AppServices, navigator: Navigator) -> ft.Control:
    t = services.t
    return kit.card(
        kit.subheading(t("coping.journal.new")),
        kit.body(t("coping.journal.new.body"), muted=True),
        ft.Row([
            kit.secondary_button(t("coping.new.diary_card"), lambda: open_log(
                services, navigator, DIARY_CARD), ft.Icons.TABLE_CHART_OUTLINED),
            kit.secondary_button(t("coping.new.urge_log"), lambda: open_log(
                services, navigator, URGE_LOG), ft.Icons.WAVES),
            kit.secondary_button(t("coping.new.thought_record"), lambda: open_log(
                services, navigator, THOUGHT_RECORD), ft.Icons.PSYCHOLOGY_OUTLINED),
            kit.secondary_button(t("coping.new.journal_note"), lambda: open_note(
                services, navigator), ft.Icons.EDIT_NOTE),
            kit.secondary_button(t("today.checkin.start"), lambda: navigator.open("check_in"),
                                 ft.Icons.CHECK_CIRCLE_OUTLINE),
        ], wrap=True, spacing=8, run_spacing=8),
    )


@ft.component
def JournalScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    assert store is not None
    zone = services.zone()
    now = services.clock()
    today = now.astimezone(zone).date()
    kind, set_kind = ft.use_state("all")
    query, set_query = ft.use_state("")
    search = kit.use_text("")
    message, set_message = ft.use_state(None)

    def delete(entry: Entry) -> None:
        try:
            if entry.kind == NOTE:
                deleted_note = delete_note(store, entry.record_id)
            else:
                deleted = delete_log(store, entry.kind, entry.record_id, services.clock())
        except SaveFailed as error:
            set_message(t("coping.error.save_failed", reason=str(error)))
            return
        set_message(None)
        if entry.kind == NOTE:
            offer_note_undo(services, navigator, deleted_note)
        else:
            forget_note_undo(services)  # only the newest deletion is offered back
            offer_undo(services, navigator, deleted)

    def undo() -> None:
        if pending_note_undo(services) is not None:
            undo_last_note_delete(services, navigator)
        else:
            undo_last_delete(services, navigator)

    def run_search() -> None:
        set_query((search.current or "").strip())

    def clear_search() -> None:
        search.current = ""
        set_query("")

    entries = journal_entries(store, zone)
    labels = diary_setup(store).labels  # the care team's words for diary-card targets
    shown = [entry for entry in entries if matches(entry, kind, query)]
    controls: list[ft.Control] = [
        kit.heading(t("journal.title")),
        kit.body(t("coping.journal.intro"), muted=True),
    ]
    controls += [kit.message(message), new_entry_card(services, navigator)]
    if entries:
        controls.append(ft.Row([
            kit.secondary_button(t("coping.patterns.open"), lambda: navigator.open("patterns"),
                                 ft.Icons.INSIGHTS_OUTLINED),
            kit.secondary_button(t("journal_export.open"),
                                 lambda: navigator.open("journal_export"), ft.Icons.DOWNLOAD),
        ], wrap=True, spacing=8, run_spacing=8))
    if entries:
        controls += [
            kit.choice_chips(t("coping.journal.filter"),
                             [(f, t(f"coping.journal.filter.{f}")) for f in FILTERS], kind,
                             set_kind, short_name=t("coping.journal.filter.short")),
            ft.Row([
                ft.Container(expand=True, key=f"search-{query == ''}", content=kit.text_field(
                    t("coping.journal.search"), search, max_length=100, on_submit=run_search)),
                kit.icon_action(ft.Icons.SEARCH, t("coping.journal.search.go"), run_search),
            ], vertical_alignment=ft.CrossAxisAlignment.START),
        ]
        if query:
            controls.append(ft.Row([
                kit.body(t("coping.journal.search.showing", query=query, count=len(shown))),
                kit.text_button(t("coping.journal.search.clear"), clear_search, ft.Icons.CLEAR),
            ], wrap=True))
    if pending_undo(services) is not None:
        # A coping log deleted (on its own form) after the last note: only the newest
        # deletion is offered back.
        forget_note_undo(services)
    if pending_undo(services) is not None or pending_note_undo(services) is not None:
        # After the message at the bottom has gone: right above the entries.
        controls.append(kit.card(
            kit.body(t("journal_note.deleted") if pending_note_undo(services) is not None
                     else t("coping.deleted")),
            kit.secondary_button(t("coping.undo"), undo, ft.Icons.UNDO), tone="primary"))
    if not entries:
        controls.append(kit.empty_state(ft.Icons.EDIT_NOTE, t("journal.empty.title"),
                                        t("coping.journal.empty")))
    elif not shown:
        controls.append(kit.body(t("coping.journal.none_found"), muted=True))
    for day, day_entries in by_day(shown[:SHOWN_MOST]):
        controls.append(kit.subheading(sentence_start(day_label(services.translator, day,
                                                                today))))
        controls += [entry_card(services, navigator, entry, delete, target_labels=labels)
                     for entry in day_entries]
    controls += [
        kit.subheading(t("coping.journal.plans")),
        kit.card(kit.body(t("journal.relapse_plan.body")),
                 kit.secondary_button(t("journal.relapse_plan.open"),
                                      lambda: navigator.open("relapse_plan"),
                                      ft.Icons.ROUTE_OUTLINED)),
        kit.card(kit.body(t("journal.aftercare.body")),
                 kit.secondary_button(t("aftercare.open"), lambda: navigator.open("aftercare_plan"),
                                      ft.Icons.ROUTE_OUTLINED)),
        kit.card(kit.body(t("journal.goals.body")),
                 kit.secondary_button(t("journal.goals.open"), lambda: navigator.open("goals"),
                                      ft.Icons.FLAG_OUTLINED)),
    ]
    return kit.screen(*controls)
