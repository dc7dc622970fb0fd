"""My aftercare plan: what keeps recovery going once the program ends.

SAMHSA TIP 47 ("Substance Abuse: Clinical Issues in Intensive Outpatient Treatment")
describes continuing care after IOP: step-down therapy, mutual-help meetings,
medication follow-up, people to call, and what to do if warning signs come back. The
participant and the clinic build this plan together as discharge approaches.

Pure rules only: the form as typed -> the record the store keeps, problems in plain
words (translation keys), when the next support meeting is, and whether the program
has ended (discharge).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from iop_companion.domain.safety_plan import lines_to_items

# One item per line, like the other plans. (Meetings are structured rows, below.)
AFTERCARE_LIST_SECTIONS = (
    "continuing_care",
    "medication_follow_up",
    "people_to_call",
    "if_warning_signs_return",
)
# Index = date.weekday(): Monday is 0. The wire format names days in English.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ITEMS_MAX = 30
ITEM_MAX = 500
MEETINGS_MAX = 20
MEETING_NAME_MAX = 120
MEETING_PLACE_MAX = 200
# Aftercare planning starts while there is still time to try meetings out.
PROMPT_DAYS_BEFORE_END = 21
_META_FIELDS = ("id", "created_at", "updated_at", "schema_version")


@dataclass(frozen=True)
class MeetingDraft:
    """One support-group meeting as typed in the form (any field may still be blank)."""

    name: str = ""
    weekday: str | None = None  # one of WEEKDAYS
    time: str = ""  # as typed: "18:30", "6:30 pm", "7 PM"
    place: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.name.strip() or self.weekday or self.time.strip() or self.place.strip())


# "18:30", "6:30 pm", "6.30pm", "7 PM", "7 p.m." (a bare "7" is ambiguous: refused).
_TYPED_TIME = re.compile(
    r"^(?P<hour>\d{1,2})(?:\s*[:.h]\s*(?P<minute>\d{2}))?\s*(?P<half>[ap])?\.?\s*(?:m\.?)?$")


def parse_clock_time(typed: str) -> str | None:
    """A typed time -> 24-hour "HH:MM", or None when it is not a clear time of day."""
    text = typed.strip().lower()
    match = _TYPED_TIME.match(text)
    if not match:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    half = match["half"]
    if half is None and match["minute"] is None:
        return None  # "7" could be morning or evening
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def aftercare_plan_problems(texts: Mapping[str, str],
                            meetings: Sequence[MeetingDraft]) -> dict[str, str]:
    """Field -> translation key of what needs fixing; empty when the plan can be saved.

    Fields are the list sections' names, "meetings" (too many), and
    "meeting.<row>.<name|weekday|time|place>" for a meeting row. Blank rows are ignored.
    """
    problems: dict[str, str] = {}
    for section in AFTERCARE_LIST_SECTIONS:
        items = lines_to_items(texts.get(section, ""))
        if len(items) > ITEMS_MAX:
            problems[section] = "aftercare.error.too_many"
        elif any(len(item) > ITEM_MAX for item in items):
            problems[section] = "aftercare.error.too_long"
    filled = [(row, meeting) for row, meeting in enumerate(meetings) if not meeting.is_blank]
    if len(filled) > MEETINGS_MAX:
        problems["meetings"] = "aftercare.error.too_many_meetings"
    for row, meeting in filled:
        name = meeting.name.strip()
        if not name:
            problems[f"meeting.{row}.name"] = "aftercare.error.meeting_name"
        elif len(name) > MEETING_NAME_MAX or "\n" in name:
            problems[f"meeting.{row}.name"] = "aftercare.error.meeting_name_long"
        if meeting.weekday not in WEEKDAYS:
            problems[f"meeting.{row}.weekday"] = "aftercare.error.meeting_day"
        if parse_clock_time(meeting.time) is None:
            problems[f"meeting.{row}.time"] = "aftercare.error.meeting_time"
        if len(meeting.place.strip()) > MEETING_PLACE_MAX or "\n" in meeting.place.strip():
            problems[f"meeting.{row}.place"] = "aftercare.error.meeting_place_long"
    return problems


def aftercare_plan_record(texts: Mapping[str, str],
                          meetings: Sequence[MeetingDraft]) -> dict[str, Any]:
    """The record the store keeps; call only when `aftercare_plan_problems` is empty."""
    record: dict[str, Any] = {section: lines_to_items(texts.get(section, ""))
                              for section in AFTERCARE_LIST_SECTIONS}
    record["support_meetings"] = [
        {"name": meeting.name.strip(), "weekday": meeting.weekday,
         "time": parse_clock_time(meeting.time), "place": meeting.place.strip()}
        for meeting in meetings if not meeting.is_blank]
    return record


def plan_is_empty(plan: Mapping[str, Any] | None) -> bool:
    return not plan or not any(
        plan.get(section) for section in (*AFTERCARE_LIST_SECTIONS, "support_meetings"))


def plan_content(plan: Mapping[str, Any] | None) -> dict[str, Any]:
    """The plan without its id and timestamps: what two copies must share to be the same."""
    plan = plan or {}
    content: dict[str, Any] = {section: list(plan.get(section) or [])
                               for section in AFTERCARE_LIST_SECTIONS}
    content["support_meetings"] = [
        {"name": m.get("name", ""), "weekday": m.get("weekday"), "time": m.get("time"),
         "place": m.get("place", "")} for m in plan.get("support_meetings") or []]
    return content


def merge_plans(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> dict[str, Any]:
    """Both plans in one, nothing dropped that fits: my items first, then theirs that I
    do not already have (compared ignoring case). For a plan written on the phone while
    the clinic was not receiving it, met by a version the clinic wrote meanwhile."""
    merged: dict[str, Any] = {}
    own, other = plan_content(mine), plan_content(theirs)
    for section in AFTERCARE_LIST_SECTIONS:
        seen = {item.casefold() for item in own[section]}
        extra = [item for item in other[section] if item.casefold() not in seen]
        merged[section] = (own[section] + extra)[:ITEMS_MAX]
    meetings = own["support_meetings"]
    known = {_meeting_key(m) for m in meetings}
    meetings += [m for m in other["support_meetings"] if _meeting_key(m) not in known]
    merged["support_meetings"] = meetings[:MEETINGS_MAX]
    return merged


def _meeting_key(meeting: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(meeting.get("name", "")).casefold(), str(meeting.get("weekday")),
            str(meeting.get("time")))


def meeting_drafts(plan: Mapping[str, Any] | None) -> list[MeetingDraft]:
    """The plan's meetings as form rows (times as stored, "HH:MM")."""
    return [MeetingDraft(name=m.get("name", ""), weekday=m.get("weekday"),
                         time=m.get("time", ""), place=m.get("place", ""))
            for m in (plan or {}).get("support_meetings") or []]


def section_texts(plan: Mapping[str, Any] | None) -> dict[str, str]:
    """The plan's lists as form text, one item per line."""
    return {section: "\n".join((plan or {}).get(section) or [])
            for section in AFTERCARE_LIST_SECTIONS}


# --- when is the next meeting --------------------------------------------------------

@dataclass(frozen=True)
class UpcomingMeeting:
    meeting: dict[str, Any]
    starts_at: datetime  # aware, in the zone `now` was given in


def next_occurrence(weekday: str, clock_time: str, now: datetime) -> datetime:
    """The next start of a weekly meeting at or after `now` (aware; its zone is used)."""
    hour, minute = (int(part) for part in clock_time.split(":"))
    today = now.date()
    days_ahead = (WEEKDAYS.index(weekday) - today.weekday()) % 7
    for extra_weeks in (0, 1):
        day = today + timedelta(days=days_ahead + 7 * extra_weeks)
        start = datetime.combine(day, time(hour, minute), tzinfo=now.tzinfo)
        if start >= now:
            return start
    raise AssertionError("unreachable: a week later is always after now")


def next_meeting(plan: Mapping[str, Any] | None, now: datetime) -> UpcomingMeeting | None:
    """The plan's soonest meeting from `now` on (ties: the one listed first)."""
    upcoming: UpcomingMeeting | None = None
    for meeting in (plan or {}).get("support_meetings") or []:
        if meeting.get("weekday") not in WEEKDAYS or parse_clock_time(
                str(meeting.get("time", ""))) is None:
            continue  # a copy from elsewhere that does not say when: skip, never crash
        starts = next_occurrence(meeting["weekday"], meeting["time"], now)
        if upcoming is None or starts < upcoming.starts_at:
            upcoming = UpcomingMeeting(dict(meeting), starts)
    return upcoming


# --- the program's end and discharge -------------------------------------------------

def _iso_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def discharge_date(enrolment: Mapping[str, Any] | None) -> date | None:
    """The day the clinic discharged (or will discharge) the participant, if set."""
    return _iso_date((enrolment or {}).get("discharged_on"))


def program_end_date(enrolment: Mapping[str, Any] | None) -> date | None:
    return _iso_date((enrolment or {}).get("program_end"))


def is_discharged(enrolment: Mapping[str, Any] | None, today: date) -> bool:
    """Whether the program has ended for this participant: the clinic set a discharge
    day and it has come. (A discharge set for a later day is not in effect yet.)"""
    discharged_on = discharge_date(enrolment)
    return discharged_on is not None and discharged_on <= today


def aftercare_prompt_due(enrolment: Mapping[str, Any] | None, today: date) -> bool:
    """Whether Today should invite the participant to build their aftercare plan: the
    program ends within three weeks (or has ended), or a discharge day is set."""
    if enrolment is None:
        return False
    if discharge_date(enrolment) is not None:
        return True
    end = program_end_date(enrolment)
    return end is not None and (end - today).days <= PROMPT_DAYS_BEFORE_END
