"""Today: the check-in, the next session, and how the week looks."""

from __future__ import annotations

from datetime import datetime, timedelta

import flet as ft

from iop_companion.domain.aftercare import aftercare_prompt_due, plan_is_empty
from iop_companion.domain.check_in import latest_on_day
from iop_companion.domain.lapse import USE_WINDOW_DAYS, use_day_counts
from iop_companion.domain.schedule import (
    coming_week,
    next_session,
    session_from_record,
)
from iop_companion.services.care_status import care_status
from iop_companion.services.clinic_link import LinkState
from iop_companion.services.measures import measures_due
from iop_companion.ui import kit
from iop_companion.ui.aftercare.view import (
    aftercare_prompt_card,
    next_meeting_line,
    program_ended_card,
)
from iop_companion.ui.context import use_navigator, use_services
from iop_companion.ui.formatting import clock_time, moment_label, sentence_start, time_range
from iop_companion.ui.logs.today import diary_card_button
from iop_companion.ui.practice.today import practice_card
from iop_companion.ui.schedule.view import session_kind_label, status_line
from iop_companion.ui.today.trends import trend_cards


def _greeting_key(hour: int) -> str:
    if hour < 12:
        return "today.greeting.morning"
    if hour < 18:
        return "today.greeting.afternoon"
    return "today.greeting.evening"


@ft.component
def TodayScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    assert store is not None
    zone = services.zone()
    now = services.clock()
    local_now = now.astimezone(zone)
    enrolment = services.clinic.enrolment(store)
    name = (enrolment or {}).get("display_name")
    greeting = t(_greeting_key(local_now.hour))
    greeting = t("today.greeting.named", greeting=greeting, name=name) if name else greeting

    recent = store.check_ins.list_recent(10)
    today_check_in = latest_on_day(recent, local_now.date(), zone)
    if today_check_in:
        check_in_card = kit.card(
            kit.subheading(t("today.checkin.title")),
            kit.body(t("today.checkin.done", time=clock_time(
                services.translator, datetime.fromisoformat(today_check_in["created_at"]), zone))),
            kit.secondary_button(t("today.checkin.again"), lambda: navigator.open("check_in"),
                                 ft.Icons.EDIT_NOTE),
            tone="primary",
        )
    else:
        check_in_card = kit.card(
            kit.subheading(t("today.checkin.title")),
            kit.body(t("today.checkin.prompt")),
            kit.primary_button(t("today.checkin.start"), lambda: navigator.open("check_in"),
                               ft.Icons.CHECK_CIRCLE_OUTLINE),
            tone="primary",
        )

    # Days with and without use over a fixed window: counted side by side, never a streak.
    use_days = use_day_counts(
        store.check_ins.list_since(now - timedelta(days=USE_WINDOW_DAYS + 1)),
        local_now.date(), zone)
    use_days_cards: list[ft.Control] = []
    if use_days.has_check_ins:
        use_days_cards.append(kit.card(
            kit.subheading(t("today.use_days.title", days=use_days.window_days)),
            kit.body(t("today.use_days.counts", without=use_days.days_without_use,
                       used=use_days.days_with_use)),
            kit.body(t("today.use_days.explain"), muted=True, size=13),
            *([kit.text_button(t("today.use_days.look_back"),
                               lambda: navigator.open("lapse_review"), ft.Icons.ROUTE_OUTLINED)]
              if use_days.days_with_use else []),
        ))

    sessions = [session_from_record(r) for r in store.schedule.list_between(
        now - timedelta(days=1), now + timedelta(days=60))]
    upcoming_session = next_session(sessions, now)
    status = services.clinic.status(store)
    if status.state is LinkState.NOT_ENROLLED:
        session_card = kit.card(
            kit.subheading(t("today.next.title")),
            kit.body(t("today.next.not_enrolled")),
            kit.secondary_button(t("today.next.connect"), lambda: navigator.open("connect"),
                                 ft.Icons.LINK),
        )
    elif upcoming_session is None:
        session_card = kit.card(kit.subheading(t("today.next.title")),
                                kit.body(t("today.next.none")))
    else:
        where = (t("schedule.telehealth") if upcoming_session.telehealth
                 else upcoming_session.location)
        session_card = kit.card(
            kit.subheading(t("today.next.title")),
            ft.Text(upcoming_session.title, size=18, weight=ft.FontWeight.W_600),
            kit.body(sentence_start(moment_label(services.translator, upcoming_session.starts_at,
                                                 zone, now))),
            kit.body(f"{session_kind_label(t, upcoming_session.kind)} · "
                     f"{time_range(services.translator, upcoming_session.starts_at, upcoming_session.ends_at, zone)}",
                     muted=True),
            kit.body(f"{where} · {upcoming_session.facilitator}", muted=True),
            kit.text_button(t("today.next.see_all"), lambda: navigator.go_tab("schedule"),
                            ft.Icons.CALENDAR_MONTH),
        )

    due_lines: list[ft.Control] = []
    for item in measures_due(store, now):
        title = t(item.spec.title_key)
        if item.due:
            due_lines.append(kit.secondary_button(
                t("today.measures.start", title=title),
                lambda m=item.measure.value: navigator.open(f"measure_{m}"),
                ft.Icons.ASSIGNMENT_OUTLINED))
        else:
            assert item.last_completed is not None and item.next_due is not None
            due_lines.append(kit.body(t("today.measures.done", title=title, when=moment_label(
                services.translator, item.last_completed, zone, now), next=moment_label(
                services.translator, item.next_due, zone, now)), muted=True))
    care = care_status(store, now)
    # After discharge the questionnaires are the participant's own: no one else sees them.
    measures_card = kit.card(kit.subheading(t("today.measures.title")),
                             kit.body(t("aftercare.ended.measures_explain" if care.discharged
                                        else "today.measures.explain"), muted=True),
                             *due_lines)

    week_cards: list[ft.Control] = []
    if sessions:
        count, hours = coming_week(sessions, now)
        week_cards.append(kit.card(
            kit.subheading(t("today.week.title")),
            kit.body(t("today.week.summary", count=count, hours=f"{hours:g}")),
        ))

    # Near the program's end, and after it: the aftercare plan, and plain words on what
    # discharge means for this app.
    aftercare_plan = store.aftercare_plan.get()
    program_end_cards: list[ft.Control] = []  # news: shown above the day's check-in
    if care.discharged:
        program_end_cards.append(program_ended_card(services, care, navigator=navigator))
    elif aftercare_prompt_due(enrolment, care.today) and plan_is_empty(aftercare_plan):
        program_end_cards.append(aftercare_prompt_card(services, navigator, care))
    meeting_cards: list[ft.Control] = []
    meeting = next_meeting_line(services, aftercare_plan, now, key="aftercare.next_meeting.card")
    if meeting and (care.discharged or aftercare_prompt_due(enrolment, care.today)):
        meeting_cards.append(kit.card(
            kit.subheading(t("aftercare.next_meeting.title")),
            kit.body(meeting),
            kit.text_button(t("aftercare.open"), lambda: navigator.open("aftercare_plan"),
                            ft.Icons.ROUTE_OUTLINED),
        ))

    set_aside = services.account.quarantine_reports()
    warnings: list[ft.Control] = []
    if set_aside:
        warnings.append(kit.card(
            kit.subheading(t("today.set_aside.title")),
            kit.body(t("today.set_aside.body", count=len(set_aside))),
            tone="help",
        ))
    return kit.screen(
        kit.heading(greeting),
        *warnings,
        kit.body(t("today.date", weekday=t(f"weekday.{local_now.weekday()}"),
                   month=t(f"month.{local_now.month}"), day=local_now.day), muted=True),
        *program_end_cards,
        check_in_card,
        diary_card_button(services, navigator, store),
        practice_card(services, navigator, store, now),
        *trend_cards(services.translator, store, zone, now),
        *use_days_cards,
        measures_card,
        *meeting_cards,
        # After discharge, "no sessions planned" is no news: the card above says why.
        *([session_card] if upcoming_session is not None or not care.discharged else []),
        *week_cards,
        status_line(services, status, now, zone),
    )
