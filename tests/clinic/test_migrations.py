"""Schema migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from iop_companion.clinic.db import alembic_config, create_clinic_engine, migrate
from iop_companion.clinic.models import (
    Alert,
    AuditEntry,
    AuditOutcome,
    Base,
    Clinic,
    MeasureScore,
    Participant,
    UtcDateTime,
)

# These tests start from an empty database and migrate it themselves.
pytestmark = pytest.mark.empty_database

TABLES = {
    "clinics",
    "staff",
    "participants",
    "enrolment_codes",
    "devices",
    "scheduled_sessions",
    "audit_log",
    "family_invites",
    "family_members",
    "consents",
    "server_state",
    "participant_records",
    "alerts",
    "staff_sessions",
    "measure_scores",
}
FAMILY_TABLES = {"family_invites", "family_members", "consents"}


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    migrate(database_url)
    engine = create_clinic_engine(database_url)
    yield engine
    engine.dispose()


def _head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrate_creates_every_table_at_the_head_revision(engine: sa.Engine) -> None:
    assert TABLES <= set(sa.inspect(engine).get_table_names())
    assert _current_revision(engine) == _head_revision()


def test_migrating_an_up_to_date_database_changes_nothing(
    database_url: str, engine: sa.Engine
) -> None:
    migrate(database_url)
    assert _current_revision(engine) == _head_revision()


def test_models_and_migrations_describe_the_same_schema(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_downgrade_to_nothing_and_upgrade_again(database_url: str, engine: sa.Engine) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    assert not TABLES & set(sa.inspect(engine).get_table_names())
    migrate(database_url)
    assert TABLES <= set(sa.inspect(engine).get_table_names())


def test_a_database_at_0001_upgrades_with_its_data_and_downgrades_back(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    engine = create_clinic_engine(database_url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001_initial")
        assert not FAMILY_TABLES & set(sa.inspect(engine).get_table_names())
        clinic_id = uuid.uuid4()
        with engine.begin() as connection:
            # The clinics table as revision 0001 made it (the model has grown since).
            clinics_at_0001 = sa.table(
                "clinics", *(sa.column(name) for name in (
                    "id", "name", "address", "phone", "crisis_line", "timezone",
                    "created_at")))
            connection.execute(
                sa.insert(clinics_at_0001).values(
                    id=clinic_id if engine.dialect.name != "sqlite" else clinic_id.hex,
                    name="c",
                    address="a",
                    phone="p",
                    crisis_line="x",
                    timezone="America/Chicago",
                    created_at=datetime.now(UTC),
                )
            )
            connection.execute(
                sa.insert(Participant).values(
                    id=clinic_id,
                    clinic_id=clinic_id,
                    display_name="Sam",
                    created_at=datetime.now(UTC),
                )
            )

        migrate(database_url)

        assert _current_revision(engine) == _head_revision()
        assert FAMILY_TABLES <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.scalar(sa.select(Participant.display_name)) == "Sam"
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001_initial")
        assert not FAMILY_TABLES & set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.scalar(sa.select(Participant.display_name)) == "Sam"
    finally:
        engine.dispose()


def test_audit_log_refuses_updates_and_deletes(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.insert(AuditEntry).values(
                at=datetime.now(UTC), actor="anonymous", action="test", outcome=AuditOutcome.SUCCESS
            )
        )
    for statement in (sa.update(AuditEntry).values(actor="someone else"), sa.delete(AuditEntry)):
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            engine.begin() as connection,
        ):
            connection.execute(statement)
    with engine.connect() as connection:
        assert connection.scalar(sa.select(AuditEntry.actor)) == "anonymous"


def test_timestamps_come_back_in_utc_whatever_zone_they_were_written_in(
    engine: sa.Engine,
) -> None:
    written = datetime(2026, 3, 4, 9, 0, tzinfo=timezone(timedelta(hours=-6)))
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Clinic).values(
                id=Clinic.id.default.arg(None),  # type: ignore[union-attr]
                name="c",
                address="a",
                phone="p",
                crisis_line="x",
                timezone="America/Chicago",
                created_at=written,
            )
        )
    with engine.connect() as connection:
        read = connection.scalar(sa.select(Clinic.created_at))
    assert read == written
    assert read is not None and read.tzinfo == UTC


def test_naive_timestamps_are_refused(engine: sa.Engine) -> None:
    naive = datetime(2026, 3, 4, 9, 0)
    with (
        pytest.raises(sa.exc.StatementError, match="timezone-aware"),
        engine.begin() as connection,
    ):
        connection.execute(
            sa.insert(AuditEntry).values(at=naive, actor="a", action="b", outcome="success")
        )


def test_the_server_epoch_is_made_once_at_migration(database_url: str, engine: sa.Engine) -> None:
    with engine.connect() as connection:
        epoch = connection.execute(sa.text("SELECT epoch, last_seq FROM server_state")).one()
    assert len(epoch[0]) == 32 and epoch[1] == 0
    migrate(database_url)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT epoch FROM server_state")) == epoch[0]


def test_a_clinic_from_0008_gets_no_stated_support_response_time_and_downgrades_back(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    engine = create_clinic_engine(database_url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0008_care_plans_and_assignments")
        clinic_id = uuid.uuid4()
        with engine.begin() as connection:
            clinics_at_0008 = sa.table(
                "clinics", *(sa.column(name) for name in (
                    "id", "name", "address", "phone", "crisis_line", "timezone",
                    "created_at", "measure_interval_days")))
            connection.execute(sa.insert(clinics_at_0008).values(
                id=clinic_id if engine.dialect.name != "sqlite" else clinic_id.hex,
                name="c", address="a", phone="p", crisis_line="x",
                timezone="America/Chicago", created_at=datetime.now(UTC),
                measure_interval_days="{}"))

        migrate(database_url)

        with engine.connect() as connection:
            assert connection.execute(
                sa.select(Clinic.name, Clinic.support_response_hours)).one() == ("c", None)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0008_care_plans_and_assignments")
        columns = {column["name"] for column in sa.inspect(engine).get_columns("clinics")}
        assert "support_response_hours" not in columns
        with engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT name FROM clinics")) == "c"
    finally:
        engine.dispose()


def test_0010_folds_open_alerts_sets_priorities_and_downgrades_back(database_url: str) -> None:
    config = alembic_config(database_url)
    engine = create_clinic_engine(database_url)
    start = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    clinic_id, sam, riley = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # The alerts table as revision 0009 has it (the model has grown since).
    alerts_at_0009 = sa.table(
        "alerts", sa.column("id", sa.Uuid()), sa.column("participant_id", sa.Uuid()),
        sa.column("record_id", sa.Uuid()), sa.column("trigger", sa.String()),
        sa.column("priority", sa.Integer()), sa.column("raised_at", UtcDateTime()),
        sa.column("received_at", UtcDateTime()), sa.column("acknowledged_at", UtcDateTime()))

    def alert(participant: uuid.UUID, trigger: str, minutes: int,
              acknowledged: bool = False) -> dict[str, object]:
        at = start + timedelta(minutes=minutes)
        return {"id": uuid.uuid4(), "participant_id": participant, "record_id": uuid.uuid4(),
                "trigger": trigger, "priority": 100, "raised_at": at, "received_at": at,
                "acknowledged_at": at + timedelta(hours=1) if acknowledged else None}

    rows = [alert(sam, "phq9_item9", 0), alert(sam, "phq9_item9", 5),
            alert(sam, "phq9_item9", 9), alert(sam, "phq9_item9", 1, acknowledged=True),
            alert(sam, "participant_request", 3), alert(riley, "phq9_item9", 7)]
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0009_support_response")
        with engine.begin() as connection:
            clinics_at_0009 = sa.table("clinics", *(sa.column(name) for name in (
                "id", "name", "address", "phone", "crisis_line", "timezone", "created_at",
                "measure_interval_days")))
            connection.execute(sa.insert(clinics_at_0009).values(
                id=clinic_id if engine.dialect.name != "sqlite" else clinic_id.hex,
                name="c", address="a", phone="p", crisis_line="x",
                timezone="America/Chicago", created_at=start, measure_interval_days="{}"))
            for participant, name in ((sam, "Sam"), (riley, "Riley")):
                connection.execute(sa.insert(Participant).values(
                    id=participant, clinic_id=clinic_id, display_name=name, created_at=start))
            connection.execute(sa.insert(alerts_at_0009), rows)

        migrate(database_url)

        with engine.connect() as connection:
            found = {row.id: row for row in connection.execute(sa.select(
                Alert.id, Alert.trigger, Alert.priority, Alert.flag_count, Alert.latest_at,
                Alert.acknowledged_at))}
            assert connection.scalar(sa.select(sa.func.count()).select_from(MeasureScore)) == 0
        # Sam's three open item-9 alerts are one, the earliest, with their count and the
        # latest time; the acknowledged one is left as it was.
        assert set(found) == {rows[0]["id"], *(row["id"] for row in rows[3:])}
        folded = found[rows[0]["id"]]
        assert (folded.flag_count, folded.latest_at) == (3, start + timedelta(minutes=9))
        assert found[rows[3]["id"]].flag_count == 1
        assert found[rows[3]["id"]].latest_at == start + timedelta(minutes=1)
        assert {row.trigger: row.priority for row in found.values()} == {
            "phq9_item9": 70, "participant_request": 100}
        # One open alert per participant and trigger, enforced by the database.
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(sa.insert(Alert).values(
                **{**alert(riley, "phq9_item9", 20), "priority": 70},
                flag_count=1, latest_at=start))

        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0009_support_response")
        assert "measure_scores" not in sa.inspect(engine).get_table_names()
        columns = {column["name"] for column in sa.inspect(engine).get_columns("alerts")}
        assert not {"flag_count", "latest_at"} & columns
        with engine.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(alerts_at_0009)) == 4
        migrate(database_url)
        assert _current_revision(engine) == _head_revision()
    finally:
        engine.dispose()
