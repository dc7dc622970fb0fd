"""Safety alerts: the clinic sets their priority, groups them per participant, and lists
them most urgent first, a page at a time.

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
   clinician's follow-up, the least time-bound of the four.

Grouping: one open (unacknowledged) alert per participant and trigger. A flag arriving
while one is open is folded into it: `flag_count` goes up and `latest_at` becomes the
clinic's time of arrival. Acknowledging closes the alert; the next flag opens a new one.
Every flag record is still stored (participant_records), once however often it is sent.
So 600 flags from one phone are one line per trigger, and the list (paged, bounded)
always reaches every other participant's alerts.

The list: open alerts first, then by priority (highest first), then by the latest flag
(newest first), then by id; paged with a keyset cursor on that order (clinic/paging.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StrictInt, TypeAdapter
from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.orm import Session

from iop_companion.clinic.audit import AuditAction, device_actor, record_audit
from iop_companion.clinic.models import Alert, Participant
from iop_companion.clinic.paging import BadCursor, decode_cursor, encode_cursor
from iop_companion.sync.protocol import PushRecord, SafetyTrigger

ALERT_PRIORITY: dict[SafetyTrigger, int] = {
    SafetyTrigger.PARTICIPANT_REQUEST: 100,
    SafetyTrigger.CHECK_IN_SELF_HARM: 90,
    SafetyTrigger.DIARY_CARD_SELF_HARM: 80,
    SafetyTrigger.PHQ9_ITEM9: 70,
}

_LIST = "alerts"
# The sort key of a row: (0 open / 1 acknowledged, priority, latest_at, id).
AlertKey = tuple[Literal[0, 1], Annotated[StrictInt, Field(ge=0, le=100)], AwareDatetime,
                 uuid.UUID]
_KEY: TypeAdapter[AlertKey] = TypeAdapter(AlertKey)


def fold_flag(db: Session, participant_id: uuid.UUID, device_id: uuid.UUID,
              record: PushRecord, now: datetime) -> Alert:
    """Open an alert for a newly stored flag, or fold it into the open alert of its
    trigger. Called in the push's transaction, after it took the server_state lock, so
    flags of one participant are folded one at a time."""
    trigger = SafetyTrigger(record.payload["trigger"])
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
            record_id=record.id,
            trigger=trigger,
            priority=ALERT_PRIORITY[trigger],  # never the phone's
            raised_at=record.created_at,
            received_at=now,
            flag_count=1,
            latest_at=now,
        )
        db.add(alert)
        action, reason = AuditAction.ALERT_CREATE, None
    else:
        alert.flag_count += 1
        alert.latest_at = max(alert.latest_at, now)
        action, reason = AuditAction.ALERT_REPEAT, "flag_folded"
    record_audit(db, at=now, actor=device_actor(device_id), action=action,
                 record_type="alert", record_id=alert.id, reason=reason)
    return alert


@dataclass(frozen=True)
class AlertPage:
    alerts: list[Alert]
    next_cursor: str | None  # None on the last page


def alert_cursor(cursor: str) -> AlertKey:
    """The key a cursor of the alert list carries; BadCursor if it is not one."""
    key = decode_cursor(_LIST, cursor, _KEY)
    try:
        key[2].astimezone(UTC)  # stored in UTC: a time that has none is no key of ours
    except OverflowError:
        raise BadCursor() from None
    return key


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
