"""Schedule maths: what is next, what is today, how the week looks. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum
from itertools import groupby
from typing import Any
from urllib.parse import urlsplit


class SessionKind(str, Enum):
    GROUP = "group"
    INDIVIDUAL = "individual"
    FAMILY = "family"
    MEDICATION = "medication"
    WORKSHOP = "workshop"
    HOLISTIC = "holistic"
    CASE_MANAGEMENT = "case_management"


class SessionState(str, Enum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


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
    # What the app knows of the session's history (the store keeps it; see
    # ScheduleRepository): how many times the clinic changed it since this phone first
    # saw it, and the times it had before the clinic last moved it (None: never moved).
    revision: int = 0
    previous_starts_at: datetime | None = None
    previous_ends_at: datetime | None = None

    @property
    def duration(self) -> timedelta:
        # Subtract in UTC: same-zone aware datetimes subtract wall-clock time across DST.
        return self.ends_at.astimezone(UTC) - self.starts_at.astimezone(UTC)

    @property
    def moved(self) -> bool:
        """The clinic changed its time since this phone first saw it."""
        return self.previous_starts_at is not None and (
            self.previous_starts_at != self.starts_at or self.previous_ends_at != self.ends_at)

    @property
    def state(self) -> SessionState:
        if self.cancelled:
            return SessionState.CANCELLED  # a cancelled session's old time no longer matters
        return SessionState.MOVED if self.moved else SessionState.SCHEDULED

    @property
    def join_link(self) -> str | None:
        """The telehealth link to join by, when the clinic wrote one as the place.

        The portal's field is "Place or telehealth link"; only a whole https address is
        taken as a link, so "Video call (link sent by text)" stays a place to read.
        """
        if not self.telehealth or self.cancelled:
            return None
        text = self.location.strip()
        if not text or any(ch.isspace() for ch in text):
            return None
        parts = urlsplit(text)
        return text if parts.scheme == "https" and parts.netloc else None


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
        revision=int(record.get("revision") or 0),
        previous_starts_at=(_aware(record["previous_starts_at"])
                            if record.get("previous_starts_at") else None),
        previous_ends_at=(_aware(record["previous_ends_at"])
                          if record.get("previous_ends_at") else None),
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


# How far back the schedule screen looks (on request): the last two weeks.
PAST_DAYS = 14


@dataclass(frozen=True)
class ScheduleDay:
    day: date  # in the participant's zone
    sessions: list[ProgramSession]


@dataclass(frozen=True)
class ScheduleView:
    """What the schedule screen shows: today first (even when it has no sessions), then
    each later day with sessions, soonest first; and the past days, latest first."""

    today: ScheduleDay
    coming: list[ScheduleDay]
    past: list[ScheduleDay]


def schedule_view(sessions: Iterable[ProgramSession], now: datetime, zone: tzinfo, *,
                  past_days: int = PAST_DAYS) -> ScheduleView:
    """Sessions by day in `zone` (the participant's), today first.

    Today holds every session of today, over or not (the day is still today); a past
    day is one of the `past_days` days before today. Older sessions are left out.
    """
    today = local_day(now, zone)
    oldest = today - timedelta(days=past_days)
    days = group_by_day(sessions, zone)
    today_sessions = next((items for day, items in days if day == today), [])
    return ScheduleView(
        today=ScheduleDay(today, today_sessions),
        coming=[ScheduleDay(day, items) for day, items in days if day > today],
        past=[ScheduleDay(day, items) for day, items in reversed(days)
              if oldest <= day < today],
    )


def calendar_sessions(sessions: Iterable[ProgramSession],
                      now: datetime) -> list[ProgramSession]:
    """What goes into a calendar file: every session not yet over, soonest first,
    cancelled ones too (so a calendar that has it marks it cancelled)."""
    return upcoming(sessions, now)
