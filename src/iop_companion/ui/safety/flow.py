"""The safety flow: one screen, whatever started it (a check-in answer, a PHQ-9 item 9
answer, or the person asking for support). Crisis lines first, then the person's own
safety plan step by step, then a true sentence about who has been told.

It also opens, without the PIN, when the person comes back from a call or text they
started here or on Get help (the crisis grace period): then it shows the copy of the
plan and clinic line kept in memory at the lock, and a way to unlock the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import flet as ft

from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.care_status import care_status
from iop_companion.services.container import AppServices
from iop_companion.services.crisis_card import CrisisCard
from iop_companion.services.safety import FlagReach, SentFlag, last_flag
from iop_companion.services.support_response import clinic_response_hours
from iop_companion.store import Store
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services
from iop_companion.ui.formatting import clock_time
from iop_companion.ui.people.view import people_lines, person_actions, plan_line
from iop_companion.ui.safety.crisis import crisis_contact_cards, plan_has_steps, safety_plan_steps

# Which of My people go under which step of the safety plan.
PEOPLE_STEPS = {"people_to_ask": "support", "professionals": "professional"}


def response_sentence(services: AppServices, store: Store) -> str | None:
    """The clinic's own promise about when it reaches out, when it has stated one."""
    hours = clinic_response_hours(store)
    if hours is None:
        return None
    return services.t("safety_flow.response_hours" if hours != 1 else "safety_flow.response_hour",
                      hours=hours)


def flag_status_sentence(services: AppServices, store: Store, sent: SentFlag | None,
                         reach: FlagReach) -> str:
    """Who has been told, truthfully, for the flag just raised."""
    t = services.t
    profile = services.clinic.profile(store) or {}
    clinic = profile.get("name") or t("safety_flow.your_clinic")
    if reach is FlagReach.NOT_ENROLLED:
        return t("safety_flow.no_clinic")
    if reach is FlagReach.DISCHARGED:
        return t("safety_flow.discharged", clinic=clinic)
    if reach is FlagReach.DISCONNECTED:
        return t("safety_flow.disconnected", clinic=clinic)
    if reach is FlagReach.NOT_SAVED:
        return t("safety_flow.not_saved", clinic=clinic)
    if sent is not None and sent.received_at is not None:
        text = t("safety_flow.received", clinic=clinic,
                 time=clock_time(services.translator, sent.received_at, services.zone()))
    else:
        text = t("safety_flow.waiting", clinic=clinic)
    promise = response_sentence(services, store)
    return f"{text} {promise}" if promise else text


def _status_for_this_flow(services: AppServices, store: Store) -> str | None:
    outcome = services.safety.last
    if outcome is None:
        return None  # opened without raising a flag (e.g. back from a call): say nothing
    sent = last_flag(store)
    if sent is not None and outcome.flag_id != sent.flag_id:
        sent = None
    return flag_status_sentence(services, store, sent, outcome.reach)


@ft.component
def SafetyFlowScreen(unlock: Callable[[], None] | None = None) -> ft.Control:
    """`unlock` is given when the screen shows over the lock (crisis grace period)."""
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    contacts = services.crisis_contacts()
    plan: dict[str, Any] | None
    card: CrisisCard | None = None
    if store is not None:
        plan = store.safety_plan.get()
        status = _status_for_this_flow(services, store)
    else:
        card = services.locked_help.card(in_grace=services.account.in_crisis_grace)
        plan = card.plan if card is not None else None
        status = None
    controls: list[ft.Control] = [
        kit.heading(t("safety_flow.title")),
        kit.body(t("safety_flow.intro")),
        *crisis_contact_cards(services, contacts),
    ]
    if status:
        # Who has been told, right under the lines to call: never buried below the plan.
        # Not told (no clinic, disconnected, not saved): as prominent as the lines to call.
        told = services.safety.last is not None and services.safety.last.clinic_will_see_it
        controls.append(ft.Semantics(live_region=True, content=kit.card(
            kit.body(status), tone="surface" if told else "help")))
    controls += plan_section(services, plan, card, navigator=None if store is None else navigator)
    if unlock is not None:
        controls += [kit.body(t("safety_flow.grace_note"), muted=True, size=13),
                     kit.secondary_button(t("safety_flow.unlock"), unlock, ft.Icons.LOCK_OPEN)]
    controls.append(kit.body(t("help.not_monitored"), muted=True, size=13))
    return kit.screen(*controls)


def plan_section(services: AppServices, plan: dict[str, Any] | None, card: CrisisCard | None,
                 *, navigator: Navigator | None) -> list[ft.Control]:
    """The plan's steps with My people (with call and text) under steps 4 and 5: from the
    store when unlocked, from the crisis card while locked (`card`). With `navigator`
    and no plan yet, an invitation to start one."""
    t = services.t
    reach_out = services.account.begin_crisis_grace
    if card is not None:
        people = {step: [ft.Column([kit.body(person["name"]),
                                    person_actions(services, person, on_reach_out=reach_out)],
                                   spacing=4, tight=True)
                         for person in card.people_of(kind)]
                  for step, kind in PEOPLE_STEPS.items()}
    else:
        people = {step: people_lines(services, kind, on_reach_out=reach_out)
                  for step, kind in PEOPLE_STEPS.items()}
    if plan_has_steps(plan) or any(people.values()):
        return [kit.subheading(t("help.safety_plan.title")),
                *safety_plan_steps(services, plan, extra=people,
                                   line=lambda item: plan_line(services, item,
                                                               on_reach_out=reach_out))]
    if navigator is None:
        return []
    return [kit.card(
        kit.subheading(t("safety_flow.no_plan.title")),
        kit.body(t("safety_flow.no_plan.body")),
        kit.secondary_button(t("safety_flow.no_plan.make"),
                             lambda: navigator.open("safety_plan_edit"), ft.Icons.SHIELD_OUTLINED),
    )]


def support_request_status(services: AppServices, store: Store,
                           now: datetime) -> str | None:
    """For Get help: what became of the last "Tell my clinic I need support"."""
    sent = last_flag(store)
    if sent is None or sent.trigger is not SafetyTrigger.PARTICIPANT_REQUEST:
        return None
    if not care_status(store, now).clinic_receives_data:
        return None
    return flag_status_sentence(services, store, sent, FlagReach.QUEUED)
