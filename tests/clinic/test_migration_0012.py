"""Migration 0012 on SQLite and PostgreSQL: a clinic at 0011 with codes given out and
family members who joined, upgraded (codes retired, joins awaiting the participant's
answer, consents ending within a year, every consent published again) and downgraded."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from iop_companion.clinic.db import alembic_config, create_clinic_engine
from iop_companion.clinic.models import UtcDateTime

# These tests start from an empty database and migrate it themselves.
pytestmark = pytest.mark.empty_database

BEFORE, AFTER = "0011_throttles_and_sessions", "0012_codes_and_consents"
GRANTED = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
YEAR = timedelta(days=365)

_time = UtcDateTime()


def _table(name: str, *columns: tuple[str, Any]) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, kind) for column, kind in columns))


# The tables as revision 0011 has them (the models may have grown since).
CLINICS = _table("clinics", ("id", sa.Uuid()), ("name", sa.String()), ("address", sa.String()),
                 ("phone", sa.String()), ("crisis_line", sa.String()),
                 ("timezone", sa.String()), ("created_at", _time),
                 ("measure_interval_days", sa.JSON()))
PARTICIPANTS = _table("participants", ("id", sa.Uuid()), ("clinic_id", sa.Uuid()),
                      ("display_name", sa.String()), ("created_at", _time))
DEVICES = _table("devices", ("id", sa.Uuid()), ("participant_id", sa.Uuid()),
                 ("label", sa.String()), ("created_at", _time))
CODES = _table("enrolment_codes", ("id", sa.Uuid()), ("participant_id", sa.Uuid()),
               ("code_hash", sa.String()), ("created_at", _time), ("expires_at", _time),
               ("used_at", _time))
INVITES = _table("family_invites", ("id", sa.Uuid()), ("participant_id", sa.Uuid()),
                 ("code_hash", sa.String()), ("recipient_name", sa.String()),
                 ("created_at", _time), ("expires_at", _time), ("used_at", _time))
MEMBERS = _table("family_members", ("id", sa.Uuid()), ("participant_id", sa.Uuid()),
                 ("display_name", sa.String()), ("token_hash", sa.String()),
                 ("created_at", _time), ("revoked_at", _time))
CONSENTS = _table("consents", ("id", sa.Uuid()), ("participant_id", sa.Uuid()),
                  ("invite_id", sa.Uuid()), ("family_member_id", sa.Uuid()),
                  ("scope", sa.String()), ("purpose", sa.String()), ("granted_at", _time),
                  ("expires_at", _time), ("revoked_at", _time))
CONSENT_ANSWERS = _table("consents", ("id", sa.Uuid()), ("confirmed_at", _time),
                         ("rejected_at", _time), ("expires_at", _time),
                         ("revoked_at", _time))
RECORDS = _table("participant_records", ("server_seq", sa.BigInteger()),
                 ("participant_id", sa.Uuid()), ("device_id", sa.Uuid()),
                 ("record_id", sa.Uuid()), ("version", sa.Integer()), ("kind", sa.String()),
                 ("priority", sa.Integer()), ("content_sha256", sa.String()),
                 ("payload", sa.JSON()), ("device_created_at", _time), ("received_at", _time))
PUBLISHED = _table("published_changes", ("seq", sa.BigInteger()), ("kind", sa.String()),
                   ("item_id", sa.String()), ("participant_id", sa.Uuid()),
                   ("data", sa.JSON()))


@dataclass
class Clinic011:
    """Ids of what was written at 0011."""

    sam: uuid.UUID
    device: uuid.UUID
    live_code: uuid.UUID  # unused, unexpired
    used_code: uuid.UUID
    unused_invite: uuid.UUID  # its consent has no end date
    unused_consent: uuid.UUID
    riley: uuid.UUID  # joined; consent without an end date
    riley_consent: uuid.UUID
    old_consent: uuid.UUID  # joined two years ago, "ends" in three years
    now: datetime


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_clinic_engine(database_url)
    yield engine
    engine.dispose()


def _go(database_url: str, engine: sa.Engine, revision: str, *, down: bool = False) -> None:
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


@pytest.fixture
def at_0011(database_url: str, engine: sa.Engine) -> Clinic011:
    _go(database_url, engine, BEFORE)
    now = datetime.now(UTC)
    ids = {name: uuid.uuid4() for name in (
        "clinic", "sam", "device", "live_code", "used_code", "unused_invite", "unused_consent",
        "riley_invite", "riley", "riley_consent", "old_invite", "old_member", "old_consent")}
    with engine.begin() as connection:
        connection.execute(sa.insert(CLINICS).values(
            id=ids["clinic"], name="c", address="a", phone="p", crisis_line="x",
            timezone="America/Chicago", created_at=GRANTED, measure_interval_days={}))
        connection.execute(sa.insert(PARTICIPANTS).values(
            id=ids["sam"], clinic_id=ids["clinic"], display_name="Sam", created_at=GRANTED))
        connection.execute(sa.insert(DEVICES).values(
            id=ids["device"], participant_id=ids["sam"], label="phone", created_at=GRANTED))
        connection.execute(sa.insert(CODES), [
            {"id": ids["live_code"], "participant_id": ids["sam"], "code_hash": _sha("ABCD2345"),
             "created_at": now, "expires_at": now + timedelta(minutes=10), "used_at": None},
            {"id": ids["used_code"], "participant_id": ids["sam"], "code_hash": _sha("EFGH6789"),
             "created_at": GRANTED, "expires_at": GRANTED + timedelta(minutes=15),
             "used_at": GRANTED + timedelta(minutes=1)}])
        connection.execute(sa.insert(INVITES), [
            {"id": ids["unused_invite"], "participant_id": ids["sam"],
             "code_hash": _sha("JKLM2345"), "recipient_name": "Jo", "created_at": now,
             "expires_at": now + timedelta(days=6), "used_at": None},
            {"id": ids["riley_invite"], "participant_id": ids["sam"],
             "code_hash": _sha("NPQR2345"), "recipient_name": "Riley", "created_at": GRANTED,
             "expires_at": GRANTED + timedelta(days=7), "used_at": GRANTED + timedelta(hours=1)},
            {"id": ids["old_invite"], "participant_id": ids["sam"],
             "code_hash": _sha("STUV2345"), "recipient_name": "Alex",
             "created_at": GRANTED - 2 * YEAR, "expires_at": GRANTED - 2 * YEAR + timedelta(7),
             "used_at": GRANTED - 2 * YEAR}])
        connection.execute(sa.insert(MEMBERS), [
            {"id": ids["riley"], "participant_id": ids["sam"], "display_name": "Someone",
             "token_hash": _sha("riley-token"), "created_at": GRANTED, "revoked_at": None},
            {"id": ids["old_member"], "participant_id": ids["sam"], "display_name": "Alex",
             "token_hash": _sha("alex-token"), "created_at": GRANTED - 2 * YEAR,
             "revoked_at": None}])
        consent = {"participant_id": ids["sam"], "scope": "education", "purpose": "p",
                   "revoked_at": None}
        connection.execute(sa.insert(CONSENTS), [
            {**consent, "id": ids["unused_consent"], "invite_id": ids["unused_invite"],
             "family_member_id": None, "granted_at": now, "expires_at": None},
            {**consent, "id": ids["riley_consent"], "invite_id": ids["riley_invite"],
             "family_member_id": ids["riley"], "granted_at": GRANTED, "expires_at": None},
            {**consent, "id": ids["old_consent"], "invite_id": ids["old_invite"],
             "family_member_id": ids["old_member"], "granted_at": GRANTED - 2 * YEAR,
             "expires_at": GRANTED + 3 * YEAR}])
    return Clinic011(sam=ids["sam"], device=ids["device"], live_code=ids["live_code"],
                     used_code=ids["used_code"], unused_invite=ids["unused_invite"],
                     unused_consent=ids["unused_consent"], riley=ids["riley"],
                     riley_consent=ids["riley_consent"], old_consent=ids["old_consent"],
                     now=now)


def _expiry(engine: sa.Engine, table: sa.TableClause, row_id: uuid.UUID) -> datetime:
    with engine.connect() as connection:
        found = connection.scalar(sa.select(table.c.expires_at).where(table.c.id == row_id))
    assert found is not None
    return found


def _record(seq: int, clinic: Clinic011, kind: str) -> dict[str, Any]:
    return {"server_seq": seq, "participant_id": clinic.sam, "device_id": clinic.device,
            "record_id": uuid.uuid4(), "version": 1, "kind": kind, "priority": 0,
            "content_sha256": "0" * 64, "payload": {}, "device_created_at": clinic.now,
            "received_at": clinic.now}


def test_upgrade_retires_unused_codes_and_asks_the_participant_about_past_joins(
    database_url: str, engine: sa.Engine, at_0011: Clinic011
) -> None:
    clinic = at_0011
    _go(database_url, engine, AFTER)
    upgraded = datetime.now(UTC)

    # Codes whose plain value is unknown cannot be given an HMAC: retired at the upgrade.
    for table, row_id in ((CODES, clinic.live_code), (INVITES, clinic.unused_invite)):
        assert clinic.now <= _expiry(engine, table, row_id) <= upgraded
    assert _expiry(engine, CODES, clinic.used_code) == GRANTED + timedelta(minutes=15)

    with engine.connect() as connection:
        answers = {row.id: row for row in connection.execute(sa.select(CONSENT_ANSWERS))}
        published = {row.item_id: row for row in connection.execute(
            sa.select(PUBLISHED).order_by(PUBLISHED.c.seq))}
        last_seq = connection.scalar(sa.text("SELECT last_seq FROM server_state"))
    # Every consent ends within a year of its grant; joins wait for the participant.
    riley = answers[clinic.riley_consent]
    assert (riley.expires_at, riley.confirmed_at, riley.rejected_at, riley.revoked_at) == (
        GRANTED + YEAR, None, None, None)
    assert answers[clinic.old_consent].expires_at == GRANTED - 2 * YEAR + YEAR  # so: ended
    assert answers[clinic.unused_consent].expires_at == clinic.now + YEAR

    # Each consent published again for the participant's app, as the clinic stands now.
    assert set(published) == {str(c) for c in answers}
    assert sorted(row.seq for row in published.values()) == [1, 2, 3] and last_seq == 3
    notice = published[str(clinic.riley_consent)].data
    assert (notice["joined"], notice["recipient_name"], notice["joined_name"],
            notice["family_member_id"], notice["confirmation"]) == (
        True, "Riley", "Someone", str(clinic.riley), "awaiting_confirmation")
    assert notice["expires_at"].startswith("2027-01-05T15:00:00")
    waiting = published[str(clinic.unused_consent)].data
    assert (waiting["joined"], waiting["confirmation"], waiting["joined_name"]) == (
        False, None, None)
    assert clinic.now <= datetime.fromisoformat(waiting["invite_expires_at"]) <= upgraded
    assert {row.participant_id for row in published.values()} == {clinic.sam}

    # The new rules hold in the database itself.
    with engine.begin() as connection:
        connection.execute(sa.insert(RECORDS).values(**_record(10, clinic,
                                                               "family_confirmation")))
    for bad in (
        sa.insert(RECORDS).values(**_record(11, clinic, "group_photo")),
        sa.update(CONSENT_ANSWERS).values(confirmed_at=upgraded, rejected_at=upgraded),
        sa.update(CONSENT_ANSWERS).where(CONSENT_ANSWERS.c.id == clinic.riley_consent)
          .values(expires_at=None),
    ):
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(bad)


def test_downgrade_revokes_joins_still_waiting_and_drops_the_answers(
    database_url: str, engine: sa.Engine, at_0011: Clinic011
) -> None:
    clinic = at_0011
    _go(database_url, engine, AFTER)
    with engine.begin() as connection:
        connection.execute(sa.insert(RECORDS).values(**_record(10, clinic,
                                                               "family_confirmation")))
        connection.execute(sa.insert(RECORDS).values(**_record(11, clinic, "check_in")))

    _go(database_url, engine, BEFORE, down=True)

    columns = {column["name"] for column in sa.inspect(engine).get_columns("consents")}
    assert not {"confirmed_at", "rejected_at"} & columns
    with engine.connect() as connection:
        consents = {row.id: row for row in connection.execute(sa.select(CONSENTS))}
        kinds = list(connection.scalars(sa.select(RECORDS.c.kind)))
        republished = list(connection.execute(
            sa.select(PUBLISHED).where(PUBLISHED.c.seq > 3).order_by(PUBLISHED.c.seq)))
    # A join nobody confirmed must not become shared under the old rules: revoked.
    assert consents[clinic.riley_consent].revoked_at is not None
    assert consents[clinic.riley_consent].expires_at == GRANTED + YEAR  # the date is kept
    assert consents[clinic.unused_consent].revoked_at is None
    assert kinds == ["check_in"]
    assert len(republished) == 3
    assert all("confirmation" not in row.data for row in republished)
    with engine.begin() as connection:  # the end date may be empty again
        connection.execute(sa.update(CONSENTS).where(CONSENTS.c.id == clinic.unused_consent)
                           .values(expires_at=None))

    _go(database_url, engine, AFTER)  # and up again
    with engine.connect() as connection:
        assert connection.scalar(sa.select(CONSENT_ANSWERS.c.expires_at).where(
            CONSENT_ANSWERS.c.id == clinic.unused_consent)) is not None
