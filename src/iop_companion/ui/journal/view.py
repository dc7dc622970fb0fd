"""Journal: everything the participant has logged, newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import flet as ft

from iop_companion.domain.lapse import LAPSE_REVIEW_FIELDS
from iop_companion.ui import kit
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import moment_label


def _scale(t: Callable[..., str], value: object) -> str:
    """A 0-10 answer as "6/10"; a scale left unanswered says so (never a made-up 0)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return t("journal.scale_answer", value=value)
    return t("journal.not_answered")


@ft.component
def JournalScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    assert store is not None
    zone = services.zone()
    now = services.clock()
    entries = store.check_ins.list_recent(60)
    # My relapse-prevention plan lives beside what I log, and is reachable from here.
    plan_card = kit.card(
        kit.subheading(t("journal.relapse_plan.title")),
        kit.body(t("journal.relapse_plan.body")),
        kit.secondary_button(t("journal.relapse_plan.open"),
                             lambda: navigator.open("relapse_plan"), ft.Icons.ROUTE_OUTLINED),
    )
    # My aftercare plan (for after the program), built with the clinic: next to the other plan.
    aftercare_card = kit.card(
        kit.subheading(t("journal.aftercare.title")),
        kit.body(t("journal.aftercare.body")),
        kit.secondary_button(t("aftercare.open"), lambda: navigator.open("aftercare_plan"),
                             ft.Icons.ROUTE_OUTLINED),
    )
    # My treatment goals, agreed with my therapist: beside the plan, one tap away.
    goals_card = kit.card(
        kit.subheading(t("journal.goals.title")),
        kit.body(t("journal.goals.body")),
        kit.secondary_button(t("journal.goals.open"), lambda: navigator.open("goals"),
                             ft.Icons.FLAG_OUTLINED),
    )
    reviews = [kit.card(
        kit.subheading(t("journal.lapse_heading", when=moment_label(
            services.translator, datetime.fromisoformat(review["created_at"]), zone, now))),
        *[kit.body(f"{t(f'lapse.field.{name}')}: {review[name]}", muted=True)
          for name in LAPSE_REVIEW_FIELDS if review.get(name)],
    ) for review in store.lapse_reviews.list_recent(10)]
    if not entries:
        return kit.screen(
            kit.heading(t("journal.title")),
            plan_card,
            aftercare_card,
            goals_card,
            kit.empty_state(ft.Icons.EDIT_NOTE, t("journal.empty.title"), t("journal.empty.body"),
                            kit.primary_button(t("today.checkin.start"),
                                               lambda: navigator.open("check_in"),
                                               ft.Icons.CHECK_CIRCLE_OUTLINE)),
        )
    cards = []
    for entry in entries:
        when = moment_label(services.translator, datetime.fromisoformat(entry["created_at"]),
                            zone, now)
        lines = [
            kit.subheading(t("journal.checkin_heading", when=when)),
            kit.body(t("journal.checkin_summary", mood=_scale(t, entry.get("mood")),
                       craving=_scale(t, entry.get("craving")),
                       sleep=f"{entry['sleep_hours']:g}",
                       quality=t(f"checkin.sleep.{entry['sleep_quality']}"))),
        ]
        if entry.get("used_since_last"):
            lines.append(kit.body(t("journal.used", substance=entry.get("substance") or
                                    t("journal.used_unspecified")), muted=True))
        if entry.get("note"):
            lines.append(kit.body(entry["note"], muted=True))
        cards.append(kit.card(*lines))
    return kit.screen(
        kit.heading(t("journal.title")),
        kit.body(t("journal.intro"), muted=True),
        plan_card,
        aftercare_card,
        goals_card,
        *reviews,
        *cards,
    )
