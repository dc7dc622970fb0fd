"""The urge log: when, how strong (0-10), the trigger (a category and a few words),
where and with whom, the skills used and what I did, whether I used, how strong it was
afterwards and how long it lasted. Taps first; typing is optional. Each change is kept
as a draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import flet as ft

from iop_companion.domain.coping_logs import (
    NOTE_MAX,
    PLACE_MAX,
    SKILL_IDS,
    TRIGGER_CATEGORIES,
    URGE_MAX,
    moment,
)
from iop_companion.services.coping_logs import URGE_LOG, LogNotValid, delete_log, save_urge_log
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
    skill_chips,
)
from iop_companion.ui.logs.diary_card import saved_content

# "When": now, or a while ago, chosen with one tap (minutes before the form opened).
WHEN_CHOICES = (0, 60, 180)
TEXTS = ("trigger_detail", "where", "with_whom", "what_i_did", "lasted_minutes")


def empty_log(now: datetime) -> dict[str, Any]:
    return {"occurred_at": now.isoformat(), "intensity": None,
            "trigger": {"category": None, "detail": ""}, "where": "", "with_whom": "",
            "skills_used": [], "what_i_did": "", "used": None, "intensity_after": None,
            "lasted_minutes": None}


def _scale(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= URGE_MAX else None


def log_from_draft(content: Any, now: datetime) -> dict[str, Any] | None:
    """A kept draft (or a saved log) read back as form values; what is not valid is left
    blank, never guessed. `lasted_minutes` may be text as typed."""
    if not isinstance(content, Mapping):
        return None
    log = empty_log(now)
    if moment(content.get("occurred_at")) is not None:
        log["occurred_at"] = str(content["occurred_at"])
    log["intensity"] = _scale(content.get("intensity"))
    log["intensity_after"] = _scale(content.get("intensity_after"))
    trigger = content.get("trigger")
    if isinstance(trigger, Mapping):
        category = trigger.get("category")
        detail = trigger.get("detail")
        log["trigger"] = {"category": category if category in TRIGGER_CATEGORIES else None,
                          "detail": detail if isinstance(detail, str) else ""}
    for name in ("where", "with_whom", "what_i_did"):
        if isinstance(content.get(name), str):
            log[name] = content[name]
    skills = content.get("skills_used")
    if isinstance(skills, list):
        # In the order kept (an edit that changes nothing must not reorder them).
        log["skills_used"] = list(dict.fromkeys(s for s in skills if s in SKILL_IDS))
    if isinstance(content.get("used"), bool):
        log["used"] = content["used"]
    lasted = content.get("lasted_minutes")
    if isinstance(lasted, (int, str)) and not isinstance(lasted, bool):
        log["lasted_minutes"] = lasted
    return log


def minutes_typed(text: str) -> int | str | None:
    """"45" is 45 minutes; blank is not said; anything else stays as typed (refused by
    the log's rules with a clear message)."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) <= 5 else text


def to_saved(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form as the log to save (an unanswered "did you use?" stays None: refused)."""
    lasted = values["lasted_minutes"]
    return {**values, "lasted_minutes": minutes_typed(lasted) if isinstance(lasted, str)
            else lasted}


@ft.component
def UrgeLogScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    now = services.clock()
    opened_at = ft.use_memo(lambda: now, [])
    kept = ft.use_memo(lambda: kept_draft(services, URGE_LOG), [])
    record_id = ft.use_memo(lambda: editing(services, URGE_LOG, kept), [])
    saved = store.urge_logs.get(record_id) if store is not None and record_id else None
    if saved is not None and saved.get("deleted") is True:
        saved = None
    base = log_from_draft(saved_content(saved), now) if saved is not None else empty_log(now)
    assert base is not None

    def start() -> tuple[dict[str, Any], bool]:
        if kept is not None and kept.record_id == (record_id if saved else None):
            restored = log_from_draft(kept.content, now)
            # Only what was typed counts: a new entry's time is when its form opened.
            if restored is not None and {**to_saved(restored), "occurred_at": ""} != {
                    **to_saved(base), "occurred_at": ""}:
                return restored, True
        return base, False

    first, was_restored = ft.use_memo(start, [])
    lasted_first = first["lasted_minutes"]
    texts = {"trigger_detail": kit.use_text(first["trigger"]["detail"]),
             "where": kit.use_text(first["where"]),
             "with_whom": kit.use_text(first["with_whom"]),
             "what_i_did": kit.use_text(first["what_i_did"]),
             "lasted_minutes": kit.use_text("" if lasted_first is None else str(lasted_first))}
    values, set_values = ft.use_state(lambda: {
        name: first[name] for name in ("occurred_at", "intensity", "skills_used", "used",
                                       "intensity_after")} | {
        "category": first["trigger"]["category"]})
    latest = ft.use_ref(values)
    latest.current = values
    restored, set_restored = ft.use_state(was_restored)
    form_round, set_form_round = ft.use_state(0)
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    finished = ft.use_ref(False)

    def form_values() -> dict[str, Any]:
        current = latest.current
        return {"occurred_at": current["occurred_at"], "intensity": current["intensity"],
                "trigger": {"category": current["category"],
                            "detail": texts["trigger_detail"].current or ""},
                "where": texts["where"].current or "",
                "with_whom": texts["with_whom"].current or "",
                "skills_used": list(current["skills_used"]),
                "what_i_did": texts["what_i_did"].current or "",
                "used": current["used"], "intensity_after": current["intensity_after"],
                "lasted_minutes": minutes_typed(texts["lasted_minutes"].current or "")}

    draft = LogDraft(services, URGE_LOG, record_id if saved else None, form_values)
    if not finished.current:
        draft.register()
    ft.use_effect(lambda: None, [], cleanup=lambda: None if finished.current else draft.leave())

    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))

    def change(**changes: Any) -> None:
        latest.current = {**latest.current, **changes}
        set_values(latest.current)
        draft.keep()

    def toggle_skill(skill: str) -> None:
        used = latest.current["skills_used"]
        change(skills_used=[s for s in used if s != skill] if skill in used else
               [s for s in SKILL_IDS if s in used or s == skill])

    def start_again() -> None:
        draft.finish()
        texts["trigger_detail"].current = base["trigger"]["detail"]
        for name in ("where", "with_whom", "what_i_did"):
            texts[name].current = base[name]
        texts["lasted_minutes"].current = ("" if base["lasted_minutes"] is None
                                           else str(base["lasted_minutes"]))
        latest.current = {name: base[name] for name in (
            "occurred_at", "intensity", "skills_used", "used", "intensity_after")} | {
            "category": base["trigger"]["category"]}
        set_values(latest.current)
        set_restored(False)
        set_form_round(lambda n: n + 1)

    def done() -> None:
        finished.current = True
        draft.finish()
        navigator.back()

    def save() -> None:
        log = form_values()
        if log["used"] is None or log["intensity"] is None:
            set_problems({**({"used": ""} if log["used"] is None else {}),
                          **({"intensity": ""} if log["intensity"] is None else {})})
            set_save_error(t("coping.error.fix_above"))
            return
        try:
            save_urge_log(store, log, services.clock(), record_id=record_id if saved else None)
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
        navigator.notify(t("coping.urge.saved"))
        navigator.back()
        navigator.sync_soon()

    def delete() -> None:
        assert saved is not None
        try:
            deleted = delete_log(store, URGE_LOG, saved["id"], services.clock())
        except SaveFailed as error:
            set_save_error(t("coping.error.save_failed", reason=str(error)))
            return
        finished.current = True
        draft.finish()
        navigator.back()
        offer_undo(services, navigator, deleted)

    def text(name: str, *, multiline: bool = False, most: int = PLACE_MAX,
             numeric: bool = False, problem: str | None = None) -> ft.Control:
        return live_text_field(t(f"coping.urge.{name}"), texts[name], draft.keep,
                               multiline=multiline, max_length=most, numeric=numeric,
                               error=problem_text(t, problems, problem or name))

    when = moment(values["occurred_at"])
    controls: list[ft.Control] = [
        kit.heading(t("coping.urge.title")),
        kit.body(t("coping.urge.intro"), muted=True),
    ]
    if restored:
        controls.append(restored_notice(t, start_again))
    if saved is None:
        chosen = next((str(m) for m in WHEN_CHOICES if when is not None and abs(
            (opened_at - timedelta(minutes=m) - when).total_seconds()) < 1), None)
        controls.append(kit.choice_chips(
            t("coping.urge.when"), [(str(m), t(f"coping.urge.when.{m}")) for m in WHEN_CHOICES],
            chosen, lambda v: change(occurred_at=(opened_at - timedelta(minutes=int(v)))
                                     .isoformat()),
            short_name=t("coping.urge.when.short")))
    if when is not None:
        controls.append(kit.body(t("coping.when", when=moment_label(
            services.translator, when, services.zone(), now)), muted=True, size=13))
    controls += [
        number_picker(t("coping.urge.intensity"), values["intensity"],
                      lambda n: change(intensity=n), list(range(URGE_MAX + 1)),
                      low_text=t("coping.urge.scale.low"), high_text=t("coping.urge.scale.high")),
        kit.message(problem_text(t, problems, "intensity")),
        kit.choice_chips(t("coping.urge.trigger"),
                         [(c, t(f"coping.trigger.{c}")) for c in TRIGGER_CATEGORIES],
                         values["category"], lambda v: change(
                             category=None if v == latest.current["category"] else v),
                         short_name=t("coping.urge.trigger.short")),
        text("trigger_detail", problem="trigger"),
        text("where"),
        text("with_whom"),
        kit.subheading(t("coping.urge.skills")),
        *skill_chips(t, lambda s: s in values["skills_used"], toggle_skill),
        kit.message(problem_text(t, problems, "skills_used")),
        text("what_i_did", multiline=True, most=NOTE_MAX),
        kit.choice_chips(t("coping.urge.used"), [("yes", t("common.yes")),
                                                 ("no", t("common.no"))],
                         None if values["used"] is None else ("yes" if values["used"] else "no"),
                         lambda v: change(used=v == "yes"),
                         short_name=t("coping.urge.used.short")),
        kit.message(problem_text(t, problems, "used")),
    ]
    if values["used"]:
        controls.append(kit.body(t("coping.urge.used.kind_words")))
    controls += [
        number_picker(t("coping.urge.after"), values["intensity_after"],
                      lambda n: change(intensity_after=n), list(range(URGE_MAX + 1)),
                      low_text=t("coping.urge.scale.low"), high_text=t("coping.urge.scale.high")),
        text("lasted_minutes", numeric=True, most=5),
        kit.message(problem_text(t, problems, "intensity_after", "lasted_minutes", "log")),
        kit.message(save_error),
        *form_buttons(t, save=save, cancel=done, delete=delete if saved is not None else None,
                      save_label=t("coping.urge.save")),
    ]
    return kit.screen(ft.Column(controls, spacing=16, key=f"round-{form_round}",
                                horizontal_alignment=ft.CrossAxisAlignment.STRETCH))
