"""The clinic's participants with their status at a glance, and adding one.

A page of the list costs a fixed number of queries whatever its length: each figure is
one grouped query over the page's participants (never one query per participant).

Days are counted on the clinic's calendar (its time zone). A check-in's day is the
phone's own calendar day when it was saved (the day the participant saw), read from the
time zone offset the phone sent with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, TypeAdapter
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from iop_companion.clinic.changes import publish_program
from iop_companion.clinic.models import (
    Alert,
    Clinic,
    Device,
    DeviceToken,
    MeasureScore,
    Participant,
    ParticipantRecord,
)
from iop_companion.clinic.paging import decode_cursor, encode_cursor
from iop_companion.sync.protocol import RecordKind

_LIST = "participants"
# The key of a page's last row: its name and id (names repeat; ids break the tie).
ParticipantKey = tuple[str, uuid.UUID]
_KEY: TypeAdapter[ParticipantKey] = TypeAdapter(
    tuple[Annotated[str, Field(max_length=80)], uuid.UUID])


def participant_cursor(cursor: str) -> ParticipantKey:
    """The key a cursor of the participant list carries; BadCursor if it is not one."""
    return decode_cursor(_LIST, cursor, _KEY)


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    try:
        return ZoneInfo(clinic.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # a clinic row with a bad zone still answers


def clinic_today(clinic: Clinic, now: datetime) -> date:
    return now.astimezone(clinic_zone(clinic)).date()


def is_discharged_by(participant: Participant, today: date) -> bool:
    """Discharged from the discharge date on; a date still to come has not happened."""
    return participant.discharged_on is not None and participant.discharged_on <= today


def check_in_day(record: ParticipantRecord, zone: ZoneInfo) -> date:
    """The phone's calendar day when the check-in was saved: the date of its own
    `created_at` in the offset the phone wrote it with; else the push's time in the
    clinic's zone."""
    stamp = record.payload.get("created_at")
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            moment = None
        if moment is not None and moment.utcoffset() is not None:
            return moment.date()
    return record.device_created_at.astimezone(zone).date()


@dataclass(frozen=True)
class LatestMeasure:
    total: int | None
    band: str | None
    completed_at: datetime | None
    received_at: datetime


@dataclass(frozen=True)
class ParticipantGlance:
    participant: Participant
    discharged: bool
    active_devices: int
    last_sync_at: datetime | None
    last_check_in_on: date | None
    open_alerts: int
    phq9: LatestMeasure | None
    gad7: LatestMeasure | None
    days_since_use: int | None
    days_since_app_used: int | None


@dataclass(frozen=True)
class ParticipantPage:
    participants: list[Participant]
    next_cursor: str | None  # None on the last page


def participant_page(db: Session, clinic_id: uuid.UUID, after: ParticipantKey | None,
                     limit: int) -> ParticipantPage:
    """A page of the clinic's participants by name, after the key `after`."""
    query = (select(Participant).where(Participant.clinic_id == clinic_id)
             .order_by(Participant.display_name, Participant.id).limit(limit + 1))
    if after is not None:
        name, participant_id = after
        query = query.where(or_(Participant.display_name > name,
                                and_(Participant.display_name == name,
                                     Participant.id > participant_id)))
    participants = list(db.scalars(query))
    more = len(participants) > limit
    participants = participants[:limit]
    last = participants[-1] if more else None
    return ParticipantPage(participants, encode_cursor(_LIST, last.display_name, str(last.id))
                           if last is not None else None)


def add_participant(db: Session, clinic_id: uuid.UUID, display_name: str,
                    program_start: date | None, program_end: date | None,
                    now: datetime) -> Participant:
    """Add a participant to the clinic and publish their program (the caller commits)."""
    participant = Participant(clinic_id=clinic_id, display_name=display_name,
                              program_start=program_start, program_end=program_end,
                              created_at=now)
    db.add(participant)
    db.flush()
    publish_program(db, participant, now)
    return participant


def glance(db: Session, clinic: Clinic, participants: Sequence[Participant],
           now: datetime) -> list[ParticipantGlance]:
    """Each participant's status at a glance, in the order given."""
    ids = [participant.id for participant in participants]
    if not ids:
        return []
    zone = clinic_zone(clinic)
    today = now.astimezone(zone).date()
    devices = _active_devices(db, ids)
    synced = _last_sync(db, ids)
    alerts = _open_alerts(db, ids)
    check_ins = _last_check_in_days(db, ids, zone)
    measures = _latest_measures(db, ids)
    use = _last_use_days(db, ids, zone)
    entries = _last_entries(db, ids)

    def days_since(day: date | None) -> int | None:
        # A phone whose clock runs ahead may report a day after today: that is "today".
        return None if day is None else max(0, (today - day).days)

    return [
        ParticipantGlance(
            participant=participant,
            discharged=is_discharged_by(participant, today),
            active_devices=devices.get(participant.id, 0),
            last_sync_at=synced.get(participant.id),
            last_check_in_on=check_ins.get(participant.id),
            open_alerts=alerts.get(participant.id, 0),
            phq9=measures.get((participant.id, "phq9")),
            gad7=measures.get((participant.id, "gad7")),
            days_since_use=days_since(use.get(participant.id)),
            days_since_app_used=days_since(
                entry.astimezone(zone).date() if (entry := entries.get(participant.id))
                else None),
        )
        for participant in participants
    ]


def _active_devices(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = db.execute(select(Device.participant_id, func.count())
                      .where(Device.participant_id.in_(ids), Device.revoked_at.is_(None))
                      .group_by(Device.participant_id))
    return {participant_id: count for participant_id, count in rows}


def device_last_seen(db: Session, device_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each device last talked to the clinic: its newest token issued or first used
    (every sync signs in with a fresh access token at least each 15 minutes), or its
    newest record received."""
    ids = list(device_ids)
    if not ids:
        return {}
    seen: dict[uuid.UUID, datetime] = {}
    tokens = db.execute(select(DeviceToken.device_id, func.max(DeviceToken.issued_at),
                               func.max(DeviceToken.used_at))
                        .where(DeviceToken.device_id.in_(ids))
                        .group_by(DeviceToken.device_id))
    records = db.execute(select(ParticipantRecord.device_id,
                                func.max(ParticipantRecord.received_at))
                         .where(ParticipantRecord.device_id.in_(ids))
                         .group_by(ParticipantRecord.device_id))
    for device_id, *times in [*tokens, *records]:
        for moment in times:
            _keep_latest(seen, device_id, _as_utc(moment))
    return seen


def _last_sync(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    owners = {device_id: participant_id for device_id, participant_id in db.execute(
        select(Device.id, Device.participant_id).where(Device.participant_id.in_(ids)))}
    latest: dict[uuid.UUID, datetime] = {}
    for device_id, moment in device_last_seen(db, owners).items():
        _keep_latest(latest, owners[device_id], moment)
    return latest


def _open_alerts(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = db.execute(select(Alert.participant_id, func.count())
                      .where(Alert.participant_id.in_(ids), Alert.acknowledged_at.is_(None))
                      .group_by(Alert.participant_id))
    return {participant_id: count for participant_id, count in rows}


def _newest_of_kind(db: Session, ids: list[uuid.UUID],
                    kind: RecordKind) -> list[ParticipantRecord]:
    """Each participant's most recently received record of `kind`."""
    newest = (select(func.max(ParticipantRecord.server_seq))
              .where(ParticipantRecord.participant_id.in_(ids), ParticipantRecord.kind == kind)
              .group_by(ParticipantRecord.participant_id))
    return list(db.scalars(select(ParticipantRecord)
                           .where(ParticipantRecord.server_seq.in_(newest))))


def _last_check_in_days(db: Session, ids: list[uuid.UUID],
                        zone: ZoneInfo) -> dict[uuid.UUID, date]:
    # Check-ins are written once each and pushed oldest first, so the newest received is
    # the newest saved.
    return {record.participant_id: check_in_day(record, zone)
            for record in _newest_of_kind(db, ids, RecordKind.CHECK_IN)}


def _latest_measures(db: Session,
                     ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, str], LatestMeasure]:
    newest = (select(func.max(MeasureScore.server_seq))
              .join(ParticipantRecord, ParticipantRecord.server_seq == MeasureScore.server_seq)
              .where(ParticipantRecord.participant_id.in_(ids),
                     MeasureScore.measure.in_(("phq9", "gad7")))
              .group_by(ParticipantRecord.participant_id, MeasureScore.measure))
    rows = db.execute(select(ParticipantRecord, MeasureScore)
                      .join(MeasureScore, MeasureScore.server_seq == ParticipantRecord.server_seq)
                      .where(MeasureScore.server_seq.in_(newest)))
    return {
        (record.participant_id, score.measure): LatestMeasure(
            total=score.total, band=score.band,
            completed_at=aware_time(record.payload.get("completed_at")),
            received_at=record.received_at)
        for record, score in rows
    }


def _last_use_days(db: Session, ids: list[uuid.UUID], zone: ZoneInfo) -> dict[uuid.UUID, date]:
    """The latest day of reported use: a check-in that says so, or a lapse review's day."""
    latest: dict[uuid.UUID, date] = {}
    used = db.scalars(select(ParticipantRecord).where(
        ParticipantRecord.participant_id.in_(ids),
        ParticipantRecord.kind == RecordKind.CHECK_IN,
        ParticipantRecord.payload["used_since_last"].as_boolean().is_(True)))
    for record in used:
        _keep_latest(latest, record.participant_id, check_in_day(record, zone))
    reviews = db.scalars(select(ParticipantRecord).where(
        ParticipantRecord.participant_id.in_(ids),
        ParticipantRecord.kind == RecordKind.LAPSE_REVIEW))
    for record in reviews:
        day = iso_date(record.payload.get("happened_on"))
        if day is not None:
            _keep_latest(latest, record.participant_id, day)
    return latest


def _last_entries(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each participant last saved something in the app that reached the clinic: the
    phone's time of its newest record, but never later than the record arrived (a phone
    clock running ahead must not make old news look fresh)."""
    made = case((ParticipantRecord.device_created_at < ParticipantRecord.received_at,
                 ParticipantRecord.device_created_at),
                else_=ParticipantRecord.received_at)
    rows = db.execute(select(ParticipantRecord.participant_id, func.max(made))
                      .where(ParticipantRecord.participant_id.in_(ids),
                             ParticipantRecord.device_id.is_not(None))
                      .group_by(ParticipantRecord.participant_id))
    return {participant_id: _as_utc(moment) for participant_id, moment in rows
            if moment is not None}


def _keep_latest(found: dict[Any, Any], key: Any, value: Any) -> None:
    if value is not None and (key not in found or value > found[key]):
        found[key] = value


def _as_utc(moment: datetime | str | None) -> datetime | None:
    """An aggregate over a timestamp column comes back without the column's type on some
    databases (SQLite: text, naive): read it as the UTC it was stored in."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def aware_time(value: object) -> datetime | None:
    """The phone's time if it is an ISO 8601 time with a zone, else None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def iso_date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
