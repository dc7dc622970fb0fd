"""Where the server evaluates the alert rules (domain/alert_rules.py) and files what they
raise (clinic/alerts.py).

When:

* **When data arrives.** A push stores each record in a transaction of its own; right
  after storing it, in that same transaction, `raise_record_alerts` evaluates what the
  record can raise: a safety flag (its first version) files its alert; a check-in the
  self-harm answer, use after days without and a run of high cravings; a PHQ-9 result
  item 9, a severe total and a rise since the previous PHQ-9. So an alert exists
  exactly when its record is committed, and a replay (answered `duplicate` before
  anything is evaluated) raises nothing.
* **Silence ("no check-in for N days") when the alert list is read**, first page only
  (`raise_silence_alerts`). Silence is the one rule no arriving data can trigger: a
  phone that pushes is not the one gone quiet. The list (flat or grouped) is where an
  alert is seen, so evaluating it when the list is read is exactly as timely as anyone
  can notice, and costs pushes nothing (they carry safety flags and must stay fast).
  Later pages do not evaluate, so a walk through the pages is not reshuffled midway.
  Other readers that show open alerts (a participant list) can call it too.
* **Missed sessions in a row, when attendance is recorded** (`raise_attendance_alerts`,
  called by clinic/attendance.py in the recording's transaction): the rule
  (domain/alert_rules.py `missed_sessions`) runs on the participant's recorded
  sessions. Cancelled sessions do not count. An excused absence is not a miss and is
  left out of the sequence altogether: it neither counts toward a run of misses nor
  breaks one (missed, excused, missed is two in a row), because it says nothing about
  whether the person is still coming. Sessions with nothing recorded are left out too.
  A run is named by its first missed session, so recording more misses of the same run
  (or the same one twice) raises it once; an attended session ends it.

Idempotent: each happening is filed once under a key (`flag:<record id>`,
`craving_run:<first day>`, `no_check_in:<first silent day>`...), unique per
participant in `alert_events`. Filing runs under the server_state row lock (a push
holds it already; the list read takes it only when it has something new to file), so
two workers never file the same happening, or open two alerts of one trigger, at once.

Days are calendar days in the clinic's time zone: the server does not know the phone's
(check-ins carry UTC times), and an intensive program's participants live near it. A
record's time is the phone's, except that a phone clock running ahead cannot place it
after the clinic received it (`reported_time`).

A phone sends its own flag for item 9 and for a check-in's self-harm answer, before the
record that holds the answer. The clinic raises the same alert from the record in case
that flag never came; when the phone's flag is there (raised in the 24 hours before the
PHQ-9 was saved, or the 12 hours before the check-in, the longest a form stays open as
a draft), it is the same answer and is not counted twice. (A flag that arrives after
its record, which the app avoids, is counted as a second event of the open alert.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.orm import Session

from iop_companion.clinic.alerts import event_filed, file_alert
from iop_companion.clinic.audit import device_actor
from iop_companion.clinic.measures import ClinicScore
from iop_companion.clinic.models import (
    Alert,
    AlertEvent,
    AttendanceStatus,
    Clinic,
    Device,
    MeasureScore,
    Participant,
    ParticipantRecord,
    ScheduledSessionRecord,
    ServerState,
    SessionAttendanceRecord,
)
from iop_companion.clinic.sequence import SERVER_STATE_ID
from iop_companion.domain.alert_rules import (
    THRESHOLD_BOUNDS,
    AlertThresholds,
    AlertTrigger,
    CheckInFacts,
    Phq9Facts,
    RaisedAlert,
    SessionAttendance,
    check_in_alerts,
    local_day,
    missed_sessions,
    no_check_in,
    phq9_alerts,
    reported_time,
    safety_flag_alert,
)
from iop_companion.domain.measures import MeasureId
from iop_companion.sync.protocol import RecordKind, SessionStatus

# The actor of alerts the server raises on its own (silence), in the audit log.
RULES_ACTOR = "server:alert_rules"
FLAG_KEY_PREFIX = "flag:"
# How long before its record the phone's own flag can have been raised (see above).
SAME_ANSWER_WINDOW = {AlertTrigger.PHQ9_ITEM9: timedelta(hours=24),
                      AlertTrigger.CHECK_IN_SELF_HARM: timedelta(hours=12)}
# Check-ins read around a new one to find a run of high cravings: the longest run a
# clinic can ask for, on either side (check-ins may arrive out of order), and a day
# more for time zones.
_CRAVING_WINDOW = timedelta(days=THRESHOLD_BOUNDS["craving_days_running"][1] + 1)


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    try:
        return ZoneInfo(clinic.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # a clinic saved with a bad zone still gets its alerts


def clinic_thresholds(clinic: Clinic) -> AlertThresholds:
    return AlertThresholds.from_settings(clinic.alert_thresholds)


def rule_key(raised: RaisedAlert) -> str:
    return f"{raised.trigger.value}:{raised.about}"


def _reported_at() -> ColumnElement[datetime]:
    """A stored record's time as the rules use it, in SQL (see `reported_time`)."""
    return case(
        (ParticipantRecord.device_created_at > ParticipantRecord.received_at,
         ParticipantRecord.received_at),
        else_=ParticipantRecord.device_created_at,
    )


# --- When data arrives -----------------------------------------------------------------

def raise_record_alerts(db: Session, device_id: uuid.UUID, stored: ParticipantRecord,
                        score: ClinicScore | None, now: datetime) -> list[Alert]:
    """File every alert a newly stored record raises, in the push's transaction (which
    holds the server_state lock). Returns the alerts opened or joined."""
    if stored.kind is RecordKind.SAFETY_FLAG:
        # A later version of a flag (its base is stored) was counted when the first came.
        if stored.version != 1:
            return []
        raised = safety_flag_alert(str(stored.payload["trigger"]), str(stored.record_id),
                                   stored.device_created_at)
        alert = file_alert(db, stored.participant_id, raised,
                           key=FLAG_KEY_PREFIX + str(stored.record_id),
                           record_id=stored.record_id, raised_at=stored.device_created_at,
                           now=now, actor=device_actor(device_id))
        return [alert] if alert is not None else []
    if stored.kind is RecordKind.CHECK_IN:
        found = _check_in_rules(db, stored)
    elif (stored.kind is RecordKind.MEASURE_RESULT and score is not None
          and score.measure is MeasureId.PHQ9):
        found = _phq9_rules(db, stored, score)
    else:
        return []
    filed: list[Alert] = []
    for raised in found:
        if _phone_flagged_it(db, stored, raised):
            continue
        alert = file_alert(db, stored.participant_id, raised, key=rule_key(raised),
                           record_id=stored.record_id, raised_at=raised.occurred_at,
                           now=now, actor=device_actor(device_id))
        if alert is not None:
            filed.append(alert)
    return filed


def _participant(db: Session, participant_id: uuid.UUID) -> Participant:
    participant = db.get(Participant, participant_id)
    assert participant is not None  # a pushing device belongs to a participant
    return participant


def _check_in_rules(db: Session, stored: ParticipantRecord) -> list[RaisedAlert]:
    clinic = _participant(db, stored.participant_id).clinic
    zone, thresholds = clinic_zone(clinic), clinic_thresholds(clinic)
    check_in = _check_in_facts(stored, zone)
    around = _check_ins(db, stored.participant_id,
                        _reported_at().between(check_in.at - _CRAVING_WINDOW,
                                               check_in.at + _CRAVING_WINDOW))
    others = list(around)
    if check_in.used_since_last:
        # Use after days without needs the last earlier use and the earliest check-in,
        # however long ago: two rows, not the whole history.
        earlier = _reported_at() < check_in.at
        used = ParticipantRecord.payload["used_since_last"].as_boolean().is_(True)
        for condition, newest_first in ((earlier & used, True), (earlier, False)):
            others += _check_ins(db, stored.participant_id, condition,
                                 newest_first=newest_first, limit=1)
    return check_in_alerts(check_in, _latest_versions(others, zone, exclude=stored.record_id),
                           thresholds)


def _check_ins(db: Session, participant_id: uuid.UUID, condition: ColumnElement[bool], *,
               newest_first: bool = False, limit: int | None = None) -> list[ParticipantRecord]:
    order = _reported_at().desc() if newest_first else _reported_at()
    return list(db.scalars(
        select(ParticipantRecord)
        .where(ParticipantRecord.participant_id == participant_id,
               ParticipantRecord.kind == RecordKind.CHECK_IN, condition)
        .order_by(order, ParticipantRecord.server_seq)
        .limit(limit)))


def _check_in_facts(row: ParticipantRecord, zone: ZoneInfo) -> CheckInFacts:
    at = reported_time(row.device_created_at, row.received_at)
    craving = row.payload.get("craving")
    return CheckInFacts(
        id=str(row.record_id),
        at=at,
        day=local_day(at, zone),
        craving=craving if isinstance(craving, int) else None,
        used_since_last=row.payload.get("used_since_last") is True,
        thoughts_of_self_harm=row.payload.get("thoughts_of_self_harm") is True,
    )


def _latest_versions(rows: Iterable[ParticipantRecord], zone: ZoneInfo,
                     exclude: uuid.UUID) -> list[CheckInFacts]:
    """The newest stored version of each check-in, without the one being evaluated."""
    newest: dict[uuid.UUID, ParticipantRecord] = {}
    for row in rows:
        if row.record_id != exclude and (row.record_id not in newest
                                         or row.version > newest[row.record_id].version):
            newest[row.record_id] = row
    return [_check_in_facts(row, zone) for row in newest.values()]


def _phq9_rules(db: Session, stored: ParticipantRecord, score: ClinicScore) -> list[RaisedAlert]:
    clinic = _participant(db, stored.participant_id).clinic
    at = reported_time(stored.device_created_at, stored.received_at)
    total = score.scores["total"]
    assert isinstance(total, int)  # a PHQ-9 the clinic scored has a total
    result = Phq9Facts(id=str(stored.record_id), at=at, total=total,
                       item9=int(stored.payload["answers"][8]))
    previous_row = db.execute(
        select(ParticipantRecord.record_id, _reported_at().label("at"), MeasureScore.total)
        .join(MeasureScore, MeasureScore.server_seq == ParticipantRecord.server_seq)
        .where(ParticipantRecord.participant_id == stored.participant_id,
               ParticipantRecord.record_id != stored.record_id,
               MeasureScore.measure == MeasureId.PHQ9.value,
               MeasureScore.total.is_not(None),
               _reported_at() < at)
        .order_by(_reported_at().desc(), ParticipantRecord.server_seq.desc())
        .limit(1)
    ).first()
    previous = None
    if previous_row is not None:
        previous = Phq9Facts(id=str(previous_row.record_id), at=previous_row.at,
                             total=previous_row.total, item9=0)
    return phq9_alerts(result, previous, clinic_thresholds(clinic))


def _phone_flagged_it(db: Session, stored: ParticipantRecord, raised: RaisedAlert) -> bool:
    """Whether the phone's own flag for this answer arrived already (same phone clock)."""
    window = SAME_ANSWER_WINDOW.get(raised.trigger)
    if window is None:
        return False
    made_at = stored.device_created_at
    return db.scalar(
        select(AlertEvent.id)
        .where(AlertEvent.participant_id == stored.participant_id,
               AlertEvent.trigger == raised.trigger,
               AlertEvent.key.startswith(FLAG_KEY_PREFIX),
               AlertEvent.occurred_at.between(made_at - window, made_at))
        .limit(1)
    ) is not None


# --- Silence, when the list is read ----------------------------------------------------

def raise_silence_alerts(db: Session, clinic_id: uuid.UUID, now: datetime) -> list[Alert]:
    """File a "no check-in" alert for each of the clinic's participants who has gone the
    clinic's number of whole days without one, once per silence. In the caller's
    transaction (the caller commits)."""
    clinic = db.get(Clinic, clinic_id)
    if clinic is None:
        return []
    zone, thresholds = clinic_zone(clinic), clinic_thresholds(clinic)
    today = local_day(now, zone)
    new = [(participant_id, silence)
           for participant_id, silence in _silences(db, clinic_id, zone, today, thresholds)
           if not event_filed(db, participant_id, rule_key(silence))]
    if not new:
        return []
    lock_alerts(db)  # and file_alert checks each key again under it
    filed: list[Alert] = []
    for participant_id, silence in new:
        alert = file_alert(db, participant_id, silence, key=rule_key(silence),
                           record_id=_last_check_in_id(db, participant_id),
                           raised_at=silence.occurred_at, now=now, actor=RULES_ACTOR)
        if alert is not None:
            filed.append(alert)
    return filed


def lock_alerts(db: Session) -> None:
    """Take the server_state row lock (as a push does), changing nothing, so filing here
    and in pushes goes one at a time in every worker."""
    db.execute(update(ServerState).where(ServerState.id == SERVER_STATE_ID)
               .values(last_seq=ServerState.last_seq)
               .execution_options(synchronize_session=False))


def _silences(db: Session, clinic_id: uuid.UUID, zone: ZoneInfo, today: date,
              thresholds: AlertThresholds) -> Sequence[tuple[uuid.UUID, RaisedAlert]]:
    """(participant, the silence) for each of the clinic's silent participants.

    Only participants in their program today whose app has joined: before that, the
    clinic expects no check-ins (a participant not yet enrolled is not silent)."""
    joined = (select(Device.participant_id, func.min(Device.created_at).label("joined_at"))
              .group_by(Device.participant_id).subquery())
    last = (select(ParticipantRecord.participant_id,
                   func.max(_reported_at()).label("last_at"))
            .where(ParticipantRecord.kind == RecordKind.CHECK_IN)
            .group_by(ParticipantRecord.participant_id).subquery())
    rows = db.execute(
        select(Participant, joined.c.joined_at, last.c.last_at)
        .join(joined, joined.c.participant_id == Participant.id)
        .outerjoin(last, last.c.participant_id == Participant.id)
        .where(Participant.clinic_id == clinic_id)
    ).all()
    found: list[tuple[uuid.UUID, RaisedAlert]] = []
    for participant, joined_at, last_at in rows:
        ends = [day for day in (participant.program_end, participant.discharged_on) if day]
        expected_until = min(ends) if ends else None
        if expected_until is not None and expected_until < today:
            continue  # the program is over: no check-ins are expected now
        starts = [local_day(joined_at, zone)]
        if participant.program_start is not None:
            starts.append(participant.program_start)
        last_day = local_day(last_at, zone) if last_at is not None else None
        silence = no_check_in(last_day, max(starts), expected_until, today, zone, thresholds)
        if silence is not None:
            found.append((participant.id, silence))
    return found


def _last_check_in_id(db: Session, participant_id: uuid.UUID) -> uuid.UUID | None:
    """The check-in the silence follows (None: there was none)."""
    return db.scalar(select(ParticipantRecord.record_id)
                     .where(ParticipantRecord.participant_id == participant_id,
                            ParticipantRecord.kind == RecordKind.CHECK_IN)
                     .order_by(_reported_at().desc()).limit(1))


# --- Attendance, when it is recorded ---------------------------------------------------

def raise_attendance_alerts(db: Session, participant: Participant, now: datetime,
                            actor: str) -> list[Alert]:
    """File a "missed sessions" alert if the participant's latest recorded sessions
    (the clinic's number of them, `missed_sessions_in_a_row`) were all missed, once per
    run of misses (see the module's docstring for what counts). In the caller's
    transaction (the caller commits); `actor` is who recorded the attendance."""
    rows = db.execute(
        select(ScheduledSessionRecord.id, ScheduledSessionRecord.starts_at,
               SessionAttendanceRecord.status)
        .join(SessionAttendanceRecord,
              SessionAttendanceRecord.session_id == ScheduledSessionRecord.id)
        .where(SessionAttendanceRecord.participant_id == participant.id,
               SessionAttendanceRecord.status != AttendanceStatus.EXCUSED,
               ScheduledSessionRecord.status != SessionStatus.CANCELLED)
    ).all()
    attendance = [SessionAttendance(session_id=str(session_id), starts_at=starts_at,
                                    attended=status is AttendanceStatus.ATTENDED)
                  for session_id, starts_at, status in rows]
    raised = missed_sessions(attendance, clinic_thresholds(participant.clinic))
    if raised is None or event_filed(db, participant.id, rule_key(raised)):
        return []
    lock_alerts(db)  # and file_alert checks the key again under it
    alert = file_alert(db, participant.id, raised, key=rule_key(raised),
                       record_id=uuid.UUID(raised.about), raised_at=raised.occurred_at,
                       now=now, actor=actor)
    return [alert] if alert is not None else []
