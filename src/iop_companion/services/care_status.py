"""Is the participant in care with a clinic right now, and does the clinic receive what
they write here?

Connected and not discharged: yes, every record goes to the outbox for the clinic.
After discharge the app keeps working the same for the person (plans, skills, logs,
the safety plan), but queues nothing new: the clinic no longer follows this person
through the app and must not be sent, or seem to be sent, what they write. Entries
queued before discharge still go: they were written in care.

"Today" is the clinic's day (its time zone, when known), since the clinic sets the
discharge day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from iop_companion.domain.aftercare import (
    discharge_date,
    is_discharged,
    program_end_date,
)
from iop_companion.services.clinic_link import ClinicLink
from iop_companion.store import Store


@dataclass(frozen=True)
class CareStatus:
    enrolled: bool
    discharged: bool  # the program has ended: the clinic receives nothing new
    discharged_on: date | None  # set by the clinic; may be a day still to come
    program_end: date | None
    today: date  # the clinic's day when these facts were read

    @property
    def clinic_receives_data(self) -> bool:
        return self.enrolled and not self.discharged


def _clinic_zone(store: Store) -> tzinfo:
    profile = ClinicLink.profile(store) or {}
    name = profile.get("timezone")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            pass
    return datetime.now().astimezone().tzinfo or UTC


def clinic_day(store: Store, now: datetime | None = None) -> date:
    """The day it is at the clinic."""
    return (now or datetime.now(UTC)).astimezone(_clinic_zone(store)).date()


def care_status(store: Store, now: datetime | None = None) -> CareStatus:
    enrolment: dict[str, Any] | None = ClinicLink.enrolment(store)
    today = clinic_day(store, now)
    return CareStatus(
        enrolled=enrolment is not None,
        discharged=is_discharged(enrolment, today),
        discharged_on=discharge_date(enrolment),
        program_end=program_end_date(enrolment),
        today=today,
    )


def clinic_receives_data(store: Store, now: datetime | None = None) -> bool:
    """Whether what the participant writes now should be queued for their clinic:
    connected to one, and not discharged (as of `now`; default: this moment)."""
    return care_status(store, now).clinic_receives_data
