"""Schedule maths: what is next, what is today, how the week looks. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum
from itertools import groupby
from typing import Any


class SessionKind(str, Enum):
    GROUP = "group"
    INDIVIDUAL = "individual"
    FAMILY = "family"
    MEDICATION = "medication"
    WORKSHOP = "workshop"
    HOLISTIC = "holistic"
    CASE_MANAGEMENT = "case_management"


@dataclass(frozen=True)
class ProgramSession:
    """One scheduled treatment session as the participant sees it."""

    id: str
    kind: SessionKind
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    telehealth: bool
    facilitator: str
    cancelled: bool
    note: str

    @property
    def duration(self) -> timedelta:
        # Subtract in UTC: same-zone aware datetimes subtract wall-clock time across DST.
        return self.ends_at.astimezone(UTC) - self.starts_at.astimezone(UTC)


def _aware(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("Session times must carry a time zone.")
    return moment


def session_from_record(record: dict[str, Any]) -> ProgramSession:
    return ProgramSession(
        id=str(record["id"]),
        kind=SessionKind(record["kind"]),
        title=str(record["title"]),
        starts_at=_aware(record["starts_at"]),
        ends_at=_aware(record["ends_at"]),
        location=str(record.get("location") or ""),
        telehealth=bool(record.get("telehealth")),
        facilitator=str(record.get("facilitator") or ""),
        cancelled=record.get("status") == "cancelled",
        note=str(record.get("note") or ""),
    )


def upcoming(sessions: Iterable[ProgramSession], now: datetime) -> list[ProgramSession]:
    """Sessions that have not ended yet, soonest first (cancelled ones included, marked)."""
    return sorted((s for s in sessions if s.ends_at > now), key=lambda s: s.starts_at)


def next_session(sessions: Iterable[ProgramSession], now: datetime) -> ProgramSession | None:
    """The next session that will actually happen (not cancelled, not yet over)."""
    for session in upcoming(sessions, now):
        if not session.cancelled:
            return session
    return None


def local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def group_by_day(sessions: Iterable[ProgramSession],
                 zone: tzinfo) -> list[tuple[date, list[ProgramSession]]]:
    ordered = sorted(sessions, key=lambda s: s.starts_at)
    return [(day, list(items))
            for day, items in groupby(ordered, key=lambda s: local_day(s.starts_at, zone))]


def coming_week(sessions: Iterable[ProgramSession],
                now: datetime) -> tuple[int, float]:
    """Sessions and hours of (not cancelled) treatment in the next seven days."""
    horizon = now + timedelta(days=7)
    planned = [s for s in sessions if not s.cancelled and now <= s.starts_at < horizon]
    hours = sum((s.duration for s in planned), timedelta()).total_seconds() / 3600
    return len(planned), round(hours, 1)
