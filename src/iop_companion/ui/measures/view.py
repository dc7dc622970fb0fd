"""A questionnaire (PHQ-9, GAD-7 or BAM): every question on one scrolling page, a
plain-language result, and the safety flow when PHQ-9 item 9 calls for it.

PHQ-9 item 9 above 0 acts the moment it is chosen, whatever else is answered: the flag
is queued for the clinic (once per form; choosing "Not at all" afterwards does not
withdraw it) and crisis help (988, 911, the clinic's line, the plan) shows right under
the question, and stays there for the rest of the form. The form itself stays open so
the person can finish it; saving it then opens the safety screen.

A form in progress is a draft (`services.drafts`): written just before a lock and read
back when the form opens again, so nothing answered is lost to the PIN.

The instruments' own text is shown as published, in English whatever the app's
language (keys under "instrument.", see domain/measures.py); in another language a
one-line note says why. The PHQ-9 and GAD-7 end with the published difficulty question:
optional, never scored, kept and sent with the result.

The BAM has more than one kind of answer (days, health, extent, yes/no) and item 7
asks about each substance; its form skips item 5 when item 4 is 0 and item 7 when
item 6 is 0, exactly as the paper form does (those answers count as 0). It asks about
the recall window of its schedule (`services.measures.measure_spec`: the past 7 days
when weekly), said above the questions and in each one; a draft keeps the window it
was started with. Heavy-drinking days above drinking days (item 5 over item 4) and a
substance on more days than any drug (item 7 over item 6) are refused next to the item.
An item that is simply not answered yet is never stored as 0: the form cannot be saved
until it is.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from iop_companion.domain.measures import (
    BAM_DRUG_DAYS_ITEM,
    BAM_FORM_RECALL_DAYS,
    BAM_PROGRESS_ITEM,
    BAM_RECALL_WINDOWS,
    BAM_SUBSCALE_KEYS,
    BAM_SUBSTANCE_ITEM,
    BAM_SUBSTANCES,
    BamResult,
    ItemKind,
    MeasureId,
    MeasureItem,
    MeasureSpec,
    bam_spec,
    bam_subscale_max,
    bam_substance_key,
)
from iop_companion.i18n import DEFAULT_LOCALE
from iop_companion.services.errors import SaveFailed
from iop_companion.services.measures import (
    PHQ9_SAFETY_ITEM,
    SELF_REPORT_MEASURES,
    MeasureNotSaved,
    MeasureOutcome,
    complete_measure,
    measure_spec,
    phq9_item9_trigger,
)
from iop_companion.ui import kit
from iop_companion.ui.context import use_care_wording, use_navigator, use_services
from iop_companion.ui.safety.crisis import SAFETY_PAGE, CrisisHelpCard, start_safety_flow

# BAM items 4 and 5: heavy-drinking days cannot outnumber drinking days.
ALCOHOL_DAYS_ITEM, HEAVY_DRINKING_ITEM = 4, 5

# Answers: item number -> code; BAM item 7 -> {substance: code}.
Answers = dict[int, int | dict[str, int]]


def draft_name(measure: MeasureId) -> str:
    """The draft's name: the same as the page's, so the shell can reopen it."""
    return f"measure_{measure.value}"


def draft_snapshot(answers: Answers, flag_raised: bool, *, difficulty: int | None = None,
                   recall_days: int | None = None) -> dict[str, Any]:
    """What a draft keeps, as JSON: item numbers become strings; only answered items;
    the difficulty answer when given; the BAM's recall window."""
    return {"answers": {str(number): (dict(value) if isinstance(value, dict) else value)
                        for number, value in answers.items()},
            "flag_raised": bool(flag_raised),
            "difficulty": difficulty,
            "recall_days": recall_days}


def difficulty_from_draft(spec: MeasureSpec, kept: object) -> int | None:
    """The difficulty answer a draft kept, when it is a valid one for this measure."""
    if spec.difficulty is None or not isinstance(kept, dict):
        return None
    value = kept.get("difficulty")
    allowed = {option.value for option in spec.difficulty.options}
    return value if _is_code(value, allowed) else None


def form_spec(measure: MeasureId, current: MeasureSpec, kept: object) -> MeasureSpec:
    """The questionnaire the form shows: `current` (from the schedule), except that a
    BAM draft keeps the window it was started with: the answers are about that one. A
    draft with answers but no window was begun before there was one: the form's 30 days."""
    if measure is MeasureId.BAM and isinstance(kept, dict):
        days = kept.get("recall_days", BAM_FORM_RECALL_DAYS if kept.get("answers") else None)
        if _is_code(days, set(BAM_RECALL_WINDOWS)):
            return bam_spec(days)
    return current


def _is_code(value: object, allowed: set[int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in allowed


def answers_from_draft(spec: MeasureSpec, kept: object) -> tuple[Answers, bool]:
    """A stored draft read back: (answers, whether the form raised its flag). Anything
    that is not a valid answer to this measure is left out, never guessed."""
    if not isinstance(kept, dict):
        return {}, False
    flag_raised = kept.get("flag_raised") is True
    raw = kept.get("answers")
    if not isinstance(raw, dict):
        return {}, flag_raised
    items = {item.number: item for item in spec.items}
    found: Answers = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not key.isdigit():
            continue
        item = items.get(int(key))
        if item is None:
            continue
        allowed = {option.value for option in item.options}
        if item.kind is ItemKind.SUBSTANCE_DAYS:
            if isinstance(value, dict):
                per_substance = {s: v for s, v in value.items()
                                 if s in BAM_SUBSTANCES and _is_code(v, allowed)}
                if per_substance:
                    found[item.number] = per_substance
        elif _is_code(value, allowed):
            found[item.number] = value
    return found, flag_raised


def skipped_items(spec: MeasureSpec, answers: Answers) -> set[int]:
    """Items the form leaves out because an earlier answer was 0."""
    skipped: set[int] = set()
    for item in spec.items:
        if item.skips_when_zero and answers.get(item.number) == 0:
            skipped.update(item.skips_when_zero)
    return skipped


def unanswered(spec: MeasureSpec, answers: Answers) -> set[int]:
    skipped = skipped_items(spec, answers)
    missing: set[int] = set()
    for item in spec.items:
        if item.number in skipped:
            continue
        given = answers.get(item.number)
        if item.kind is ItemKind.SUBSTANCE_DAYS:
            if not isinstance(given, dict) or set(given) != set(BAM_SUBSTANCES):
                missing.add(item.number)
        elif given is None:
            missing.add(item.number)
    return missing


def heavy_drinking_too_high(spec: MeasureSpec, answers: Answers) -> bool:
    if spec.id is not MeasureId.BAM:
        return False
    alcohol, heavy = answers.get(ALCOHOL_DAYS_ITEM), answers.get(HEAVY_DRINKING_ITEM)
    return isinstance(alcohol, int) and isinstance(heavy, int) and alcohol > 0 and heavy > alcohol


def substances_above_drug_days(spec: MeasureSpec, answers: Answers) -> set[str]:
    """BAM item 7: the substances answered with more days than item 6 (days of any drug
    use), which cannot be. Empty while item 6 is unanswered or 0 (item 7 is skipped)."""
    if spec.id is not MeasureId.BAM:
        return set()
    any_drug, per_substance = answers.get(BAM_DRUG_DAYS_ITEM), answers.get(BAM_SUBSTANCE_ITEM)
    if not isinstance(any_drug, int) or any_drug == 0 or not isinstance(per_substance, dict):
        return set()
    return {substance for substance, days in per_substance.items()
            if isinstance(days, int) and days > any_drug}


def refused(spec: MeasureSpec, answers: Answers) -> bool:
    """Answers that contradict each other: the form says so next to the item and waits."""
    return heavy_drinking_too_high(spec, answers) or bool(substances_above_drug_days(spec, answers))


def item_text(t, spec: MeasureSpec, item: MeasureItem) -> str:
    """An item's text; the BAM's timed items name the recall window ({days})."""
    if spec.recall_days is not None:
        return t(item.text_key, days=spec.recall_days)
    return t(item.text_key)


def answer_list(spec: MeasureSpec, answers: Answers) -> list[int | dict[str, int]]:
    """The answers in item order, items the form skipped as 0 (an empty mapping for
    item 7), as the paper form scores them. An item that is not answered and not
    skipped is an error, never a 0."""
    skipped = skipped_items(spec, answers)
    values: list[int | dict[str, int]] = []
    for item in spec.items:
        given = answers.get(item.number)
        if item.kind is ItemKind.SUBSTANCE_DAYS:
            values.append({} if item.number in skipped or not isinstance(given, dict)
                          else dict(given))
        elif item.number in skipped:
            values.append(0)
        elif isinstance(given, int):
            values.append(int(given))
        else:
            raise ValueError(f"question {item.number} is not answered")
    return values


@dataclass
class _FormState:
    """What the form holds right now, outside render state: handlers and the draft
    snapshot read it at once, however many taps come before the next render."""

    answers: Answers = field(default_factory=dict)
    flag_raised: bool = False
    difficulty: int | None = None  # PHQ-9 / GAD-7: optional, unscored
    # Flet may run two taps' handlers on two threads: one flag per form, even then.
    flag_lock: threading.Lock = field(default_factory=threading.Lock)


def _scheduled_spec(services, measure: MeasureId) -> MeasureSpec:
    store = services.account.store
    if store is None:  # not open without a store; the schedule's default, to be safe
        return SELF_REPORT_MEASURES[measure] if measure is not MeasureId.BAM \
            else bam_spec(min(BAM_RECALL_WINDOWS))
    return measure_spec(store, measure)


@ft.component
def MeasureScreen(measure: MeasureId) -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    form = draft_name(measure)

    def opened() -> tuple[MeasureSpec, Answers, bool, int | None]:
        kept = services.drafts.resume(form)
        spec = form_spec(measure, _scheduled_spec(services, measure), kept)
        answers, flag_raised = answers_from_draft(spec, kept)
        return spec, answers, flag_raised, difficulty_from_draft(spec, kept)

    spec, resumed_answers, resumed_flag, resumed_difficulty = ft.use_memo(opened, [])
    live = ft.use_ref(lambda: _FormState(dict(resumed_answers), resumed_flag,
                                         resumed_difficulty))
    answers, set_answers = ft.use_state(lambda: dict(resumed_answers))
    difficulty, set_difficulty = ft.use_state(resumed_difficulty)
    flag_raised, set_flag_raised = ft.use_state(resumed_flag)
    missing, set_missing = ft.use_state(False)
    save_error, set_save_error = ft.use_state(None)
    outcome, set_outcome = ft.use_state(None)

    def snapshot() -> dict[str, Any]:
        return draft_snapshot(live.current.answers, live.current.flag_raised,
                              difficulty=live.current.difficulty,
                              recall_days=spec.recall_days)

    def raise_flag_once() -> None:
        """PHQ-9 item 9 above 0: queue the flag now, once for this form (never waits
        on or fails with the write), then keep the draft that says so."""
        with live.current.flag_lock:
            trigger = phq9_item9_trigger(measure, live.current.answers.get(PHQ9_SAFETY_ITEM))
            if trigger is None or live.current.flag_raised:
                return
            live.current.flag_raised = True
        set_flag_raised(True)
        services.safety.raise_flag(trigger)  # written before the draft that holds the answer
        services.drafts.save_now(form, snapshot())
        navigator.sync_soon()

    def mounted() -> None:
        services.drafts.keep(form, snapshot)
        # A draft that holds item 9 above 0 but no flag (should not happen): raise it now.
        raise_flag_once()

    ft.use_effect(mounted, [], cleanup=lambda: services.drafts.stop_keeping(form))

    def changed(updated: Answers) -> None:
        live.current.answers = updated
        set_answers(updated)
        if not unanswered(spec, updated):
            set_missing(False)  # every question answered: the reminder has done its job

    def answer(number: int, value: str) -> None:
        changed({**live.current.answers, number: int(value)})
        if number == PHQ9_SAFETY_ITEM:
            raise_flag_once()

    def answer_substance(number: int, substance: str, value: str) -> None:
        current = live.current.answers.get(number)
        per_substance = dict(current) if isinstance(current, dict) else {}
        per_substance[substance] = int(value)
        changed({**live.current.answers, number: per_substance})

    def answer_difficulty(value: str) -> None:
        live.current.difficulty = int(value)
        set_difficulty(int(value))

    def cancel() -> None:
        services.drafts.finish(form)
        navigator.back()

    def save() -> None:
        current = live.current.answers
        if unanswered(spec, current) or refused(spec, current):
            set_missing(True)
            return
        store = services.account.store
        if store is None:
            navigator.lock()
            return
        trigger = phq9_item9_trigger(measure, current.get(PHQ9_SAFETY_ITEM))
        if trigger is not None:
            # Help first: the safety screen opens whatever the writes below do.
            with live.current.flag_lock:
                raise_now = not live.current.flag_raised
                live.current.flag_raised = True
            if raise_now:
                start_safety_flow(services, navigator, trigger, replace=True)
            else:
                navigator.replace(SAFETY_PAGE)
                navigator.sync_soon()
        try:
            done: MeasureOutcome = complete_measure(
                store, measure, answer_list(spec, current), services.clock(),
                flag_already_raised=live.current.flag_raised,
                difficulty=live.current.difficulty if spec.difficulty else None,
                recall_days=spec.recall_days)
        except SaveFailed as error:
            kept = error.kept if isinstance(error, MeasureNotSaved) else None
            if kept is None:
                if trigger is not None:
                    # The safety screen is open already; the answers wait as a draft.
                    services.drafts.save_now(form, snapshot())
                    navigator.notify(t("questionnaire.error.not_saved_help_open",
                                       reason=str(error)))
                else:
                    # Nothing was kept: the answers stay on screen to try again.
                    set_save_error(t("questionnaire.error.save_failed", reason=str(error)))
                return
            # Kept on the phone, only not queued for the clinic: done, and said so.
            navigator.notify(t("questionnaire.error.not_queued", reason=str(error)))
            done = kept
        services.drafts.finish(form)
        navigator.data_changed()
        navigator.sync_soon()
        if trigger is None:
            set_outcome(done)

    if outcome is not None:
        return MeasureResultView(spec, outcome)

    skipped = skipped_items(spec, answers)
    open_items = unanswered(spec, answers)
    too_many_days = substances_above_drug_days(spec, answers)
    questions: list[ft.Control] = []
    for item in spec.items:
        if item.number in skipped:
            questions.append(kit.body(t("questionnaire.bam.skipped", number=item.number),
                                      muted=True, size=13))
            continue
        if item.kind is ItemKind.SUBSTANCE_DAYS:
            questions.append(_substance_question(t, spec, item, answers.get(item.number),
                                                 answer_substance, show_missing=missing,
                                                 too_many_days=too_many_days))
        else:
            chosen = answers.get(item.number)
            questions.append(kit.choice_chips(
                t("questionnaire.question", number=item.number, text=item_text(t, spec, item)),
                [(str(o.value), t(o.label_key)) for o in item.options],
                None if chosen is None else str(chosen),
                lambda value, n=item.number: answer(n, value),
                short_name=t("questionnaire.question.short", number=item.number)))
            if missing and item.number in open_items:
                questions.append(kit.message(t("checkin.error.choose_one")))
        if measure is MeasureId.PHQ9 and item.number == PHQ9_SAFETY_ITEM and (
                flag_raised or phq9_item9_trigger(measure, answers.get(item.number))):
            # Help right under the question, the moment it is answered; it stays once
            # shown (the flag it raised stands), and the form stays open to finish.
            questions.append(CrisisHelpCard())
        if item.number == HEAVY_DRINKING_ITEM and heavy_drinking_too_high(spec, answers):
            questions.append(kit.message(t("questionnaire.error.more_than_alcohol_days")))
    if spec.difficulty is not None:
        # Printed unnumbered under the items on the published form; optional, unscored.
        questions.append(kit.choice_chips(
            t(spec.difficulty.text_key),
            [(str(o.value), t(o.label_key)) for o in spec.difficulty.options],
            None if difficulty is None else str(difficulty),
            answer_difficulty, short_name=t("questionnaire.difficulty.short")))
        questions.append(kit.body(t("questionnaire.difficulty.optional"), muted=True, size=13))
    instructions = (t(spec.instructions_key, days=spec.recall_days)
                    if spec.recall_days is not None else t(spec.instructions_key))
    return kit.screen(
        kit.heading(t(spec.title_key)),
        # The instrument is in English in every language: say why, in the person's own.
        *([kit.body(t("questionnaire.english_only"), muted=True, size=13)]
          if services.translator.locale != DEFAULT_LOCALE else []),
        kit.body(instructions),
        *([kit.body(t("questionnaire.draft.resumed"), muted=True, size=13)]
          if resumed_answers else []),
        *questions,
        kit.message(t("questionnaire.error.answer_all") if missing and open_items else None),
        kit.message(save_error),
        ft.Row([kit.primary_button(t("questionnaire.save"), save, ft.Icons.CHECK),
                kit.text_button(t("common.cancel"), cancel)], wrap=True),
    )


def _substance_question(t, spec: MeasureSpec, item: MeasureItem, given: object, on_answer,
                        *, show_missing: bool, too_many_days: set[str]) -> ft.Control:
    """BAM item 7: the same days question for each substance, each named for a screen
    reader; a substance on more days than item 6 says so right under it."""
    per_substance = given if isinstance(given, dict) else {}
    rows: list[ft.Control] = [ft.Text(t("questionnaire.question", number=item.number,
                                        text=item_text(t, spec, item)),
                                      size=15, weight=ft.FontWeight.W_500)]
    for substance in BAM_SUBSTANCES:
        chosen = per_substance.get(substance)
        name = t(bam_substance_key(substance))
        rows.append(kit.choice_chips(
            name, [(str(o.value), t(o.label_key)) for o in item.options],
            None if chosen is None else str(chosen),
            lambda value, s=substance: on_answer(item.number, s, value),
            # "Opioids (...): None" would be long; the first words name it well enough.
            short_name=name.split(" (")[0]))
        if show_missing and chosen is None:
            rows.append(kit.message(t("checkin.error.choose_one")))
        if substance in too_many_days:
            rows.append(kit.message(t("questionnaire.error.more_than_drug_days")))
    return ft.Container(content=ft.Column(rows, spacing=12),
                        padding=ft.Padding.only(left=12),
                        border=ft.Border.only(left=ft.BorderSide(3, ft.Colors.OUTLINE_VARIANT)))


@ft.component
def MeasureResultView(spec: MeasureSpec, outcome: MeasureOutcome) -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    details: list[ft.Control] = []
    if outcome.bam is not None:
        details = _bam_details(t, spec, outcome.bam)
    return kit.screen(
        kit.heading(t(spec.title_key)),
        kit.card(kit.subheading(t("questionnaire.result.title")),
                 kit.body(use_care_wording(outcome.summary_key)), tone="primary"),
        *details,
        kit.body(use_care_wording("questionnaire.result.not_a_diagnosis"), muted=True),
        kit.primary_button(t("questionnaire.result.done"), navigator.back, ft.Icons.CHECK),
    )


def _bam_details(t, spec: MeasureSpec, result: BamResult) -> list[ft.Control]:
    """The three subscales and item 17 in plain words: what each means, no grading.
    The maxima are those of the window asked about (lower for a week)."""
    progress_item = spec.items[BAM_PROGRESS_ITEM - 1]
    progress_answer = next(t(o.label_key) for o in progress_item.options
                           if o.value == result.progress)
    highest = bam_subscale_max(result.recall_days)
    use_text = (t("questionnaire.bam.use.some") if result.use
                else t("questionnaire.bam.use.none", days=result.recall_days))
    return [
        kit.card(kit.subheading(t(BAM_SUBSCALE_KEYS["use"])), kit.body(use_text)),
        kit.card(kit.subheading(t(BAM_SUBSCALE_KEYS["protective"])),
                 kit.body(t("questionnaire.bam.protective", score=result.protective,
                            max=highest["protective"]))),
        kit.card(kit.subheading(t(BAM_SUBSCALE_KEYS["risk"])),
                 kit.body(t("questionnaire.bam.risk", score=result.risk,
                            max=highest["risk"]))),
        kit.card(kit.subheading(t(BAM_SUBSCALE_KEYS["progress"])),
                 kit.body(t("questionnaire.bam.progress", answer=progress_answer.lower()))),
        kit.body(t("questionnaire.bam.talk")),
    ]
