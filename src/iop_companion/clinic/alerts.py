"""Alerts: the clinic sets their priority, folds them per participant and trigger, lists
them most urgent first a page at a time (or grouped per participant), and records who
acknowledged each, when, and what they wrote.

What raises an alert (a safety flag from a phone, or one of the clinic's own rules on
the data phones send) is decided in clinic/alert_evaluation.py with the rules of
domain/alert_rules.py; this module files what they raise.

Priority is the clinic's, from the trigger alone; whatever priority the phone sent is
ignored, so no device can put its flags above everyone else's. The order, most urgent
first, and why:

1. `participant_request` (100): the person is asking the clinic, right now, to reach
   them, from the crisis screen; the app has told them how soon the clinic answers
   (the clinic's stated response time), and only the top of the list can keep that.
2. `check_in_self_harm` (90): a "yes" to thoughts of suicide or of hurting oneself
   since the last check-in: explicit, and at most a few days old.
3. `diary_card_self_harm` (80): a self-harm urge recorded on a diary card: as recent,
   but an urge rating rather than an answer about suicide.
4. `phq9_item9` (70): item 9 above 0 on the PHQ-9, which covers the past two weeks and
   counts passive thoughts ("better off dead") at any frequency: a screen that needs a
   clinician's follow-up, the least time-bound of the safety alerts.

The clinic's own rules come below every safety alert (none is about suicide or
self-harm), ordered by how soon harm could follow if nobody looks:

5. `use_after_abstinence` (60): use after a stretch without. Tolerance falls while
   abstinent, so a first use is when an overdose is likeliest, and a lapse is when a
   quick conversation can keep it from becoming a relapse.
6. `phq9_severe` (50): a PHQ-9 total in the severe range (20 or the clinic's own): the
   person needs a clinical review soon, whatever item 9 says.
7. `phq9_rise` (45): a clinically meaningful worsening since the last PHQ-9; it may
   still be mild, so below a severe total.
8. `craving_run` (40): strong craving day after day: a warning sign of relapse, before
   any use.
9. `missed_sessions` (30): missed sessions in a row: treatment is slipping away, the
   strongest sign of dropping out, but a matter of days, not hours.
10. `no_check_in` (20): silence in the app; the least specific (a lost phone, a busy
    week, or trouble), so the last to look at, but never left unlisted.

Grouping: one open (unacknowledged) alert per participant and trigger. A flag or rule
event arriving while one is open is folded into it: `flag_count` goes up, `latest_at`
becomes the clinic's time of arrival and `detail` the latest event's figures.
Acknowledging closes the alert; the next one opens a new one. Every flag record is still
stored (participant_records) and every event (alert_events), once however often it is
sent or found. So 600 flags from one phone are one line per trigger, and the list
(paged, bounded) always reaches every other participant's alerts.

The list: open alerts first, then by priority (highest first), then by the latest event
(newest first), then by id; paged with a keyset cursor on that order (clinic/paging.py).
An alert stays listed after it is acknowledged, below every open one. The grouped list
is the work still to do: each participant with open alerts, most urgent first (their
highest priority, then their latest alert), with those alerts.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StrictInt, TypeAdapter
from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from iop_companion.clinic.audit import AuditAction, record_audit
from iop_companion.clinic.models import Alert, AlertEvent, Participant
from iop_companion.clinic.paging import BadCursor, decode_cursor, encode_cursor
from iop_companion.domain.alert_rules import (
    DEFAULT_THRESHOLDS,
    SAFETY_FLAG_TRIGGERS,
    THRESHOLD_BOUNDS,
    AlertThresholds,
    AlertTrigger,
    RaisedAlert,
)
from iop_companion.sync.protocol import AlertThresholdsResponse, AlertThresholdValues

ALERT_PRIORITY: Mapping[AlertTrigger, int] = {
    AlertTrigger.PARTICIPANT_REQUEST: 100,
    AlertTrigger.CHECK_IN_SELF_HARM: 90,
    AlertTrigger.DIARY_CARD_SELF_HARM: 80,
    AlertTrigger.PHQ9_ITEM9: 70,
    AlertTrigger.USE_AFTER_ABSTINENCE: 60,
    AlertTrigger.PHQ9_SEVERE: 50,
    AlertTrigger.PHQ9_RISE: 45,
    AlertTrigger.CRAVING_RUN: 40,
    AlertTrigger.MISSED_SESSIONS: 30,
    AlertTrigger.NO_CHECK_IN: 20,
}

_LIST = "alerts"
_GROUPS = "alert-groups"
# The sort key of a row: (0 open / 1 acknowledged, priority, latest_at, id).
AlertKey = tuple[Literal[0, 1], Annotated[StrictInt, Field(ge=0, le=100)], AwareDatetime,
                 uuid.UUID]
_KEY: TypeAdapter[AlertKey] = TypeAdapter(AlertKey)
# The sort key of a group: (highest priority, latest_at, participant id).
GroupKey = tuple[Annotated[StrictInt, Field(ge=0, le=100)], AwareDatetime, uuid.UUID]
_GROUP_KEY: TypeAdapter[GroupKey] = TypeAdapter(GroupKey)


def event_filed(db: Session, participant_id: uuid.UUID, key: str) -> bool:
    return db.scalar(select(AlertEvent.id).where(AlertEvent.participant_id == participant_id,
                                                 AlertEvent.key == key)) is not None


def file_alert(db: Session, participant_id: uuid.UUID, raised: RaisedAlert, *,
               key: str, record_id: uuid.UUID | None, raised_at: datetime, now: datetime,
               actor: str) -> Alert | None:
    """Open an alert for what a rule raised, or fold it into the open alert of its
    trigger; None if this happening (`key`) was filed before. Call with the alert lock
    held (clinic/alert_evaluation.py takes it), so a participant's events are filed one
    at a time."""
    if event_filed(db, participant_id, key):
        return None
    trigger = raised.trigger
    detail = dict(raised.detail) or None
    alert = db.scalar(
        select(Alert)
        .where(Alert.participant_id == participant_id, Alert.trigger == trigger,
               Alert.acknowledged_at.is_(None))
        # PostgreSQL: an acknowledgement committed meanwhile takes the row out of "open".
        .with_for_update(of=Alert)
    )
    if alert is None:
        alert = Alert(
            id=uuid.uuid4(),
            participant_id=participant_id,
            record_id=record_id,
            trigger=trigger,
            priority=ALERT_PRIORITY[trigger],  # never the phone's
            raised_at=raised_at,
            received_at=now,
            flag_count=1,
            latest_at=now,
            detail=detail,
        )
        db.add(alert)
        action, reason = AuditAction.ALERT_CREATE, None
    else:
        alert.flag_count += 1
        alert.latest_at = max(alert.latest_at, now)
        if detail is not None:
            alert.detail = detail
        action = AuditAction.ALERT_REPEAT
        reason = "flag_folded" if trigger in SAFETY_FLAG_TRIGGERS else "event_folded"
    db.add(AlertEvent(id=uuid.uuid4(), alert_id=alert.id, participant_id=participant_id,
                      trigger=trigger, key=key, record_id=record_id,
                      occurred_at=raised.occurred_at, received_at=now,
                      detail=dict(raised.detail)))
    record_audit(db, at=now, actor=actor, action=action, record_type="alert",
                 record_id=alert.id, reason=reason)
    return alert


def acknowledge(db: Session, alert: Alert, staff_id: uuid.UUID, note: str,
                now: datetime) -> bool:
    """Close the alert with the clinician's note; False (nothing changed) if it was
    acknowledged already, by anyone: the first acknowledgement and its note stand."""
    changed = db.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by=staff_id, acknowledgement_note=note)
        .execution_options(synchronize_session=False)
    )
    db.refresh(alert)
    return bool(getattr(changed, "rowcount", 0))


# --- The list ----------------------------------------------------------------------------

@dataclass(frozen=True)
class AlertPage:
    alerts: list[Alert]
    next_cursor: str | None  # None on the last page


def alert_cursor(cursor: str) -> AlertKey:
    """The key a cursor of the alert list carries; BadCursor if it is not one."""
    key = decode_cursor(_LIST, cursor, _KEY)
    _check_time(key[2])
    return key


def _check_time(moment: datetime) -> None:
    try:
        moment.astimezone(UTC)  # stored in UTC: a time that has none is no key of ours
    except OverflowError:
        raise BadCursor() from None


def alert_page(db: Session, clinic_id: uuid.UUID, after: AlertKey | None,
               limit: int) -> AlertPage:
    """A page of the clinic's alerts, most urgent first, after the key `after`."""
    closed = case((Alert.acknowledged_at.is_(None), 0), else_=1)
    query = (
        select(Alert)
        .join(Participant, Participant.id == Alert.participant_id)
        .where(Participant.clinic_id == clinic_id)
        .order_by(closed, Alert.priority.desc(), Alert.latest_at.desc(), Alert.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(_after(closed, after))
    alerts = list(db.scalars(query))
    more = len(alerts) > limit
    alerts = alerts[:limit]
    next_cursor = encode_cursor(_LIST, *_key(alerts[-1])) if more else None
    return AlertPage(alerts, next_cursor)


def _key(alert: Alert) -> tuple[int, int, str, str]:
    return (0 if alert.acknowledged_at is None else 1, alert.priority,
            alert.latest_at.isoformat(), str(alert.id))


def _after(closed: ColumnElement[int], key: AlertKey) -> ColumnElement[bool]:
    """Rows strictly after `key` in the list's order (closed ascending, priority and
    latest descending, id ascending)."""
    key_closed, priority, latest, alert_id = key
    return or_(
        closed > key_closed,
        and_(closed == key_closed, or_(
            Alert.priority < priority,
            and_(Alert.priority == priority, or_(
                Alert.latest_at < latest,
                and_(Alert.latest_at == latest, Alert.id > alert_id),
            )),
        )),
    )


# --- Grouped per participant -----------------------------------------------------------

@dataclass(frozen=True)
class AlertGroup:
    participant: Participant
    priority: int
    latest_at: datetime
    alerts: list[Alert]  # open, most urgent first


@dataclass(frozen=True)
class AlertGroupPage:
    groups: list[AlertGroup]
    next_cursor: str | None


def alert_group_cursor(cursor: str) -> GroupKey:
    key = decode_cursor(_GROUPS, cursor, _GROUP_KEY)
    _check_time(key[1])
    return key


def alert_group_page(db: Session, clinic_id: uuid.UUID, after: GroupKey | None,
                     limit: int) -> AlertGroupPage:
    """A page of the clinic's participants with open alerts, most urgent first, each
    with their open alerts (at most one per trigger, so a group is bounded)."""
    groups = (
        select(Alert.participant_id.label("participant_id"),
               func.max(Alert.priority).label("priority"),
               func.max(Alert.latest_at).label("latest_at"))
        .join(Participant, Participant.id == Alert.participant_id)
        .where(Participant.clinic_id == clinic_id, Alert.acknowledged_at.is_(None))
        .group_by(Alert.participant_id)
        .subquery()
    )
    query = (select(groups.c.participant_id, groups.c.priority, groups.c.latest_at)
             .order_by(groups.c.priority.desc(), groups.c.latest_at.desc(),
                       groups.c.participant_id)
             .limit(limit + 1))
    if after is not None:
        priority, latest, participant_id = after
        query = query.where(or_(
            groups.c.priority < priority,
            and_(groups.c.priority == priority, or_(
                groups.c.latest_at < latest,
                and_(groups.c.latest_at == latest, groups.c.participant_id > participant_id),
            )),
        ))
    rows = list(db.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    open_alerts: dict[uuid.UUID, list[Alert]] = {row.participant_id: [] for row in rows}
    if rows:
        for alert in db.scalars(
            select(Alert)
            .where(Alert.participant_id.in_(list(open_alerts)), Alert.acknowledged_at.is_(None))
            .order_by(Alert.priority.desc(), Alert.latest_at.desc(), Alert.id)
        ):
            open_alerts[alert.participant_id].append(alert)
    # (An alert acknowledged between the two reads leaves its group out, or shorter.)
    page = [AlertGroup(found[0].participant, found[0].priority, max(a.latest_at for a in found),
                       found)
            for found in (open_alerts[row.participant_id] for row in rows) if found]
    next_cursor = None
    if more and rows:
        last_row = rows[-1]
        next_cursor = encode_cursor(_GROUPS, last_row.priority, last_row.latest_at.isoformat(),
                                    str(last_row.participant_id))
    return AlertGroupPage(page, next_cursor)


# --- The clinic's thresholds -----------------------------------------------------------

def thresholds_response(stored: object) -> AlertThresholdsResponse:
    """What the clinic's stored thresholds (`Clinic.alert_thresholds`) mean now."""
    return AlertThresholdsResponse(
        thresholds=AlertThresholdValues(**AlertThresholds.from_settings(stored).as_dict()),
        defaults=AlertThresholdValues(**DEFAULT_THRESHOLDS.as_dict()),
        bounds=dict(THRESHOLD_BOUNDS),
    )
