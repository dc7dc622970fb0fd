"""The CBT thought record: the situation, the automatic thought, emotions with their
intensity (0-100), evidence for and against, thinking traps (chips, each with its plain
explanation), a balanced thought, and the emotions rated again.

Only the situation, the thought and one emotion are needed to save; the rest can come
later (an edit is a new version). Each change is kept as a draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import flet as ft

from iop_companion.domain.coping_logs import (
    EMOTION_NAME_MAX,
    EVIDENCE_MAX,
    SHORT_TEXT_MAX,
    THINKING_TRAP_IDS,
    THOUGHT_EMOTIONS_MAX,
    moment,
)
from iop_companion.services.coping_logs import (
    THOUGHT_RECORD,
    LogNotValid,
    delete_log,
    save_thought_record,
)
from iop_companion.services.errors import SaveFailed
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import moment_label
from iop_companion.ui.logs.common import (
    LogDraft,
    editing,
    form_buttons,
    kept_draft,
    live_text_field,
    number_picker,
    offer_undo,
    problem_text,
    restored_notice,
    toggle_chip,
    trap_explanation,
    trap_name,
)
from iop_companion.ui.logs.diary_card import saved_content

TEXTS = ("situation", "automatic_thought", "evidence_for", "evidence_against",
         "balanced_thought")
PERCENTS = list(range(0, 101, 10))


def empty_record(now: datetime) -> dict[str, Any]:
    return {"occurred_at": now.isoformat(), "situation": "", "automatic_thought": "",
            "emotions": [{"name": "", "intensity": None}], "evidence_for": "",
            "evidence_against": "", "thinking_traps": [], "balanced_thought": "",
            "emotions_after": []}


def _percent(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= 100 else None


def record_from_draft(content: Any, now: datetime) -> dict[str, Any] | None:
    """A kept draft read back as form values (what is valid; never guessed)."""
    if not isinstance(content, Mapping):
        return None
    record = empty_record(now)
    if moment(content.get("occurred_at")) is not None:
        record["occurred_at"] = str(content["occurred_at"])
    for name in TEXTS:
        if isinstance(content.get(name), str):
            record[name] = content[name]
    emotions = content.get("emotions")
    if isinstance(emotions, list):
        rows = [{"name": item["name"] if isinstance(item.get("name"), str) else "",
                 "intensity": _percent(item.get("intensity"))}
                for item in emotions[:THOUGHT_EMOTIONS_MAX] if isinstance(item, Mapping)]
        record["emotions"] = rows or record["emotions"]
    after = content.get("emotions_after")
    if isinstance(after, list):
        record["emotions_after"] = [
            {"name": item["name"], "intensity": _percent(item.get("intensity"))}
            for item in after[:THOUGHT_EMOTIONS_MAX]
            if isinstance(item, Mapping) and isinstance(item.get("name"), str)]
    traps = content.get("thinking_traps")
    if isinstance(traps, list):
        record["thinking_traps"] = list(dict.fromkeys(
            trap for trap in traps if trap in THINKING_TRAP_IDS))
    return record


def to_saved(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values as the log to save: empty emotion rows left out, and the
    re-ratings only of emotions still named and rated."""
    emotions = [{"name": row["name"].strip(), "intensity": row["intensity"]}
                for row in values["emotions"]
                if row["name"].strip() or row["intensity"] is not None]
    named = {row["name"].strip().casefold() for row in emotions}
    after = [{"name": row["name"].strip(), "intensity": row["intensity"]}
             for row in values["emotions_after"]
             if row["intensity"] is not None and row["name"].strip().casefold() in named]
    return {**values, "emotions": emotions, "emotions_after": after}


@ft.component
def ThoughtRecordScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    now = services.clock()
    kept = ft.use_memo(lambda: kept_draft(services, THOUGHT_RECORD), [])
    record_id = ft.use_memo(lambda: editing(services, THOUGHT_RECORD, kept), [])
    saved = store.thought_records.get(record_id) if store is not None and record_id else None
    if saved is not None and saved.get("deleted") is True:
        saved = None
    base = record_from_draft(saved_content(saved), now) if saved is not None else empty_record(now)
    assert base is not None

    def start() -> tuple[dict[str, Any], bool]:
        if kept is not None and kept.record_id == (record_id if saved else None):
            restored = record_from_draft(kept.content, now)
            # Only what was typed counts: a new entry's time is when its form opened.
            if restored is not None and {**to_saved(restored), "occurred_at": ""} != {
                    **to_saved(base), "occurred_at": ""}:
                return restored, True
        return base, False

    first, was_restored = ft.use_memo(start, [])
    texts = {name: kit.use_text(first[name]) for name in TEXTS}
    names = [kit.use_text(row["name"]) for row in [*first["emotions"], *[
        {"name": ""}] * (THOUGHT_EMOTIONS_MAX - len(first["emotions"]))]]
    values, set_values = ft.use_state(lambda: {
        "rows": len(first["emotions"]),
        "intensity": [row["intensity"] for row in first["emotions"]]
        + [None] * (THOUGHT_EMOTIONS_MAX - len(first["emotions"])),
        "after": {row["name"].strip().casefold(): row["intensity"]
                  for row in first["emotions_after"]},
        "traps": list(first["thinking_traps"]),
    })
    latest = ft.use_ref(values)
    latest.current = values
    restored, set_restored = ft.use_state(was_restored)
    form_round, set_form_round = ft.use_state(0)
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    finished = ft.use_ref(False)
    occurred_at = ft.use_ref(first["occurred_at"])

    def form_values() -> dict[str, Any]:
        current = latest.current
        rows = [{"name": names[i].current or "", "intensity": current["intensity"][i]}
                for i in range(current["rows"])]
        after = [{"name": row["name"], "intensity": current["after"].get(
            row["name"].strip().casefold())} for row in rows if row["name"].strip()]
        return {"occurred_at": occurred_at.current,
                **{name: texts[name].current or "" for name in TEXTS},
                "emotions": rows, "thinking_traps": list(current["traps"]),
                "emotions_after": after}

    draft = LogDraft(services, THOUGHT_RECORD, record_id if saved else None, form_values)
    if not finished.current:
        draft.register()
    ft.use_effect(lambda: None, [], cleanup=lambda: None if finished.current else draft.leave())

    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))

    def change(**changes: Any) -> None:
        latest.current = {**latest.current, **changes}
        set_values(latest.current)
        draft.keep()

    def set_intensity(index: int, value: int) -> None:
        intensity = list(latest.current["intensity"])
        intensity[index] = value
        change(intensity=intensity)

    def set_after(name: str, value: int) -> None:
        change(after={**latest.current["after"], name.strip().casefold(): value})

    def toggle_trap(trap: str) -> None:
        traps = list(latest.current["traps"])
        change(traps=[x for x in traps if x != trap] if trap in traps else
               [x for x in THINKING_TRAP_IDS if x in traps or x == trap])

    def start_again() -> None:
        draft.finish()
        for name in TEXTS:
            texts[name].current = base[name]
        for i, ref in enumerate(names):
            ref.current = base["emotions"][i]["name"] if i < len(base["emotions"]) else ""
        latest.current = {
            "rows": len(base["emotions"]),
            "intensity": [row["intensity"] for row in base["emotions"]]
            + [None] * (THOUGHT_EMOTIONS_MAX - len(base["emotions"])),
            "after": {row["name"].strip().casefold(): row["intensity"]
                      for row in base["emotions_after"]},
            "traps": list(base["thinking_traps"])}
        set_values(latest.current)
        set_restored(False)
        set_form_round(lambda n: n + 1)

    def done() -> None:
        finished.current = True
        draft.finish()
        navigator.back()

    def save() -> None:
        try:
            save_thought_record(store, to_saved(form_values()), services.clock(),
                                record_id=record_id if saved else None)
        except LogNotValid as error:
            set_problems(error.problems)
            set_save_error(t("coping.error.fix_above"))
            return
        except SaveFailed as error:
            set_save_error(t("coping.error.save_failed", reason=str(error)))
            return
        finished.current = True
        draft.finish()
        navigator.data_changed()
        navigator.notify(t("coping.thought.saved"))
        navigator.back()
        navigator.sync_soon()

    def delete() -> None:
        assert saved is not None
        try:
            deleted = delete_log(store, THOUGHT_RECORD, saved["id"], services.clock())
        except SaveFailed as error:
            set_save_error(t("coping.error.save_failed", reason=str(error)))
            return
        finished.current = True
        draft.finish()
        navigator.back()
        offer_undo(services, navigator, deleted)

    def text(name: str, *, multiline: bool = True, most: int = SHORT_TEXT_MAX) -> ft.Control:
        return live_text_field(t(f"coping.thought.{name}"), texts[name], draft.keep,
                               multiline=multiline, max_length=most,
                               helper=t(f"coping.thought.{name}.hint"),
                               error=problem_text(t, problems, name))

    when = moment(occurred_at.current)
    controls: list[ft.Control] = [
        kit.heading(t("coping.thought.title")),
        kit.body(t("coping.thought.intro"), muted=True),
    ]
    if when is not None:
        controls.append(kit.body(t("coping.when", when=moment_label(
            services.translator, when, services.zone(), now)), muted=True, size=13))
    if restored:
        controls.append(restored_notice(t, start_again))
    controls += [text("situation"), text("automatic_thought"),
                 kit.subheading(t("coping.thought.emotions"))]
    for index in range(values["rows"]):
        label = t("coping.thought.emotion_n", number=index + 1)
        controls.append(live_text_field(label, names[index], draft.keep,
                                        max_length=EMOTION_NAME_MAX))
        typed = (names[index].current or "").strip()
        controls.append(number_picker(
            t("coping.thought.intensity", emotion=typed or label), values["intensity"][index],
            lambda n, i=index: set_intensity(i, n), PERCENTS,
            low_text=t("coping.percent.low"), high_text=t("coping.percent.high")))
    if values["rows"] < THOUGHT_EMOTIONS_MAX:
        controls.append(kit.text_button(t("coping.thought.add_emotion"),
                                        lambda: change(rows=latest.current["rows"] + 1),
                                        ft.Icons.ADD))
    controls.append(kit.message(problem_text(t, problems, "emotions")))
    controls += [text("evidence_for", most=EVIDENCE_MAX),
                 text("evidence_against", most=EVIDENCE_MAX),
                 kit.subheading(t("coping.thought.traps")),
                 kit.body(t("coping.thought.traps.intro"), muted=True, size=13)]
    for trap in THINKING_TRAP_IDS:
        name = trap_name(t, trap)
        controls.append(ft.Column([
            toggle_chip(name, trap in values["traps"], lambda x=trap: toggle_trap(x),
                        spoken=t("coping.thought.trap_spoken", trap=name)),
            kit.body(trap_explanation(t, trap), muted=True, size=13)], spacing=4))
    controls.append(text("balanced_thought"))
    rerate = [(names[i].current or "").strip() for i in range(values["rows"])]
    rerate = [name for name in rerate if name]
    if rerate:
        controls += [kit.subheading(t("coping.thought.after")),
                     kit.body(t("coping.thought.after.intro"), muted=True, size=13)]
        for name in rerate:
            controls.append(number_picker(
                t("coping.thought.after_intensity", emotion=name),
                values["after"].get(name.casefold()), lambda n, e=name: set_after(e, n),
                PERCENTS))
    controls.append(kit.message(problem_text(t, problems, "emotions_after", "thinking_traps",
                                             "log")))
    controls += [kit.message(save_error),
                 *form_buttons(t, save=save, cancel=done,
                               delete=delete if saved is not None else None,
                               save_label=t("coping.thought.save"))]
    return kit.screen(ft.Column(controls, spacing=16, key=f"round-{form_round}",
                                horizontal_alignment=ft.CrossAxisAlignment.STRETCH))
