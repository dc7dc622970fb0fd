"""Migration 0013 (alert rules) on SQLite and PostgreSQL, with data: existing alerts keep
everything they had, clinics start with the default thresholds, and a downgrade keeps
the safety alerts while dropping what the older schema has no place for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from iop_companion.clinic.db import alembic_config, create_clinic_engine, migrate
from iop_companion.clinic.models import Alert, AlertEvent, Clinic, Participant

# These tests start from an empty database and migrate it themselves.
pytestmark = pytest.mark.empty_database

START = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
BEFORE = "0012_codes_and_consents"


def test_0013_keeps_existing_alerts_and_downgrades_back(database_url: str) -> None:
    config = alembic_config(database_url)
    engine = create_clinic_engine(database_url)
    sqlite = engine.dialect.name == "sqlite"
    clinic_id, sam = uuid.uuid4(), uuid.uuid4()
    flag_ids = [uuid.uuid4(), uuid.uuid4()]
    # The tables as revision 0012 has them (the models have grown since).
    clinics = sa.table("clinics", *(sa.column(name) for name in (
        "id", "name", "address", "phone", "crisis_line", "timezone", "created_at",
        "measure_interval_days")))
    alerts = sa.table(
        "alerts", sa.column("id", sa.Uuid()), sa.column("participant_id", sa.Uuid()),
        sa.column("record_id", sa.Uuid()), sa.column("trigger", sa.String()),
        sa.column("priority", sa.Integer()), sa.column("raised_at", sa.DateTime()),
        sa.column("received_at", sa.DateTime()), sa.column("acknowledged_at", sa.DateTime()),
        sa.column("flag_count", sa.Integer()), sa.column("latest_at", sa.DateTime()))
    at = START.replace(tzinfo=None) if sqlite else START
    old_alerts = [
        {"id": uuid.uuid4(), "participant_id": sam, "record_id": flag_ids[0],
         "trigger": "participant_request", "priority": 100, "raised_at": at, "received_at": at,
         "acknowledged_at": None, "flag_count": 3, "latest_at": at},
        {"id": uuid.uuid4(), "participant_id": sam, "record_id": flag_ids[1],
         "trigger": "phq9_item9", "priority": 70, "raised_at": at, "received_at": at,
         "acknowledged_at": at, "flag_count": 1, "latest_at": at},
    ]
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, BEFORE)
        with engine.begin() as connection:
            connection.execute(sa.insert(clinics).values(
                id=clinic_id.hex if sqlite else clinic_id, name="c", address="a", phone="p",
                crisis_line="x", timezone="America/Chicago", created_at=at,
                measure_interval_days="{}"))
            connection.execute(sa.insert(Participant).values(
                id=sam, clinic_id=clinic_id, display_name="Sam", created_at=START))
            connection.execute(sa.insert(alerts), old_alerts)

        migrate(database_url)

        with engine.connect() as connection:
            assert connection.scalar(sa.select(Clinic.alert_thresholds)) == {}
            kept = connection.execute(sa.select(
                Alert.id, Alert.record_id, Alert.trigger, Alert.flag_count, Alert.detail,
                Alert.acknowledgement_note).order_by(Alert.priority.desc())).all()
        assert [(row.id, row.record_id, row.trigger, row.flag_count) for row in kept] == [
            (a["id"], a["record_id"], a["trigger"], a["flag_count"]) for a in old_alerts]
        assert {(row.detail, row.acknowledgement_note) for row in kept} == {(None, None)}

        # What the new schema allows: a rule's alert without a record, its event, and a
        # second alert from the same record (one PHQ-9 can raise several).
        silence, severe, rise = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        measure_record = uuid.uuid4()
        with engine.begin() as connection:
            for alert_id, trigger, record_id in ((silence, "no_check_in", None),
                                                 (severe, "phq9_severe", measure_record),
                                                 (rise, "phq9_rise", measure_record)):
                connection.execute(sa.insert(Alert).values(
                    id=alert_id, participant_id=sam, record_id=record_id, trigger=trigger,
                    priority=20, raised_at=START, received_at=START, flag_count=1,
                    latest_at=START, detail={"days": 3}))
            connection.execute(sa.insert(AlertEvent).values(
                id=uuid.uuid4(), alert_id=silence, participant_id=sam, trigger="no_check_in",
                key="no_check_in:2026-03-05", record_id=None, occurred_at=START,
                received_at=START, detail={"days": 3}))
        # A happening is filed once per participant; an unknown trigger is refused.
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(sa.insert(AlertEvent).values(
                id=uuid.uuid4(), alert_id=silence, participant_id=sam, trigger="no_check_in",
                key="no_check_in:2026-03-05", occurred_at=START, received_at=START, detail={}))
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(sa.text(
                "UPDATE alerts SET \"trigger\" = 'made_up' WHERE priority = 100"))

        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, BEFORE)
        inspector = sa.inspect(engine)
        assert "alert_events" not in inspector.get_table_names()
        assert not {"detail", "acknowledgement_note"} & {
            column["name"] for column in inspector.get_columns("alerts")}
        assert "alert_thresholds" not in {
            column["name"] for column in inspector.get_columns("clinics")}
        with engine.connect() as connection:
            left = connection.execute(sa.select(alerts.c.id, alerts.c.trigger)
                                      .order_by(alerts.c.priority.desc())).all()
        assert [(row.id, row.trigger) for row in left] == [
            (a["id"], a["trigger"]) for a in old_alerts]
        # The older schema's rules are back: one alert per flag record, safety triggers.
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(sa.insert(alerts).values(
                **{**old_alerts[1], "id": uuid.uuid4(), "raised_at": at + timedelta(1)}))
        migrate(database_url)
        with engine.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(Alert)) == 2
    finally:
        engine.dispose()
