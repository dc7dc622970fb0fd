"""The check-in's optional part drawn from my relapse-prevention plan: choice chips for
triggers met, warning signs noticed and skills used, plus one typed on the day."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from iop_companion.domain.check_in import CHIP_ITEM_MAX, CheckInDraft
from iop_companion.domain.relapse_plan import CheckInChoices
from iop_companion.services.container import AppServices
from iop_companion.ui import kit
from iop_companion.ui.theme import MIN_TOUCH

# (draft field, plan choices attribute, translation key stem)
CHIP_GROUPS = (
    ("triggers", "triggers", "checkin.plan.triggers"),
    ("warning_signs", "warning_signs", "checkin.plan.warning_signs"),
    ("skills_used", "skills", "checkin.plan.skills"),
)


def multi_chips(label: str, options: list[str], chosen: tuple[str, ...],
                on_toggle: Callable[[str], None], *, short_name: str) -> ft.Control:
    """Several-choice chips; a screen reader hears "Trigger: payday", selected or not."""
    def chip(item: str) -> ft.Control:
        picked = item in chosen
        button = ft.FilledTonalButton if picked else ft.OutlinedButton
        face = ft.Text(item, semantics_label=f"{short_name}: {item}")
        return ft.Semantics(
            selected=picked,
            content=button(face, icon=ft.Icons.CHECK if picked else None,
                           on_click=lambda: on_toggle(item),
                           style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=16,
                                                                             vertical=12)),
                           height=None if len(item) > 30 else MIN_TOUCH),
        )

    return ft.Column(
        [ft.Text(label, size=15, weight=ft.FontWeight.W_500),
         ft.Row([chip(item) for item in options], wrap=True, spacing=8, run_spacing=8)],
        spacing=6,
    )


def plan_check_in_section(services: AppServices, choices: CheckInChoices, draft: CheckInDraft,
                          typed: dict[str, ft.MutableRef[str]], field_round: int,
                          toggle: Callable[[str, str], None], add_typed: Callable[[str], None],
                          build_plan: Callable[[], None]) -> list[ft.Control]:
    """Controls for the check-in. `typed` holds the add-one fields' text per draft field;
    `field_round` changes after each add so the emptied field is drawn afresh."""
    t = services.t
    controls: list[ft.Control] = [kit.subheading(t("checkin.plan.title")),
                                  kit.body(t("checkin.plan.intro"), muted=True)]
    if choices.is_empty:
        controls.append(kit.card(
            kit.body(t("checkin.plan.empty")),
            kit.secondary_button(t("checkin.plan.build"), build_plan, ft.Icons.ADD_TASK),
        ))
    for field_name, choice_name, stem in CHIP_GROUPS:
        chosen: tuple[str, ...] = getattr(draft, field_name)
        plan_items = list(getattr(choices, choice_name))
        # Items typed on the day show as chosen chips after the plan's own.
        options = plan_items + [item for item in chosen if item not in plan_items]
        if options:
            controls.append(multi_chips(t(f"{stem}.label"), options, chosen,
                                        lambda item, f=field_name: toggle(f, item),
                                        short_name=t(f"{stem}.short")))
        else:
            controls.append(ft.Text(t(f"{stem}.label"), size=15, weight=ft.FontWeight.W_500))
        controls.append(ft.Row(
            [ft.Container(kit.text_field(t(f"{stem}.add_field"), typed[field_name],
                                         max_length=CHIP_ITEM_MAX,
                                         on_submit=lambda f=field_name: add_typed(f)),
                          expand=True, key=f"{field_name}-{field_round}"),
             kit.icon_action(ft.Icons.ADD_CIRCLE_OUTLINE, t(f"{stem}.add_button"),
                             lambda f=field_name: add_typed(f))],
            vertical_alignment=ft.CrossAxisAlignment.START, wrap=False,
        ))
    return controls
