"""A questionnaire (PHQ-9 or GAD-7): one question at a time on a scrolling page,
a plain-language result, and the safety flow first when item 9 calls for it."""

from __future__ import annotations

import flet as ft

from iop_companion.domain.measures import MeasureId
from iop_companion.services.measures import SELF_REPORT_MEASURES, MeasureOutcome, complete_measure
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services


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
        if len(updated) == len(spec.items):
            set_missing(False)  # every question answered: the reminder has done its job

    def save() -> None:
        if len(answers) < len(spec.items):
            set_missing(True)
            return
        store = services.account.store
        if store is None:
            navigator.lock()
            return
        done: MeasureOutcome = complete_measure(
            store, measure, [answers[item.number] for item in spec.items], services.clock())
        navigator.data_changed()
        navigator.sync_soon()
        if done.start_safety_flow:
            navigator.replace("safety_flow")
            return
        set_outcome(done)

    if outcome is not None:
        return kit.screen(
            kit.heading(t(spec.title_key)),
            kit.card(kit.subheading(t("questionnaire.result.title")), kit.body(t(outcome.summary_key)),
                     tone="primary"),
            kit.body(t("questionnaire.result.not_a_diagnosis"), muted=True),
            kit.primary_button(t("questionnaire.result.done"), navigator.back, ft.Icons.CHECK),
        )
    questions: list[ft.Control] = []
    for item in spec.items:
        chosen = answers.get(item.number)
        questions.append(kit.choice_chips(
            t("questionnaire.question", number=item.number, text=t(item.text_key)),
            [(str(o.value), t(o.label_key)) for o in item.options],
            None if chosen is None else str(chosen),
            lambda value, n=item.number: answer(n, value),
            short_name=t("questionnaire.question.short", number=item.number)))
        if missing and chosen is None:
            questions.append(kit.message(t("checkin.error.choose_one")))
    return kit.screen(
        kit.heading(t(spec.title_key)),
        kit.body(t(spec.instructions_key)),
        *questions,
        kit.message(t("questionnaire.error.answer_all") if missing else None),
        ft.Row([kit.primary_button(t("questionnaire.save"), save, ft.Icons.CHECK),
                kit.text_button(t("common.cancel"), navigator.back)], wrap=True),
    )
