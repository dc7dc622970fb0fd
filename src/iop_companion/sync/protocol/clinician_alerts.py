"""What clinicians send and are sent about alerts beyond the list itself (which is in
`clinician`): acknowledging one with a note, the list grouped per participant, and the
thresholds of the rules the clinic evaluates (domain/alert_rules.py)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, Field, StrictInt

from iop_companion.domain.alert_rules import THRESHOLD_BOUNDS
from iop_companion.sync.protocol.clinician import ClinicianAlert
from iop_companion.sync.protocol.common import PrintableText, _Request, _Response

ACKNOWLEDGEMENT_NOTE_MAX = 1000


class AlertAcknowledgeRequest(_Request):
    """What the clinician did about the alert, in their words: kept with the alert, with
    who acknowledged it and when. Line breaks are allowed; it cannot be blank."""

    note: Annotated[str, Field(min_length=1, max_length=ACKNOWLEDGEMENT_NOTE_MAX),
                    PrintableText]


# --- Grouped per participant --------------------------------------------------------

# Paging of the grouped list: `?cursor=<the previous page's next>&limit=<1..MAX>` groups.
DEFAULT_ALERT_GROUPS_PAGE = 50
MAX_ALERT_GROUPS_PAGE = 200


class ClinicianAlertGroup(_Response):
    """One participant's open alerts, most urgent first (at most one per trigger)."""

    participant_id: UUID
    participant_name: Annotated[str, Field(max_length=80)]
    priority: int  # the highest priority among them
    latest_at: AwareDatetime  # the clinic's clock, the latest of them
    alerts: list[ClinicianAlert]


class ClinicianAlertGroupsResponse(_Response):
    # Participants with an open alert: the most urgent alert first, then the most recent.
    groups: list[ClinicianAlertGroup]
    next: str | None = None  # pass as `cursor` for the next page; null on the last page


# --- Thresholds -----------------------------------------------------------------------

def _threshold(name: str) -> Any:
    """A whole number within the bounds the domain sets for threshold `name`."""
    low, high = THRESHOLD_BOUNDS[name]
    return Annotated[StrictInt, Field(ge=low, le=high)]


PHQ9_TOTAL = _threshold("phq9_total_at_least")
PHQ9_RISE = _threshold("phq9_rise_at_least")
USE_AFTER_DAYS = _threshold("use_after_days_without")
CRAVING = _threshold("craving_at_least")
CRAVING_DAYS = _threshold("craving_days_running")
DAYS_WITHOUT_CHECK_IN = _threshold("days_without_check_in")
MISSED_SESSIONS = _threshold("missed_sessions_in_a_row")


class AlertThresholdsRequest(_Request):
    """The clinic's thresholds for the alerts it raises itself. A value left out (or
    null) is the program's default; every PUT replaces them all. Safety flags and
    PHQ-9 item 9 have no threshold: they always alert."""

    phq9_total_at_least: PHQ9_TOTAL | None = None  # a PHQ-9 total of this or more
    phq9_rise_at_least: PHQ9_RISE | None = None  # points up since the previous PHQ-9
    use_after_days_without: USE_AFTER_DAYS | None = None  # use after this many days without
    craving_at_least: CRAVING | None = None  # a craving (0-10) of this or more...
    craving_days_running: CRAVING_DAYS | None = None  # ...on this many days running
    days_without_check_in: DAYS_WITHOUT_CHECK_IN | None = None  # whole days, no check-in
    missed_sessions_in_a_row: MISSED_SESSIONS | None = None


class AlertThresholdValues(_Response):
    phq9_total_at_least: int
    phq9_rise_at_least: int
    use_after_days_without: int
    craving_at_least: int
    craving_days_running: int
    days_without_check_in: int
    missed_sessions_in_a_row: int


class AlertThresholdsResponse(_Response):
    thresholds: AlertThresholdValues  # what the clinic's rules use now
    defaults: AlertThresholdValues  # the program's defaults
    # The lowest and highest value each threshold may be set to.
    bounds: dict[str, tuple[int, int]]
