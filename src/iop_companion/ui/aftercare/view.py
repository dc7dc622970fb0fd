"""My aftercare plan (view and edit), and the words the app uses once the program ends.

Content follows SAMHSA TIP 47 on continuing care after IOP: step-down therapy,
mutual-help meetings, medication follow-up, people to call, and what to do if warning
signs come back. Nothing here diagnoses.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

import flet as ft
from flet.components.hooks.use_ref import MutableRef  # not exported as ft.MutableRef

from iop_companion.domain.aftercare import (
    AFTERCARE_LIST_SECTIONS,
    ITEM_MAX,
    MEETINGS_MAX,
    WEEKDAYS,
    MeetingDraft,
    aftercare_plan_problems,
    aftercare_plan_record,
    meeting_drafts,
    next_meeting,
    plan_content,
    plan_is_empty,
    section_texts,
)
from iop_companion.platform.links import tel_uri
from iop_companion.services.aftercare import save_aftercare_plan
from iop_companion.services.care_status import CareStatus, care_status
from iop_companion.services.container import AppServices
from iop_companion.services.errors import SaveFailed
from iop_companion.ui import kit
from iop_companion.ui.context import Navigator, use_navigator, use_services
from iop_companion.ui.formatting import moment_label, sentence_start
from iop_companion.ui.people.view import my_people_note, people_lines, plan_line

# The editor's draft (services.drafts), kept across a lock and while the person steps
# away (Get help now, My people), named like the page the shell reopens.
AFTERCARE_DRAFT = "aftercare_plan_edit"
# An icon per list, so each card is easy to find again at a glance.
SECTION_ICONS = {
    "continuing_care": ft.Icons.HEALING_OUTLINED,
    "medication_follow_up": ft.Icons.MEDICATION_OUTLINED,
    "people_to_call": ft.Icons.CALL_OUTLINED,
    "if_warning_signs_return": ft.Icons.TRAFFIC_OUTLINED,
}
# Lists that also show My people (typed once, with call and text): the professionals
# with the ongoing care, the support people with the people to call.
MY_PEOPLE_SECTIONS = {"continuing_care": "professional", "people_to_call": "support"}


# --- words shared with Today, Settings and Help ---------------------------------------

def clock_text(services: AppServices, hhmm: str) -> str:
    """"18:30" as this language writes a time of day: "6:30 PM" in English."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    if services.translator.locale == "en":
        return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
    return f"{hour}:{minute:02d}"


def weekday_name(services: AppServices, weekday: str) -> str:
    return services.t(f"weekday.{WEEKDAYS.index(weekday)}")


def meeting_when(services: AppServices, meeting: Mapping[str, Any]) -> str:
    return services.t("aftercare.meeting.every", weekday=weekday_name(services, meeting["weekday"]),
                      time=clock_text(services, meeting["time"]))


def clinic_contact_lines(services: AppServices, note_key: str) -> list[ft.Control]:
    """How to reach the clinic now that the app no longer tells them anything: a note
    (`note_key`, which may name the clinic's {phone}), then a button that calls them (a
    real call, which works from anywhere)."""
    store = services.account.store
    profile = (services.clinic.profile(store) if store is not None else None) or {}
    phone = str(profile.get("phone") or "")
    controls: list[ft.Control] = [kit.body(services.t(note_key, phone=phone or "-"))]
    if phone:
        try:
            controls.append(ft.Row([kit.link_button(
                services.t("ended.call_clinic", clinic=profile.get("name", "")),
                tel_uri(phone), ft.Icons.CALL)]))
        except ValueError:
            pass  # not a dialable number: nothing to tap
    return controls


def long_date(services: AppServices, day: date) -> str:
    t = services.t
    return t("date.long", weekday=t(f"weekday.{day.weekday()}"), month=t(f"month.{day.month}"),
             day=day.day)


def discharge_note(services: AppServices, care: CareStatus) -> str:
    """"Your program ended on Monday, November 23. Your clinic no longer receives..." """
    t = services.t
    ended = t("ended.on", day=long_date(services, care.discharged_on)) if care.discharged_on else ""
    return f"{ended} {t('ended.no_data')}".strip()


def program_ended_card(services: AppServices, care: CareStatus, *,
                       navigator: Navigator | None = None) -> ft.Control:
    """Plain, kind words for after discharge (Today and Settings). With `navigator`,
    a way to the aftercare plan too."""
    t = services.t
    lines: list[ft.Control] = [
        kit.subheading(t("ended.title")),
        kit.body(discharge_note(services, care)),
        kit.body(t("ended.keeps_working")),
        *clinic_contact_lines(services, "ended.reach"),
    ]
    if navigator is not None:
        lines.append(kit.secondary_button(t("aftercare.open"),
                                          lambda: navigator.open("aftercare_plan"),
                                          ft.Icons.ROUTE_OUTLINED))
    return kit.card(*lines, tone="primary")


def next_meeting_line(services: AppServices, plan: Mapping[str, Any] | None, now: datetime, *,
                      key: str = "aftercare.next_meeting") -> str | None:
    """"Next: SMART Recovery, Tuesday, November 24 at 6:30 PM." (None: no meetings)."""
    zone = services.zone()
    upcoming = next_meeting(plan, now.astimezone(zone))
    if upcoming is None:
        return None
    return services.t(key, name=upcoming.meeting["name"],
                      when=moment_label(services.translator, upcoming.starts_at, zone, now))


# --- the plan ----------------------------------------------------------------------

def _card_heading(title: str, icon: ft.IconData) -> ft.Control:
    return ft.Row([ft.Icon(icon, color=ft.Colors.PRIMARY),
                   ft.Container(kit.subheading(title), expand=True)], spacing=8)


@ft.component
def AftercarePlanScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    if store is None:
        return kit.screen(kit.body(t("help.locked_note"), muted=True))
    now = services.clock()
    care = care_status(store, now)
    plan = store.aftercare_plan.get()
    source = kit.body(t("aftercare.source"), muted=True, size=13)
    if plan_is_empty(plan):
        return kit.screen(
            kit.heading(t("aftercare.title")),
            kit.empty_state(
                ft.Icons.ROUTE_OUTLINED, t("aftercare.empty.title"), t("aftercare.empty.body"),
                kit.primary_button(t("aftercare.build"),
                                   lambda: navigator.open("aftercare_plan_edit"), ft.Icons.EDIT),
            ),
            kit.body(t("aftercare.about"), muted=True, size=13),
            source,
        )
    assert plan is not None
    meetings = plan.get("support_meetings") or []
    meeting_lines: list[ft.Control] = []
    for meeting in meetings:
        details = meeting_when(services, meeting)
        if meeting.get("place"):
            details = f"{details} · {meeting['place']}"
        meeting_lines.append(ft.Column([
            ft.Text(meeting["name"], size=16, weight=ft.FontWeight.W_600),
            kit.body(details, muted=True),
        ], spacing=2, tight=True))
    upcoming = next_meeting_line(services, plan, now)
    meetings_card = kit.card(
        _card_heading(t("aftercare.section.support_meetings"), ft.Icons.GROUPS_OUTLINED),
        *(meeting_lines or [kit.body(t("aftercare.section_empty"), muted=True)]),
        *([kit.body(upcoming)] if upcoming else []),
    )

    def list_card(section: str) -> ft.Control:
        items = plan.get(section) or []
        kind = MY_PEOPLE_SECTIONS.get(section)
        people = people_lines(services, kind) if kind else []
        return kit.card(
            _card_heading(t(f"aftercare.section.{section}"), SECTION_ICONS[section]),
            *([plan_line(services, item) for item in items] + people
              or [kit.body(t("aftercare.section_empty"), muted=True)]),
            *([kit.text_button(t("people.open"), lambda: navigator.open("people"),
                               ft.Icons.PEOPLE_OUTLINE)] if kind else []),
        )

    if care.clinic_receives_data:
        note = t("aftercare.shared_note")
    elif care.discharged:
        note = t("aftercare.discharged_note")
    else:
        note = t("aftercare.local_note")
    return kit.screen(
        kit.heading(t("aftercare.title")),
        kit.body(t("aftercare.intro"), muted=True),
        list_card("continuing_care"),
        meetings_card,
        *[list_card(section) for section in AFTERCARE_LIST_SECTIONS[1:]],
        kit.body(note, muted=True, size=13),
        kit.secondary_button(t("aftercare.edit.open"),
                             lambda: navigator.open("aftercare_plan_edit"),
                             ft.Icons.EDIT_OUTLINED),
        source,
    )


# --- editing -----------------------------------------------------------------------

@dataclass
class _MeetingRow:
    """One meeting being typed. The refs hold the text without a re-render per key."""

    key: str
    name: MutableRef[str]
    weekday: MutableRef[str | None]
    time: MutableRef[str]
    place: MutableRef[str]

    @classmethod
    def from_draft(cls, draft: MeetingDraft, services: AppServices) -> _MeetingRow:
        typed_time = clock_text(services, draft.time) if draft.time else ""
        return cls.as_typed(replace(draft, time=typed_time))

    @classmethod
    def as_typed(cls, draft: MeetingDraft) -> _MeetingRow:
        """A row holding `draft` as it was typed (its time too)."""
        return cls(uuid.uuid4().hex, MutableRef(draft.name), MutableRef(draft.weekday),
                   MutableRef(draft.time), MutableRef(draft.place))

    def draft(self) -> MeetingDraft:
        return MeetingDraft(name=self.name.current or "", weekday=self.weekday.current,
                            time=self.time.current or "", place=self.place.current or "")


@dataclass
class _PlanForm:
    """What the person has typed. Kept as an encrypted draft (`services.drafts`, see
    `form_snapshot`) just before a lock and when the form is left unfinished, so opening
    Get help now (or the app locking) and coming back loses nothing."""

    sections: dict[str, MutableRef[str]]
    meetings: list[_MeetingRow]
    based_on: str | None  # the saved plan's updated_at when editing started
    base_content: dict[str, Any]  # and what it held (plan_content)
    resumed: bool = False
    round: int = 0  # bumped to draw the form again (a row added or removed, a day chosen)

    def texts(self) -> dict[str, str]:
        return {section: ref.current or "" for section, ref in self.sections.items()}

    def meeting_drafts(self) -> list[MeetingDraft]:
        return [row.draft() for row in self.meetings]


def _new_form(services: AppServices, plan: Mapping[str, Any] | None) -> _PlanForm:
    texts = section_texts(plan)
    rows = [_MeetingRow.from_draft(d, services) for d in meeting_drafts(plan)]
    if not rows:
        rows.append(_MeetingRow.from_draft(MeetingDraft(), services))  # one to start with
    return _PlanForm({s: MutableRef(texts[s]) for s in AFTERCARE_LIST_SECTIONS}, rows,
                     (plan or {}).get("updated_at"), plan_content(plan))


def _is_untouched(form: _PlanForm) -> bool:
    """Nothing typed since the form was opened (left by the back arrow, say)."""
    texts, meetings = form.texts(), form.meeting_drafts()
    return not aftercare_plan_problems(texts, meetings) and plan_content(
        aftercare_plan_record(texts, meetings)) == form.base_content


def form_snapshot(form: _PlanForm) -> dict[str, Any]:
    """What the editor's draft keeps, as JSON: the lists and meeting rows as typed, and
    which saved plan editing started from."""
    return {"sections": form.texts(),
            "meetings": [asdict(meeting) for meeting in form.meeting_drafts()],
            "based_on": form.based_on,
            "base_content": form.base_content}


def _meeting_from_snapshot(kept: Any) -> MeetingDraft | None:
    if not isinstance(kept, Mapping):
        return None
    texts = {name: kept.get(name) for name in ("name", "time", "place")}
    weekday = kept.get("weekday")
    if not all(isinstance(value, str) for value in texts.values()) or (
            weekday is not None and weekday not in WEEKDAYS):
        return None
    return MeetingDraft(name=texts["name"], weekday=weekday, time=texts["time"],
                        place=texts["place"])


def form_from_snapshot(kept: Any) -> _PlanForm | None:
    """A stored draft read back as the form; None when anything in it is malformed
    (then it is ignored and the form starts from the saved plan)."""
    if not isinstance(kept, Mapping):
        return None
    sections, rows = kept.get("sections"), kept.get("meetings")
    based_on, base = kept.get("based_on"), kept.get("base_content")
    if (not isinstance(sections, Mapping) or not isinstance(rows, list)
            or len(rows) > MEETINGS_MAX or not isinstance(base, Mapping)
            or (based_on is not None and not isinstance(based_on, str))):
        return None
    texts = {section: sections.get(section) for section in AFTERCARE_LIST_SECTIONS}
    if not all(isinstance(text, str) for text in texts.values()):
        return None
    meetings = [_meeting_from_snapshot(row) for row in rows]
    if any(meeting is None for meeting in meetings):
        return None
    try:
        base_content = plan_content(base)
    except (AttributeError, TypeError, ValueError):
        return None  # what editing started from cannot be read
    return _PlanForm({s: MutableRef(str(texts[s])) for s in AFTERCARE_LIST_SECTIONS},
                     [_MeetingRow.as_typed(m) for m in meetings if m is not None],
                     based_on, base_content)


def _form_for(services: AppServices, plan: Mapping[str, Any] | None) -> _PlanForm:
    """The form left half-typed earlier (a draft), or a fresh one from the plan."""
    kept = form_from_snapshot(services.drafts.resume(AFTERCARE_DRAFT))
    if kept is not None and not _is_untouched(kept):
        kept.resumed = True
        return kept
    return _new_form(services, plan)


@ft.component
def AftercarePlanEditScreen() -> ft.Control:
    services = use_services()
    navigator = use_navigator()
    t = services.t
    store = services.account.store
    saved = store.aftercare_plan.get() if store is not None else None
    form_ref = ft.use_ref(lambda: _form_for(services, saved))
    form: _PlanForm = form_ref.current
    problems, set_problems = ft.use_state(dict)
    save_error, set_save_error = ft.use_state(None)
    _, set_round = ft.use_state(0)
    finished = ft.use_ref(False)  # saved or cancelled: nothing to keep

    def keep_draft() -> None:
        # Written encrypted just before any lock; read back when the editor reopens.
        services.drafts.keep(AFTERCARE_DRAFT, lambda: form_snapshot(form_ref.current))

    def left_the_screen() -> None:
        # Get help now, My people, the back arrow: what was typed is there next time.
        if finished.current:
            return
        if _is_untouched(form_ref.current):
            services.drafts.finish(AFTERCARE_DRAFT)
        else:
            services.drafts.save_now(AFTERCARE_DRAFT, form_snapshot(form_ref.current))

    ft.use_effect(keep_draft, [], cleanup=left_the_screen)

    def redraw() -> None:
        form.round += 1
        set_round(form.round)

    def choose_day(row: _MeetingRow, weekday: str) -> None:
        row.weekday.current = weekday
        redraw()

    def add_meeting() -> None:
        form.meetings.append(_MeetingRow.from_draft(MeetingDraft(), services))
        redraw()

    def remove_meeting(row: _MeetingRow) -> None:
        form.meetings.remove(row)
        if problems:
            set_problems({})  # row numbers moved: the next save checks again
        redraw()

    def start_again() -> None:
        services.drafts.finish(AFTERCARE_DRAFT)
        form_ref.current = _new_form(services, store.aftercare_plan.get() if store else None)
        keep_draft()  # the new form is the one a lock keeps now
        set_problems({})
        set_save_error(None)
        redraw()

    def cancel() -> None:
        finished.current = True
        services.drafts.finish(AFTERCARE_DRAFT)
        navigator.back()

    def save() -> None:
        texts, meetings = form.texts(), form.meeting_drafts()
        found = aftercare_plan_problems(texts, meetings)
        set_problems(found)
        if found:
            set_save_error(t("checkin.error.fix_above"))
            return
        if store is None:
            navigator.lock()
            return
        try:
            save_aftercare_plan(store, texts, meetings, services.clock())
        except SaveFailed as error:
            set_save_error(t("aftercare.error.save_failed", reason=str(error)))
            return
        finished.current = True
        services.drafts.finish(AFTERCARE_DRAFT)
        navigator.notify(t("aftercare.saved"))
        navigator.data_changed()
        navigator.back()
        navigator.sync_soon()

    def problem(key: str) -> str | None:
        found = problems.get(key)
        return t(found, limit=ITEM_MAX, count=MEETINGS_MAX) if found else None

    def list_field(section: str) -> ft.Control:
        typed = kit.text_field(t(f"aftercare.section.{section}"), form.sections[section],
                               multiline=True, helper=t(f"aftercare.hint.{section}"),
                               error=problem(section))
        kind = MY_PEOPLE_SECTIONS.get(section)
        if kind is None:
            return typed
        # Who is in the plan already from My people; adding someone there keeps this
        # form as typed (a draft, services.drafts).
        return ft.Column([typed, my_people_note(services, kind),
                          ft.Row([kit.text_button(t("people.open"),
                                                  lambda: navigator.open("people"),
                                                  ft.Icons.PEOPLE_OUTLINE)])],
                         spacing=4, tight=True,
                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    def meeting_fields(number: int, row: _MeetingRow) -> ft.Control:
        index = number - 1
        # Like kit.card, but the fields take the card's full width.
        return ft.Semantics(container=True, content=ft.Container(
            key=row.key,  # a removed row's fields never reappear under another row
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW, border_radius=16, padding=16,
            content=ft.Column(tight=True, spacing=10,
                              horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
                kit.subheading(t("aftercare.meeting.heading", number=number)),
                kit.text_field(t("aftercare.meeting.name", number=number), row.name,
                               max_length=120, helper=t("aftercare.meeting.name_hint"),
                               error=problem(f"meeting.{index}.name")),
                kit.choice_chips(t("aftercare.meeting.day", number=number),
                                 [(day, weekday_name(services, day)) for day in WEEKDAYS],
                                 row.weekday.current, lambda day, r=row: choose_day(r, day),
                                 short_name=t("aftercare.meeting.day_short", number=number)),
                kit.message(problem(f"meeting.{index}.weekday")),
                kit.text_field(t("aftercare.meeting.time", number=number), row.time,
                               helper=t("aftercare.meeting.time_hint"),
                               error=problem(f"meeting.{index}.time")),
                kit.text_field(t("aftercare.meeting.place", number=number), row.place,
                               max_length=200, helper=t("aftercare.meeting.place_hint"),
                               error=problem(f"meeting.{index}.place")),
                ft.Row([kit.text_button(t("aftercare.meeting.remove", number=number),
                                        lambda r=row: remove_meeting(r),
                                        ft.Icons.DELETE_OUTLINE)]),
            ]),
        ))

    changed_since = (form.resumed and saved is not None
                     and saved.get("updated_at") != form.based_on)
    notices: list[ft.Control] = []
    if form.resumed:
        notices.append(kit.card(
            kit.body(t("aftercare.edit.resumed_changed" if changed_since
                       else "aftercare.edit.resumed")),
            kit.text_button(t("aftercare.edit.start_again"), start_again, ft.Icons.RESTART_ALT),
        ))
    care = care_status(store, services.clock()) if store is not None else None
    return kit.screen(
        kit.heading(t("aftercare.edit.title")),
        kit.body(t("aftercare.edit.intro"), muted=True),
        *notices,
        list_field("continuing_care"),
        kit.subheading(t("aftercare.section.support_meetings")),
        kit.body(t("aftercare.meeting.intro"), muted=True, size=13),
        *[meeting_fields(number, row) for number, row in enumerate(form.meetings, start=1)],
        kit.message(problem("meetings")),
        *([kit.secondary_button(t("aftercare.meeting.add"), add_meeting, ft.Icons.ADD)]
          if len(form.meetings) < MEETINGS_MAX else []),
        *[list_field(section) for section in AFTERCARE_LIST_SECTIONS[1:]],
        kit.body(t("aftercare.shared_note" if care is not None and care.clinic_receives_data
                   else "aftercare.edit.local_note"), muted=True, size=13),
        kit.message(save_error),
        ft.Row([kit.primary_button(t("aftercare.edit.save"), save, ft.Icons.CHECK),
                kit.text_button(t("common.cancel"), cancel)], wrap=True),
    )


def aftercare_prompt_card(services: AppServices, navigator: Navigator,
                          care: CareStatus) -> ft.Control:
    """Today, as the program's end comes near: a gentle invitation, never a warning."""
    t = services.t
    end = care.program_end
    when = ""
    if end is not None:
        key = "aftercare.prompt.ended" if end < care.today else "aftercare.prompt.ends"
        when = sentence_start(t(key, day=long_date(services, end)))
    return kit.card(
        kit.subheading(t("aftercare.prompt.title")),
        kit.body(f"{when} {t('aftercare.prompt.body')}".strip()),
        kit.primary_button(t("aftercare.build"), lambda: navigator.open("aftercare_plan_edit"),
                           ft.Icons.ROUTE_OUTLINED),
    )
