"""A fictional demo clinic with one participant, Alex, in a three-day-a-week IOP.

Alex has invited one family member, Sam, to see the education Alex shares.

Everything here is made up: names, the address and the 555-01xx phone numbers,
which are reserved for fiction in the North American numbering plan.
"""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import segno
from sqlalchemy import select
from sqlalchemy.orm import Session

from iop_companion.clinic.changes import (
    publish_clinic_profile,
    publish_consent,
    publish_program,
)
from iop_companion.clinic.clinicians import revoke_staff_sessions
from iop_companion.clinic.credentials import hash_password
from iop_companion.clinic.enrolment import issue_enrolment_code
from iop_companion.clinic.family import issue_family_invite
from iop_companion.clinic.models import (
    Clinic,
    Consent,
    Participant,
    ScheduledSessionRecord,
    Staff,
    StaffRole,
)
from iop_companion.clinic.schedule import add_session, cancel_session
from iop_companion.sync.protocol import ConsentScope, SessionDetails, SessionKind, SessionStatus

# Fixed ids make seeding idempotent: a second run finds the clinic and leaves it be.
DEMO_CLINIC_ID = uuid.UUID("6d2c1f0e-3b7a-4c55-9a41-0c1e5d7b2a10")
DEMO_PARTICIPANT_ID = uuid.UUID("b7e4a2c9-58d1-4f3e-8c6a-2d9f1e0a4b37")

DEMO_CLINIC_NAME = "Cedar Hollow Recovery Center"
# The demo clinic answers an "I need support" request within 4 hours (its stated time).
DEMO_SUPPORT_RESPONSE_HOURS = 4
DEMO_TIMEZONE = "America/Chicago"
DEMO_CLINICIAN_EMAIL = "jordan.ellis@cedarhollow.example"
# Every seeding gives the demo clinician a new random password (printed once, never
# stored in the clear), so no password in this source opens a demo clinic.
DEMO_PASSWORD_BYTES = 12

# Alex's family member, named on the invite (the consent's recipient).
DEMO_FAMILY_RECIPIENT = "Sam"
DEMO_FAMILY_PURPOSE = (
    "So that Sam can learn about recovery and how to support Alex without enabling."
)
# A consent lasts no longer than it needs to: about the length of the program.
DEMO_CONSENT_LIFETIME = timedelta(weeks=12)

# Every seeding tops the schedule up to cover one week back (recent history) to six
# weeks ahead of that moment, so a demo database reused weeks later still has a program.
SCHEDULE_PAST = timedelta(weeks=1)
SCHEDULE_AHEAD = timedelta(weeks=6)
PROGRAM_LENGTH = timedelta(weeks=8)

_GROUP_ROOM = "Group room B, 2nd floor"
_VIDEO = "Video call (link sent by text)"


@dataclass(frozen=True)
class DemoCredentials:
    enrolment_code: str  # "XXXX-XXXX", single use, valid for 15 minutes
    clinician_email: str
    clinician_password: str
    clinic_name: str
    family_invite_code: str  # "XXXX-XXXX", single use, valid for 7 days, for Sam


@dataclass(frozen=True)
class _Slot:
    """A recurring session in the demo week."""

    weekday: int  # Monday is 0
    start: time
    minutes: int
    kind: SessionKind
    titles: tuple[str, ...]  # rotated week by week
    facilitator: str
    location: str
    telehealth: bool = False
    personal: bool = False  # Alex's own session rather than the whole program's
    fortnight_parity: int | None = None  # every other week: on weeks with this parity

    def title_for(self, week: int) -> str:
        return self.titles[week % len(self.titles)]


_MONDAY, _TUESDAY, _WEDNESDAY, _THURSDAY = range(4)

_DBT_SKILLS = tuple(
    f"Skills group: {module}"
    for module in (
        "mindfulness",
        "distress tolerance",
        "emotion regulation",
        "interpersonal effectiveness",
    )
)
_CBT_SKILLS = tuple(
    f"Skills group: {topic}"
    for topic in (
        "thoughts, feelings and actions",
        "thinking traps",
        "thought records",
        "coping with cravings",
    )
)
_PSYCHOEDUCATION = tuple(
    f"Psychoeducation: {topic}"
    for topic in (
        "addiction and the brain",
        "relapse as a process",
        "sleep and recovery",
        "stress and coping",
        "medications in recovery",
        "communication and boundaries",
        "building your support network",
        "planning your aftercare",
    )
)


def _program_day(weekday: int) -> list[_Slot]:
    """A 9:00-12:00 program morning: process group, skills group, then a third group."""
    if weekday == _WEDNESDAY:
        skills_titles = _CBT_SKILLS
        third = _Slot(
            weekday=weekday,
            start=time(11),
            minutes=60,
            kind=SessionKind.WORKSHOP,
            titles=_PSYCHOEDUCATION,
            facilitator="Chris Ortega, LCADC",
            location="Classroom 1",
        )
    else:
        skills_titles = _DBT_SKILLS
        third = _Slot(
            weekday=weekday,
            start=time(11),
            minutes=60,
            kind=SessionKind.GROUP,
            titles=("Relapse prevention group",),
            facilitator="Chris Ortega, LCADC",
            location=_GROUP_ROOM,
        )
    process = _Slot(
        weekday=weekday,
        start=time(9),
        minutes=60,
        kind=SessionKind.GROUP,
        titles=("Process group",),
        facilitator="Morgan Lee, LPC",
        location=_GROUP_ROOM,
    )
    skills = _Slot(
        weekday=weekday,
        start=time(10),
        minutes=60,
        kind=SessionKind.GROUP,
        titles=skills_titles,
        facilitator="Dana Brooks, LCSW",
        location=_GROUP_ROOM,
    )
    return [process, skills, third]


DEMO_WEEK: tuple[_Slot, ...] = (
    *_program_day(_MONDAY),
    *_program_day(_WEDNESDAY),
    *_program_day(_THURSDAY),
    _Slot(
        weekday=_TUESDAY,
        start=time(16),
        minutes=50,
        kind=SessionKind.INDIVIDUAL,
        titles=("Individual therapy",),
        facilitator="Jordan Ellis, LCSW",
        location="Room 204",
        personal=True,
    ),
    _Slot(
        weekday=_TUESDAY,
        start=time(18),  # evening, so family members can come after work
        minutes=60,
        kind=SessionKind.FAMILY,
        titles=("Family session",),
        facilitator="Maria Santos, LMFT",
        location=_VIDEO,
        telehealth=True,
        personal=True,
        fortnight_parity=0,
    ),
    _Slot(
        weekday=_THURSDAY,
        start=time(12, 30),
        minutes=30,
        kind=SessionKind.MEDICATION,
        titles=("Medication management",),
        facilitator="Dr. Priya Raman",
        location="Room 110",
        personal=True,
        fortnight_parity=1,
    ),
    _Slot(
        weekday=_WEDNESDAY,
        start=time(12, 30),
        minutes=45,
        kind=SessionKind.HOLISTIC,
        titles=("Mindfulness and gentle yoga",),
        facilitator="Sam Whitaker, RYT",
        location="Wellness room, 1st floor",
    ),
)

_CANCELLATION_NOTE = (
    "Cancelled this week because the instructor is away. "
    "Mindfulness and gentle yoga is back next Wednesday."
)


def seed_demo(session: Session, now: datetime) -> DemoCredentials:
    """Create the demo clinic once, top its schedule up around `now`, and issue fresh codes.

    Each call issues a new enrolment code for Alex, a new family invite for Sam (with
    its education consent) and a new password for the demo clinician (ending the
    sessions signed in with the previous one). Runs in the caller's transaction:
    commit it, or none of these will work.
    """
    password = secrets.token_urlsafe(DEMO_PASSWORD_BYTES)
    if session.get(Clinic, DEMO_CLINIC_ID) is None:
        _create_demo_clinic(session, now, hash_password(password))
    else:
        _change_clinician_password(session, password, now)
    participant = session.get(Participant, DEMO_PARTICIPANT_ID)
    assert participant is not None, "the demo clinic exists without its participant"
    _top_up_schedule(session, participant, now)
    code = issue_enrolment_code(session, DEMO_PARTICIPANT_ID, now)
    _withdraw_unused_invites(session, now)
    invite = issue_family_invite(
        session,
        DEMO_PARTICIPANT_ID,
        DEMO_FAMILY_RECIPIENT,
        now,
        scopes=(ConsentScope.EDUCATION,),
        purpose=DEMO_FAMILY_PURPOSE,
        consent_expires_at=now + DEMO_CONSENT_LIFETIME,
    )
    return DemoCredentials(
        enrolment_code=code,
        clinician_email=DEMO_CLINICIAN_EMAIL,
        clinician_password=password,
        clinic_name=DEMO_CLINIC_NAME,
        family_invite_code=invite.code,
    )


def _change_clinician_password(session: Session, password: str, now: datetime) -> None:
    staff = session.scalars(select(Staff).where(Staff.clinic_id == DEMO_CLINIC_ID,
                                                Staff.email == DEMO_CLINICIAN_EMAIL)).one()
    staff.password_hash = hash_password(password)
    revoke_staff_sessions(session, staff.id, now)  # the old password's sessions end too
    session.flush()


def _withdraw_unused_invites(session: Session, now: datetime) -> None:
    """Only the newest printed invite works: consents of earlier, unused invites end (so
    Alex's app lists one pending invite, not one per start of the demo)."""
    unused = session.scalars(select(Consent).where(
        Consent.participant_id == DEMO_PARTICIPANT_ID,
        Consent.family_member_id.is_(None),
        Consent.revoked_at.is_(None),
    ))
    for consent in unused:
        consent.revoked_at = now
        publish_consent(session, consent, now)


def _create_demo_clinic(session: Session, now: datetime, clinician_password_hash: str) -> None:
    zone = ZoneInfo(DEMO_TIMEZONE)
    local_today = now.astimezone(zone).date()
    program_start = _monday_of(local_today - SCHEDULE_PAST)
    clinic = Clinic(
        id=DEMO_CLINIC_ID,
        name=DEMO_CLINIC_NAME,
        address="1420 Cedar Hollow Drive, Suite 200, Springfield, IL 62704",
        phone="+1 (555) 010-2300",
        crisis_line="+1 (555) 010-4477",
        timezone=DEMO_TIMEZONE,
        support_response_hours=DEMO_SUPPORT_RESPONSE_HOURS,
        created_at=now,
    )
    session.add(clinic)
    session.flush()  # the clinic row must exist before rows that reference it
    participant = Participant(
        id=DEMO_PARTICIPANT_ID,
        clinic_id=DEMO_CLINIC_ID,
        display_name="Alex",
        program_start=program_start,
        program_end=program_start + PROGRAM_LENGTH - timedelta(days=1),
        created_at=now,
    )
    session.add_all(
        [
            Staff(
                clinic_id=DEMO_CLINIC_ID,
                email=DEMO_CLINICIAN_EMAIL,
                display_name="Jordan Ellis, LCSW",
                password_hash=clinician_password_hash,
                role=StaffRole.CLINICIAN,
                created_at=now,
            ),
            participant,
        ]
    )
    session.flush()
    # Published like any clinic's data, so apps pull the demo through the same feed.
    publish_clinic_profile(session, clinic, now)
    publish_program(session, participant, now)


_SessionKey = tuple[SessionKind, datetime, uuid.UUID | None]


def _top_up_schedule(session: Session, participant: Participant, now: datetime) -> None:
    """Add the sessions missing from one week before `now` to six weeks after it.

    A session already there (same kind, start and participant) is left alone, so
    seeding again never doubles a session nor undoes a change made to one.
    """
    assert participant.program_start is not None
    zone = ZoneInfo(DEMO_TIMEZONE)
    first, last = now - SCHEDULE_PAST, now + SCHEDULE_AHEAD
    existing: set[_SessionKey] = {
        (kind, starts_at.astimezone(UTC), participant_id)
        for kind, starts_at, participant_id in session.execute(
            select(
                ScheduledSessionRecord.kind,
                ScheduledSessionRecord.starts_at,
                ScheduledSessionRecord.participant_id,
            ).where(
                ScheduledSessionRecord.clinic_id == DEMO_CLINIC_ID,
                ScheduledSessionRecord.starts_at >= first,
                ScheduledSessionRecord.starts_at <= last,
            )
        )
    }
    for participant_id, details in _demo_sessions(participant.program_start, first, last, zone):
        if (details.kind, details.starts_at.astimezone(UTC), participant_id) in existing:
            continue
        # The clinician routes' own path: each new session is published to the apps.
        add_session(session, clinic_id=DEMO_CLINIC_ID, participant_id=participant_id,
                    details=details, now=now,
                    session_id=_session_id(details.kind, details.starts_at, participant_id))
    session.flush()
    _keep_one_upcoming_cancellation(session, now)
    # The demo program runs on as long as the demo is used.
    last_day = last.astimezone(zone).date()
    if participant.program_end is None or participant.program_end < last_day:
        participant.program_end = last_day
        session.flush()
        publish_program(session, participant, now)


def _session_id(
    kind: SessionKind, starts_at: datetime, participant_id: uuid.UUID | None
) -> uuid.UUID:
    """A deterministic id per demo session.

    The check against existing sessions is what prevents duplicates (it also covers
    databases seeded before ids were deterministic); these ids make two seedings
    racing on one database collide on the primary key rather than double a session.
    """
    owner = participant_id or "program"
    moment = starts_at.astimezone(UTC).isoformat()
    return uuid.uuid5(DEMO_CLINIC_ID, f"{kind.value}|{owner}|{moment}")


def _demo_sessions(
    program_start: date, first: datetime, last: datetime, zone: ZoneInfo
) -> Iterator[tuple[uuid.UUID | None, SessionDetails]]:
    day = first.astimezone(zone).date()
    while day <= last.astimezone(zone).date():
        week = (day - program_start).days // 7
        for slot in DEMO_WEEK:
            if slot.weekday != day.weekday():
                continue
            if slot.fortnight_parity is not None and week % 2 != slot.fortnight_parity:
                continue
            # Local wall-clock times, so sessions stay at 9:00 across DST changes.
            starts_at = datetime.combine(day, slot.start, tzinfo=zone)
            if first <= starts_at <= last:
                participant_id = DEMO_PARTICIPANT_ID if slot.personal else None
                yield participant_id, SessionDetails(
                    kind=slot.kind,
                    title=slot.title_for(week),
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=slot.minutes),
                    location=slot.location,
                    telehealth=slot.telehealth,
                    facilitator=slot.facilitator,
                )
        day += timedelta(days=1)


def _keep_one_upcoming_cancellation(session: Session, now: datetime) -> None:
    """Cancel the next holistic session a day or more ahead, unless one is cancelled already.

    So the app always has a cancellation to show, however long after the first
    seeding the demo runs.
    """
    upcoming_cancellation = session.scalar(
        select(ScheduledSessionRecord.id)
        .where(
            ScheduledSessionRecord.clinic_id == DEMO_CLINIC_ID,
            ScheduledSessionRecord.status == SessionStatus.CANCELLED,
            ScheduledSessionRecord.starts_at > now,
        )
        .limit(1)
    )
    if upcoming_cancellation is not None:
        return
    cancelled = session.scalars(
        select(ScheduledSessionRecord)
        .where(
            ScheduledSessionRecord.clinic_id == DEMO_CLINIC_ID,
            ScheduledSessionRecord.kind == SessionKind.HOLISTIC,
            ScheduledSessionRecord.status == SessionStatus.SCHEDULED,
            ScheduledSessionRecord.starts_at > now + timedelta(days=1),
        )
        .order_by(ScheduledSessionRecord.starts_at)
        .limit(1)
    ).first()
    if cancelled is not None:
        cancel_session(session, cancelled, _CANCELLATION_NOTE, now)
        session.flush()


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def terminal_qr(text: str) -> str:
    """`text` as a QR code drawn with block characters, for a terminal."""
    drawn = io.StringIO()
    segno.make(text, error="m").terminal(out=drawn, compact=True)
    return drawn.getvalue()


def print_qr(text: str) -> None:
    """Print `text` as a QR code, or say why not (a terminal without block characters)."""
    try:
        print(terminal_qr(text), end="", flush=True)
    except UnicodeEncodeError:
        print("(This terminal cannot draw the QR code; use the link above.)", flush=True)
