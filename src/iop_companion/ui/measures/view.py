"""A questionnaire (PHQ-9, GAD-7 or BAM): every question on one scrolling page, a
plain-language result, and the safety flow first when PHQ-9 item 9 calls for it.

The BAM has more than one kind of answer (days, health, extent, yes/no) and item 7
asks about each substance; its form skips item 5 when item 4 is 0 and item 7 when
item 6 is 0, exactly as the paper form does (those answers count as 0).
"""

from __future__ import annotations

import flet as ft

from iop_companion.domain.measures import (
    BAM_PROGRESS_ITEM,
    BAM_SUBSCALE_KEYS,
    BAM_SUBSTANCES,
    BamResult,
    ItemKind,
    MeasureId,
    MeasureItem,
    MeasureSpec,
    bam_substance_key,
)
from iop_companion.services.measures import SELF_REPORT_MEASURES, MeasureOutcome, complete_measure
from iop_companion.ui import kit
from iop_companion.ui.context import use_care_wording, use_navigator, use_services

# BAM items 4 and 5: heavy-drinking days cannot outnumber drinking days.
ALCOHOL_DAYS_ITEM, HEAVY_DRINKING_ITEM = 4, 5
BAM_SUBSCALE_MAX = 24  # risk and protective: six items of 0-4

# Answers: item number -> code; BAM item 7 -> {substance: code}.
Answers = dict[int, int | dict[str, int]]


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


def answer_list(spec: MeasureSpec, answers: Answers) -> list[int | dict[str, int]]:
    """The answers in item order, skipped items as 0 (an empty mapping for item 7)."""
    skipped = skipped_items(spec, answers)
    values: list[int | dict[str, int]] = []
    for item in spec.items:
        if item.kind is ItemKind.SUBSTANCE_DAYS:
            given = answers.get(item.number)
            values.append({} if item.number in skipped or not isinstance(given, dict)
                          else dict(given))
        else:
            given = answers.get(item.number)
            values.append(0 if item.number in skipped else int(given))  # type: ignore[arg-type]
    return values


@ft.component
def MeasureScreen(measure: MeasureId) -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    spec = SELF_REPORT_MEASURES[measure]
    answers, set_answers = ft.use_state(dict)
    missing, set_missing = ft.use_state(False)
    outcome, set_outcome = ft.use_state(None)

    def answer(number: int, value: str) -> None:
        updated = {**answers, number: int(value)}
        set_answers(updated)
        if not unanswered(spec, updated):
            set_missing(False)  # every question answered: the reminder has done its job

    def answer_substance(number: int, substance: str, value: str) -> None:
        current = answers.get(number)
        per_substance = dict(current) if isinstance(current, dict) else {}
        per_substance[substance] = int(value)
        updated = {**answers, number: per_substance}
        set_answers(updated)
        if not unanswered(spec, updated):
            set_missing(False)

    def save() -> None:
        if unanswered(spec, answers) or heavy_drinking_too_high(spec, answers):
            set_missing(True)
            return
        store = services.account.store
        if store is None:
            navigator.lock()
            return
        done: MeasureOutcome = complete_measure(store, measure, answer_list(spec, answers),
                                                services.clock())
        navigator.data_changed()
        navigator.sync_soon()
        if done.start_safety_flow:
            navigator.replace("safety_flow")
            return
        set_outcome(done)

    if outcome is not None:
        return MeasureResultView(spec, outcome)

    skipped = skipped_items(spec, answers)
    open_items = unanswered(spec, answers)
    questions: list[ft.Control] = []
    for item in spec.items:
        if item.number in skipped:
            questions.append(kit.body(t("questionnaire.bam.skipped", number=item.number),
                                      muted=True, size=13))
            continue
        if item.kind is ItemKind.SUBSTANCE_DAYS:
            questions.append(_substance_question(t, item, answers.get(item.number),
                                                 answer_substance, show_missing=missing))
        else:
            chosen = answers.get(item.number)
            questions.append(kit.choice_chips(
                t("questionnaire.question", number=item.number, text=t(item.text_key)),
                [(str(o.value), t(o.label_key)) for o in item.options],
                None if chosen is None else str(chosen),
                lambda value, n=item.number: answer(n, value),
                short_name=t("questionnaire.question.short", number=item.number)))
            if missing and item.number in open_items:
                questions.append(kit.message(t("checkin.error.choose_one")))
        if item.number == HEAVY_DRINKING_ITEM and heavy_drinking_too_high(spec, answers):
            questions.append(kit.message(t("questionnaire.error.more_than_alcohol_days")))
    return kit.screen(
        kit.heading(t(spec.title_key)),
        kit.body(t(spec.instructions_key)),
        *questions,
        kit.message(t("questionnaire.error.answer_all") if missing and open_items else None),
        ft.Row([kit.primary_button(t("questionnaire.save"), save, ft.Icons.CHECK),
                kit.text_button(t("common.cancel"), navigator.back)], wrap=True),
    )


def _substance_question(t, item: MeasureItem, given: object, on_answer, *,
                        show_missing: bool) -> ft.Control:
    """BAM item 7: the same days question for each substance, each named for a screen reader."""
    per_substance = given if isinstance(given, dict) else {}
    rows: list[ft.Control] = [ft.Text(t("questionnaire.question", number=item.number,
                                        text=t(item.text_key)),
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
    """The three subscales and item 17 in plain words: what each means, no grading."""
    progress_item = spec.items[BAM_PROGRESS_ITEM - 1]
    progress_answer = next(t(o.label_key) for o in progress_item.options
                           if o.value == result.progress)
    use_text = t("questionnaire.bam.use.some" if result.use else "questionnaire.bam.use.none")
    return [
        kit.card(kit.subheading(t(BAM_SUBSCALE_KEYS["use"])), kit.body(use_text)),
        kit.card(kit.subheading(t(BAM_SUBSCALE_KEYS["protective"])),
                 kit.body(t("questionnaire.bam.protective", score=result.protective,
                            max=BAM_SUBSCALE_MAX))),
        kit.card(kit.subheading(t(BAM_SUBSCALE_KEYS["risk"])),
                 kit.body(t("questionnaire.bam.risk", score=result.risk, max=BAM_SUBSCALE_MAX))),
        kit.card(kit.subheading(t(BAM_SUBSCALE_KEYS["progress"])),
                 kit.body(t("questionnaire.bam.progress", answer=progress_answer.lower()))),
        kit.body(t("questionnaire.bam.talk")),
    ]
