"""The DBT diary card: one per day, filled in with taps (urges, the participant's own
targets, emotions, skills used, medications) and a note.

The emotions are the clinic's choice (else the default set) and the targets are the
ones the care team set for this participant (`services.coping_logs.diary_setup`); the
targets section shows only when there are some. A card saved before the clinic changed
either still shows (and keeps) what it rated, as far as the app can name it.

A self-harm or suicide urge above 0 starts the safety flow the moment it is tapped,
with the one safety component the check-in uses (`ui/safety/crisis.start_safety_flow`):
the flag is raised, the card is saved at once (so it exists even if the person never
comes back to the form), and the safety screen opens on top; Back returns to the card.
Each change is kept as a draft (`ui/logs/common.LogDraft`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import flet as ft

from iop_companion.domain.coping_logs import (
    DEFAULT_DIARY_EMOTIONS,
    DIARY_EMOTION_IDS,
    DIARY_EMOTION_MAX,
    DIARY_SKILL_MAX,
    DIARY_URGE_MAX,
    DIARY_URGES,
    MEDICATION_ANSWERS,
    NOTE_MAX,
    SKILL_IDS,
    empty_diary_card,
    raises_safety_flow,
)
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.coping_logs import (
    DIARY_CARD,
    DiarySetup,
    DiaryTarget,
    LogNotValid,
    delete_log,
    diary_setup,
    save_diary_card,
)
from iop_companion.services.errors import SaveFailed
from iop_companion.services.safety import FlagReach
from iop_companion.store.records import META_FIELDS
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import day_inline
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
    skill_name,
)
from iop_companion.ui.safety.crisis import SAFETY_PAGE, CrisisHelpCard, start_safety_flow

SAFETY_URGES = ("self_harm", "suicide")


def _rating(value: Any, high: int) -> int | None:
    return value if type(value) is int and 0 <= value <= high else None


def _urge_answer(urge: Any) -> dict[str, Any] | None:
    if not isinstance(urge, Mapping):
        return None
    return {"rating": _rating(urge.get("rating"), DIARY_URGE_MAX),
            "acted_on": urge.get("acted_on") is True}


def card_from_draft(content: Any, day: str, *,
                    emotions: Sequence[str] = DEFAULT_DIARY_EMOTIONS,
                    targets: Sequence[str] = ()) -> dict[str, Any] | None:
    """A kept draft read back as a card of `day`: what is valid is kept, the rest left
    unrated (never guessed); None when it is not a card of that day. `emotions` and
    `targets`: the ids the card offers (a rating of any other is dropped)."""
    if not isinstance(content, Mapping) or content.get("day") != day:
        return None
    card = empty_diary_card(date.fromisoformat(day))
    urges = content.get("urges")
    for name in DIARY_URGES:
        answer = _urge_answer(urges.get(name) if isinstance(urges, Mapping) else None)
        if answer is not None:
            card["urges"][name] = answer
    rated = content.get("targets")
    kept_targets = {target_id: answer for target_id, answer in (
        (key, _urge_answer(value)) for key, value in (
            rated.items() if isinstance(rated, Mapping) else ()))
        if target_id in targets and answer is not None}
    if kept_targets:  # a card without targets keeps its shape
        card["targets"] = kept_targets
    for field, known, high in (("emotions", emotions, DIARY_EMOTION_MAX),
                               ("skills", SKILL_IDS, DIARY_SKILL_MAX)):
        ratings = content.get(field)
        if isinstance(ratings, Mapping):
            card[field] = {key: value for key, value in ratings.items()
                           if key in known and _rating(value, high) is not None}
    if content.get("medications_taken") in MEDICATION_ANSWERS:
        card["medications_taken"] = content["medications_taken"]
    if isinstance(content.get("note"), str):
        card["note"] = content["note"][:NOTE_MAX]
    return card


def saved_content(record: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name not in META_FIELDS}


@ft.component
def DiaryCardScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    now = services.clock()
    today = now.astimezone(services.zone()).date()
    kept = ft.use_memo(lambda: kept_draft(services, DIARY_CARD), [])
    day = ft.use_memo(lambda: editing(services, DIARY_CARD, kept) or today.isoformat(), [])
    saved = store.diary_cards.for_day(day) if store is not None else None
    base = saved_content(saved) if saved is not None else empty_diary_card(
        date.fromisoformat(day))
    setup: DiarySetup = ft.use_memo(
        lambda: diary_setup(store) if store is not None else DiarySetup(
            DEFAULT_DIARY_EMOTIONS, ()), [])

    def start() -> tuple[dict[str, Any], bool]:
        # What the card offers, and what its saved version already rates (kept).
        restored = card_from_draft(
            kept.content if kept else None, day,
            emotions=[*setup.emotions, *(base.get("emotions") or {})],
            targets=[*(target.id for target in setup.targets),
                     *(base.get("targets") or {})])
        if restored is not None and restored != base:
            return restored, True
        return base, False

    first, was_restored = ft.use_memo(start, [])
    card, set_card = ft.use_state(lambda: {k: v for k, v in first.items() if k != "note"})
    note = kit.use_text(first.get("note", ""))
    restored, set_restored = ft.use_state(was_restored)
    form_round, set_form_round = ft.use_state(0)
    open_skill, set_open_skill = ft.use_state(None)
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    # The flag is raised once per card: by a saved version that had the urge, or here.
    flag_raised = ft.use_ref(saved is not None and raises_safety_flow(saved))
    latest = ft.use_ref(card)
    latest.current = card
    finished = ft.use_ref(False)

    def content() -> dict[str, Any]:
        typed = {**latest.current, "note": note.current or ""}
        if not typed.get("targets"):
            typed.pop("targets", None)  # a card without targets keeps its shape
        return typed

    draft = LogDraft(services, DIARY_CARD, None, content)
    if not finished.current:
        draft.register()
    ft.use_effect(lambda: None, [], cleanup=lambda: None if finished.current else draft.leave())

    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))

    # What this screen offers (the setup it was opened with, even if a sync changes it
    # meanwhile); the service also keeps whatever the saved card already rates.
    offered: dict[str, Any] = {"emotions": setup.emotions,
                               "targets": [target.id for target in setup.targets]}

    def change(new_card: dict[str, Any]) -> None:
        latest.current = new_card
        set_card(new_card)
        draft.keep()

    def rate_urge(name: str, rating: int) -> None:
        urges = {**card["urges"], name: {**card["urges"][name], "rating": rating}}
        change({**card, "urges": urges})
        if name in SAFETY_URGES and rating > 0 and not flag_raised.current:
            # Help first: the same flow as the check-in's. The card is saved at once
            # (the flag went first), so it is kept even if the person never comes back.
            outcome = start_safety_flow(services, navigator, SafetyTrigger.DIARY_CARD_SELF_HARM)
            if outcome.reach is FlagReach.NOT_SAVED:
                return  # the desk retries the flag; Save raises it before the card
            flag_raised.current = True
            try:
                save_diary_card(store, content(), services.clock(), flag_raised=True,
                                **offered)
            except SaveFailed:
                return  # the draft holds it; Save shows why
            navigator.data_changed()

    def acted_on(name: str, value: bool) -> None:
        urges = {**card["urges"], name: {**card["urges"][name], "acted_on": value}}
        change({**card, "urges": urges})

    def answer_target(target_id: str, **answer: Any) -> None:
        targets = dict(card.get("targets") or {})
        targets[target_id] = {**targets.get(target_id, {"rating": None, "acted_on": False}),
                              **answer}
        change({**card, "targets": targets})

    def rate(field: str, key: str, value: int | None) -> None:
        ratings = dict(card[field])
        if value is None:
            ratings.pop(key, None)
        else:
            ratings[key] = value
        change({**card, field: ratings})

    def start_again() -> None:
        draft.finish()
        latest.current = {k: v for k, v in base.items() if k != "note"}
        set_card(latest.current)
        note.current = base.get("note", "")
        set_restored(False)
        set_form_round(lambda n: n + 1)  # draws the note field afresh

    def done() -> None:
        finished.current = True
        draft.finish()
        navigator.back()

    def save() -> None:
        typed = content()
        needs_flag = raises_safety_flow(typed) and not flag_raised.current
        if raises_safety_flow(typed) and flag_raised.current:
            services.safety.retry_unsaved()  # a flag the phone could not write yet goes first
        try:
            save_diary_card(store, typed, services.clock(), flag_raised=flag_raised.current,
                            raise_flag=services.safety.raise_flag, **offered)
        except LogNotValid as error:
            set_problems(error.problems)
            set_save_error(t("coping.error.fix_above"))
            return
        except SaveFailed as error:
            set_save_error(t("coping.error.save_failed", reason=str(error)))
            return
        navigator.data_changed()
        finished.current = True
        draft.finish()
        if needs_flag:
            navigator.replace(SAFETY_PAGE)
        else:
            navigator.notify(t("coping.diary.saved"))
            navigator.back()
        navigator.sync_soon()

    def delete() -> None:
        if saved is None:
            return
        try:
            deleted = delete_log(store, DIARY_CARD, saved["id"], services.clock())
        except SaveFailed as error:
            set_save_error(t("coping.error.save_failed", reason=str(error)))
            return
        finished.current = True
        draft.finish()
        navigator.back()
        offer_undo(services, navigator, deleted)

    low, high = t("coping.diary.scale.low"), t("coping.diary.scale.high")
    controls: list[ft.Control] = [
        kit.heading(t("coping.diary.title", day=day_inline(
            services.translator, date.fromisoformat(day), today))),
        kit.body(t("coping.diary.intro"), muted=True),
    ]
    if restored:
        controls.append(restored_notice(t, start_again))
    controls.append(kit.subheading(t("coping.diary.urges")))
    for name in DIARY_URGES:
        urge = card["urges"][name]
        label = t(f"coping.diary.urge.{name}")
        controls.append(number_picker(label, urge["rating"], lambda n, u=name: rate_urge(u, n),
                                      list(range(DIARY_URGE_MAX + 1)), low_text=low,
                                      high_text=high))
        if urge["rating"]:
            controls.append(ft.Checkbox(
                label=t("coping.diary.acted_on", urge=label), value=urge["acted_on"],
                on_change=kit.tracked(lambda u=name: acted_on(u, not card["urges"][u]["acted_on"]))))
    if any((card["urges"][name]["rating"] or 0) > 0 for name in SAFETY_URGES):
        # Back on the card after help opened: every crisis line and the person's own
        # plan stay right here while they finish, or not.
        controls.append(CrisisHelpCard())
    controls.append(kit.message(problem_text(t, problems, "urges")))
    shown_targets = [*setup.targets, *(
        DiaryTarget(target_id, label) for target_id in (card.get("targets") or {})
        if all(target.id != target_id for target in setup.targets)
        and (label := setup.label(target_id)) is not None)]
    if shown_targets:
        controls += [kit.subheading(t("coping.diary.targets")),
                     kit.body(t("coping.diary.targets.intro"), muted=True, size=13)]
    for target in shown_targets:
        answer = (card.get("targets") or {}).get(target.id) or {}
        controls.append(number_picker(
            target.label, answer.get("rating"),
            lambda n, i=target.id: answer_target(i, rating=n),
            list(range(DIARY_URGE_MAX + 1)), low_text=low, high_text=high))
        if answer.get("rating"):
            controls.append(ft.Checkbox(
                label=t("coping.diary.target.acted_on", target=target.label),
                value=answer.get("acted_on") is True,
                on_change=kit.tracked(lambda i=target.id: answer_target(
                    i, acted_on=((card.get("targets") or {}).get(i) or {}).get(
                        "acted_on") is not True))))
    if shown_targets:
        controls.append(kit.message(problem_text(t, problems, "targets")))
    controls.append(kit.subheading(t("coping.diary.emotions")))
    # The clinic's emotions, then any other this card already rates (an older choice).
    shown_emotions = [*setup.emotions, *(
        emotion for emotion in card["emotions"]
        if emotion in DIARY_EMOTION_IDS and emotion not in setup.emotions)]
    for emotion in shown_emotions:
        controls.append(number_picker(
            t(f"coping.emotion.{emotion}"), card["emotions"].get(emotion),
            lambda n, e=emotion: rate("emotions", e, n), list(range(DIARY_EMOTION_MAX + 1)),
            low_text=low, high_text=high))
    controls.append(kit.message(problem_text(t, problems, "emotions")))
    controls += [kit.subheading(t("coping.diary.skills")),
                 kit.body(t("coping.diary.skills.scale"), muted=True, size=13)]

    def skill_label(skill_id: str) -> str:
        rating = card["skills"].get(skill_id)
        name = skill_name(t, skill_id)
        return name if rating is None else t("coping.diary.skill_rated", skill=name,
                                             rating=rating)

    def toggle_skill(skill_id: str) -> None:
        set_open_skill(None if open_skill == skill_id else skill_id)

    def rating_of_open_skill(module_skills: list[str]) -> list[ft.Control]:
        if open_skill not in module_skills:
            return []
        name = skill_name(t, open_skill)
        return [kit.card(
            number_picker(name, card["skills"].get(open_skill),
                          lambda n: (rate("skills", open_skill, n), set_open_skill(None)),
                          list(range(DIARY_SKILL_MAX + 1)),
                          low_text=t("coping.diary.skill.low"),
                          high_text=t("coping.diary.skill.high")),
            kit.text_button(t("coping.diary.skill.clear", skill=name),
                            lambda: (rate("skills", open_skill, None), set_open_skill(None)),
                            ft.Icons.CLEAR))]

    controls += skill_chips(t, lambda s: s == open_skill or s in card["skills"], toggle_skill,
                            label=skill_label, under=rating_of_open_skill)
    controls += [
        kit.message(problem_text(t, problems, "skills")),
        kit.choice_chips(t("coping.diary.medications"),
                         [(m, t(f"coping.medications.{m}")) for m in MEDICATION_ANSWERS],
                         card["medications_taken"],
                         lambda v: change({**card, "medications_taken": v}),
                         short_name=t("coping.diary.medications.short")),
        ft.Container(key=f"note-{form_round}", content=live_text_field(
            t("coping.note"), note, draft.keep, multiline=True, max_length=NOTE_MAX,
            error=problem_text(t, problems, "note"))),
        kit.message(save_error),
        *form_buttons(t, save=save, cancel=done, delete=delete if saved is not None else None,
                      save_label=t("coping.diary.save")),
    ]
    return kit.screen(*controls)
