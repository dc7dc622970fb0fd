"""What a clinician reads about the clinic's participants, and the few writes around them:
the list with each participant's status at a glance, adding a participant, an enrolment
code with its link and QR code, the participant's devices, check-ins over time, the
plans they share, and lapse reviews.

Participant text (notes, plan items) is returned exactly as the app sent it.
"""

# Every class here is a pydantic model, which copies a mutable default for each
# instance; ruff cannot tell through a base class imported from another module.
# ruff: noqa: RUF012

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from iop_companion.sync.protocol.clinician import SharedRecordView
from iop_companion.sync.protocol.common import PrintableLine, _Request, _Response

# Paging of the participant list: `?cursor=<the previous page's next>&limit=<1..MAX>`.
DEFAULT_PARTICIPANTS_PAGE = 50
MAX_PARTICIPANTS_PAGE = 200
# Check-ins: without `from`, the four weeks up to `to` (today in the clinic's time zone).
DEFAULT_CHECK_IN_DAYS = 28
MAX_CHECK_IN_DAYS = 366

# Dates a clinician types: nothing in this program happens outside these years, and a
# date near year 1 or 9999 would overflow the day arithmetic behind the answers.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
DATE_RANGE_MESSAGE = "must be a date between 2000 and 2099"


def date_in_range(value: date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def _sane_date(value: date | None) -> date | None:
    if value is not None and not date_in_range(value):
        raise PydanticCustomError("date_range", DATE_RANGE_MESSAGE)
    return value


# --- The participant list ---------------------------------------------------------------


class MeasureSnapshot(_Response):
    """The newest PHQ-9 or GAD-7 result: the clinic's own score of its answers."""

    total: int | None
    band: str | None  # "minimal", "mild", "moderate", "moderately_severe", "severe"
    completed_at: AwareDatetime | None  # the phone's clock; null if it sent no valid time
    received_at: AwareDatetime  # the clinic's clock


ParticipantStatusName = Literal["enrolled", "discharged"]


class ParticipantStatus(_Response):
    """One participant at a glance. Days are whole days of the clinic's calendar."""

    id: UUID
    display_name: str
    program_start: date | None
    program_end: date | None
    discharged_on: date | None
    # "discharged" from the discharge date on (a later date: still "enrolled").
    status: ParticipantStatusName
    active_devices: int  # enrolled phones that are not disconnected
    # The latest time one of their phones talked to the clinic (signed in with its
    # tokens or sent a record); null if none ever did.
    last_sync_at: AwareDatetime | None
    # The day of the newest check-in (the phone's own calendar day); null if none.
    last_check_in_on: date | None
    open_alerts: int  # safety alerts not yet acknowledged
    phq9: MeasureSnapshot | None
    gad7: MeasureSnapshot | None
    # Days since the latest day of reported use (a check-in saying so, or a lapse
    # review's day); null if they never reported any.
    days_since_use: int | None
    # Days since they last saved anything in the app that reached the clinic (a
    # check-in, a questionnaire, a plan, a rating...), by the phone's clock but never
    # later than its arrival; null if nothing ever did.
    days_since_app_used: int | None
    created_at: AwareDatetime  # added to the clinic


class ParticipantsResponse(_Response):
    participants: list[ParticipantStatus]  # by name
    next: str | None = None  # pass as `cursor` for the next page; null on the last page


class ParticipantCreateRequest(_Request):
    """A participant added to the clinician's clinic (who then gets an enrolment code)."""

    # The first name or chosen name the app greets them with, as the clinic has it.
    display_name: Annotated[str, Field(min_length=1, max_length=80), PrintableLine]
    program_start: date | None = None
    program_end: date | None = None

    @field_validator("program_start", "program_end")
    @classmethod
    def _in_range(cls, value: date | None) -> date | None:
        return _sane_date(value)

    @field_validator("program_end")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("program_start")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError("program_dates", "must be on or after 'program_start'")
        return value


# --- Enrolment --------------------------------------------------------------------------


class EnrolmentCodeResponse(_Response):
    """A new single-use enrolment code, sent this once (the clinic keeps only a digest)."""

    code: Annotated[str, Field(max_length=16)]  # as shown to people: "ABCD-2345"
    expires_at: AwareDatetime
    # https://<clinic>/enrol#code=ABCD-2345 (sync/protocol/enrolment_link.py), which the
    # QR code holds. Null when the clinic's address is not one the app accepts (see
    # `link_problem`): the code still works, typed with the clinic's address.
    link: str | None
    qr_svg: str | None  # an <svg> element of the QR code of `link`
    link_problem: str | None = None


# --- Devices ----------------------------------------------------------------------------


class DeviceView(_Response):
    id: UUID
    label: str  # what the phone called itself at enrolment
    enrolled_at: AwareDatetime
    # The latest time it signed in with its tokens or sent a record; null if never.
    last_seen_at: AwareDatetime | None
    revoked_at: AwareDatetime | None  # disconnected by the clinic (or replaced)


class DevicesResponse(_Response):
    devices: list[DeviceView]  # newest enrolment first


# --- Check-ins, plans, lapse reviews ----------------------------------------------------


class CheckInView(_Response):
    """One daily check-in as the participant saved it (unanswered scales are null)."""

    record_id: UUID
    day: date  # the phone's calendar day when it was saved
    saved_at: AwareDatetime | None  # the phone's clock
    received_at: AwareDatetime  # the clinic's clock
    mood: int | None  # 0-10
    craving: int | None  # 0-10
    sleep_hours: float | None
    sleep_quality: str | None  # poor, fair, good
    medications: str | None  # yes, no, not_applicable
    used_since_last: bool | None
    substance: str | None = None
    thoughts_of_self_harm: bool = False
    triggers: list[str] = []
    warning_signs: list[str] = []
    skills_used: list[str] = []
    note: str = ""


class CheckInsResponse(_Response):
    from_day: date
    to_day: date
    check_ins: list[CheckInView]  # oldest day first


class ClinicianPlanResponse(_Response):
    """The newest version the participant shared of a plan (safety or relapse
    prevention); null if they never shared it. When they stop sharing, the clinic keeps
    the last version it had, and `plan.saved_at` says when that arrived."""

    plan: SharedRecordView | None


class LapseReviewView(_Response):
    record_id: UUID
    version: int
    happened_on: date | None
    what_happened: str = ""
    what_helped: str = ""
    do_differently: str = ""
    who_i_will_tell: str = ""
    received_at: AwareDatetime


class LapseReviewsResponse(_Response):
    lapse_reviews: list[LapseReviewView]  # the latest day first
