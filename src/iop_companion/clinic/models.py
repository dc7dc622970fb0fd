"""The clinic server's tables (SQLAlchemy 2 typed models).

Schema changes go through an Alembic revision in `migrations/versions/`; a test
checks that these models and the migrations describe the same schema.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from iop_companion.domain.alert_rules import AlertTrigger
from iop_companion.sync.protocol import (
    AssignmentStatus,
    ConsentScope,
    RecordKind,
    SessionKind,
    SessionStatus,
)

# Deterministic constraint names, so later migrations can refer to them on any database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC on every database.

    SQLite has no timezone type and would silently drop the offset, so values are
    normalised to UTC on the way in and come back tagged as UTC. Naive datetimes
    are refused: a clock time without a zone is a bug waiting to happen.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamps stored by the clinic server must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _enum_column(enum_class: type[StrEnum]) -> Enum:
    # Stored as plain strings (values, not names) with a CHECK constraint declared on
    # the table: adding a kind later is a small migration, not a native-enum dance.
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def _in_values_check(column: str, enum_class: type[StrEnum]) -> str:
    values = ", ".join(f"'{member.value}'" for member in enum_class)
    return f"{column} IN ({values})"


class StaffRole(StrEnum):
    CLINICIAN = "clinician"
    ADMINISTRATOR = "administrator"


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Clinic(Base):
    __tablename__ = "clinics"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(400))
    phone: Mapped[str] = mapped_column(String(40))
    crisis_line: Mapped[str] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    # {"phq9": 14, "gad7": 14, "bam": 7}: only the measures the clinic set itself.
    measure_interval_days: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Hours within which the clinic answers an "I need support" request (None: not stated).
    support_response_hours: Mapped[int | None] = mapped_column(Integer, default=None)
    # The thresholds of the alert rules (domain/alert_rules.py AlertThresholds), only
    # those the clinic set itself; the rest are the program's defaults.
    alert_thresholds: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # The emotions its diary card asks about, in order (sync/protocol
    # DIARY_EMOTION_CATALOGUE ids); None (SQL NULL): the app's default set.
    diary_emotions: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True),
                                                             default=None)


class Staff(Base):
    """A clinician or administrator account (one per person)."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(_in_values_check("role", StaffRole), name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))  # Argon2id, PHC string
    role: Mapped[StaffRole] = mapped_column(_enum_column(StaffRole))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    # Checked on every request: a disabled account neither signs in nor uses its sessions.
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Set when repeated wrong passwords locked the account: a notice for the clinic's admin
    # (with an audit entry); cleared by `iop-clinic staff enable`.
    locked_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Set while the password is a temporary one an administrator gave out (a new account,
    # a reset): its sessions open nothing but choosing a new password (clinic/auth.py).
    password_change_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false"))


class Participant(Base):
    __tablename__ = "participants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(80))  # first name or chosen name
    program_start: Mapped[date | None] = mapped_column(Date)
    program_end: Mapped[date | None] = mapped_column(Date)
    # Set when the clinic discharges the participant (published to their app).
    discharged_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)

    clinic: Mapped[Clinic] = relationship(lazy="joined", innerjoin=True)


class EnrolmentCode(Base):
    """A single-use code that lets one device join a participant's account."""

    __tablename__ = "enrolment_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    # HMAC-SHA256 hex under the server secret (clinic/credentials.py), never the code.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Device(Base):
    """A participant's enrolled phone; the clinic revokes it by setting `revoked_at`.

    Its credentials are rows of `device_tokens`, which a revocation makes useless.
    """

    __tablename__ = "devices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    participant: Mapped[Participant] = relationship(lazy="joined", innerjoin=True)


class FamilyInvite(Base):
    """A single-use code that lets the named person join as the participant's family member.

    Longer-lived than an enrolment code (it is passed on outside the clinic) but
    still single use (security A1). Its consents say what joining gives access to.
    """

    __tablename__ = "family_invites"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    # HMAC-SHA256 hex under the server secret (clinic/credentials.py), never the code.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    recipient_name: Mapped[str] = mapped_column(String(80))  # the named person (42 CFR 2.31)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class FamilyMember(Base):
    """A family member's account (one per person, security A3), made by redeeming an invite.

    What it may see is decided by its consents at every request, not by the account.
    """

    __tablename__ = "family_members"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    participant: Mapped[Participant] = relationship(lazy="joined", innerjoin=True)


class Consent(Base):
    """A participant's consent to share `scope` with one recipient (42 CFR 2.31).

    Who (the invite's named person, then the family member who redeemed it), what
    (`scope`), why (`purpose`), until when (`expires_at`: at most a year after
    `granted_at`), when given (`granted_at`) and whether withdrawn (`revoked_at`).
    Rows are never deleted: revoking sets `revoked_at`, which blocks access at the next
    request. Joining binds the consent to the family member, but nothing is shared
    until the participant confirms that person (`confirmed_at`); saying it is not them
    sets `rejected_at` and revokes it (clinic/family.py).
    """

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(_in_values_check("scope", ConsentScope), name="scope"),
        CheckConstraint(
            "invite_id IS NOT NULL OR family_member_id IS NOT NULL", name="has_recipient"
        ),
        CheckConstraint(
            "expires_at IS NULL OR expires_at > granted_at", name="expires_after_grant"
        ),
        CheckConstraint("confirmed_at IS NULL OR rejected_at IS NULL", name="one_answer"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    # The invite names the recipient until they join; then the family member does.
    invite_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("family_invites.id"), index=True)
    family_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_members.id"), index=True
    )
    scope: Mapped[ConsentScope] = mapped_column(_enum_column(ConsentScope))
    purpose: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The participant's answer about the person who joined (at most one of the two).
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rejected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AttendanceStatus(StrEnum):
    ATTENDED = "attended"
    MISSED = "missed"
    EXCUSED = "excused"  # absent with the clinic's agreement: never counted as missed


class ParticipantGroup(Base):
    """A clinic's named group of participants ("Tuesday evening group").

    Archived, never deleted: sessions and attendance keep pointing at it. The name is
    unique among the clinic's groups that are not archived (an archived group's name
    can be used again).
    """

    __tablename__ = "participant_groups"
    __table_args__ = (
        Index(None, "clinic_id", "name", unique=True,
              sqlite_where=text("archived_at IS NULL"),
              postgresql_where=text("archived_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class GroupMember(Base):
    """A participant's current membership of a group (a participant may be in several).
    Removing a member deletes the row; the audit log keeps who was added and removed."""

    __tablename__ = "group_members"

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant_groups.id"),
                                                primary_key=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"),
                                                      primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class ScheduledSessionRecord(Base):
    """One program session, for one participant (`participant_id`), one group
    (`group_id`) or the whole program (both None).

    Times are stored in UTC; `timezone` is the IANA zone its local times were written
    in (None for sessions made before migration 0015). The occurrences of a weekly
    repeat share a `series_id` (None for a single session).
    """

    __tablename__ = "scheduled_sessions"
    __table_args__ = (
        CheckConstraint(_in_values_check("kind", SessionKind), name="kind"),
        CheckConstraint(_in_values_check("status", SessionStatus), name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("participant_id IS NULL OR group_id IS NULL", name="one_audience"),
        Index(None, "clinic_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"))
    participant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participants.id"), index=True
    )
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participant_groups.id"), index=True
    )
    series_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name
    kind: Mapped[SessionKind] = mapped_column(_enum_column(SessionKind))
    title: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    location: Mapped[str] = mapped_column(String(200))
    telehealth: Mapped[bool] = mapped_column(Boolean, default=False)
    facilitator: Mapped[str] = mapped_column(String(120))
    status: Mapped[SessionStatus] = mapped_column(
        _enum_column(SessionStatus), default=SessionStatus.SCHEDULED
    )
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class SessionAttendanceRecord(Base):
    """Whether one participant came to one session, as a clinician last recorded it
    (a correction replaces it; the audit log keeps each recording)."""

    __tablename__ = "session_attendance"
    __table_args__ = (
        CheckConstraint(_in_values_check("status", AttendanceStatus), name="status"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scheduled_sessions.id"),
                                                  primary_key=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"),
                                                      primary_key=True, index=True)
    status: Mapped[AttendanceStatus] = mapped_column(_enum_column(AttendanceStatus))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """Append-only (database triggers refuse UPDATE and DELETE).

    Holds who did what to which record and when; never tokens, codes or health data.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(_in_values_check("outcome", AuditOutcome), name="outcome"),
        Index(None, "record_type", "record_id"),
    )

    # BIGINT on PostgreSQL because the log only grows; SQLite needs INTEGER to autoincrement.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # "device:<uuid>", "family:<uuid>", "staff:<uuid>", "anonymous"
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))  # e.g. "enrolment.create"
    outcome: Mapped[AuditOutcome] = mapped_column(_enum_column(AuditOutcome))
    record_type: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(200))  # machine-readable, e.g. "expired"


class ServerState(Base):
    """The server's one row of sync bookkeeping (its id is always 1).

    `last_seq` is the sync sequence: a push takes the next number by updating this
    row in its own transaction, so the row lock orders concurrent pushes from any
    number of workers and sequence numbers become visible in commit order (a pull
    cursor never skips a change committed late). `epoch` is random, made once by
    migration 0003; a database restored from a backup is recognised by it (Y6).
    """

    __tablename__ = "server_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    epoch: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(BigInteger)


class ParticipantRecord(Base):
    """One version of one record, never updated or overwritten: pushed by a participant's
    app (device_id), or written by a clinician for a record both sides share
    (author_staff_id; treatment goals, the aftercare plan)."""

    __tablename__ = "participant_records"
    __table_args__ = (
        CheckConstraint(_in_values_check("kind", RecordKind), name="kind"),
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("participant_id", "record_id", "version"),
    )

    # Assigned from ServerState.last_seq; orders records for pulls (never device time).
    server_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id"), index=True)
    author_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    record_id: Mapped[uuid.UUID] = mapped_column()
    version: Mapped[int] = mapped_column(Integer)
    replaces_version: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[RecordKind] = mapped_column(_enum_column(RecordKind))
    priority: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the canonical JSON of (kind, replaces_version, payload): replays match it.
    content_sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    device_created_at: Mapped[datetime] = mapped_column(UtcDateTime())  # recorded, not trusted
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Alert(Base):
    """Safety flags, or events of one alert rule, of one trigger from one participant, for
    their clinicians.

    At most one open (unacknowledged) alert per participant and trigger: a flag or rule
    event arriving while one is open is folded into it (`flag_count`, `latest_at`,
    `detail`); acknowledging closes it and the next one opens a new one (clinic/alerts.py).
    `record_id` is the record whose arrival opened it (the flag, the check-in, the
    measure result; for silence, the last check-in before it, if any); every flag stays
    in participant_records and every event in alert_events. `priority` is the clinic's,
    from the trigger, never the phone's.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(_in_values_check("trigger", AlertTrigger), name="trigger"),
        CheckConstraint("flag_count >= 1", name="flag_count_positive"),
        Index(None, "participant_id", "trigger", unique=True,
              sqlite_where=text("acknowledged_at IS NULL"),
              postgresql_where=text("acknowledged_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    record_id: Mapped[uuid.UUID | None] = mapped_column()
    trigger: Mapped[AlertTrigger] = mapped_column(_enum_column(AlertTrigger))
    priority: Mapped[int] = mapped_column(Integer)
    # The phone's clock at the first flag, or when what raised a rule's alert happened.
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())  # the server's, first flag
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    flag_count: Mapped[int] = mapped_column(Integer, default=1)  # flags folded in
    latest_at: Mapped[datetime] = mapped_column(UtcDateTime())  # the server's, latest flag
    # The figures behind the latest rule event folded in (None for safety flags).
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON)
    # What the clinician who acknowledged it wrote (None before migration 0013).
    acknowledgement_note: Mapped[str | None] = mapped_column(String(1000))

    participant: Mapped[Participant] = relationship(lazy="joined", innerjoin=True)
    acknowledger: Mapped[Staff | None] = relationship(lazy="joined")


class AlertEvent(Base):
    """One happening that raised or joined an alert: a safety flag, or what one rule found
    (domain/alert_rules.py). `key` names the happening ("flag:<record id>", "craving_run:
    <first day>"...): a participant's key is stored once, so the same data evaluated
    again (a replay, a later check-in finding the same run, the list read twice) adds
    nothing (clinic/alert_evaluation.py)."""

    __tablename__ = "alert_events"
    __table_args__ = (
        CheckConstraint(_in_values_check("trigger", AlertTrigger), name="trigger"),
        UniqueConstraint("participant_id", "key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id"), index=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"))
    trigger: Mapped[AlertTrigger] = mapped_column(_enum_column(AlertTrigger))
    key: Mapped[str] = mapped_column(String(120))
    record_id: Mapped[uuid.UUID | None] = mapped_column()  # the record it came from, if any
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())  # when it happened
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())  # when the clinic raised it
    detail: Mapped[dict[str, object]] = mapped_column(JSON)


class MeasureScore(Base):
    """The clinic's own score of one stored version of a measure result, from its answers
    with the app's scoring functions (clinic/measures.py), beside the phone's claim.

    `total` and `band` for the PHQ-9 and GAD-7; the BAM's subscales (it has no total).
    `claimed`: the scores the phone sent, as sent; `mismatch`: they differ from ours.
    """

    __tablename__ = "measure_scores"
    __table_args__ = (CheckConstraint("measure IN ('phq9', 'gad7', 'bam')", name="measure"),)

    server_seq: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("participant_records.server_seq"), primary_key=True,
        autoincrement=False)
    measure: Mapped[str] = mapped_column(String(8))
    total: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(32))
    bam_use: Mapped[int | None] = mapped_column(Integer)
    bam_risk: Mapped[int | None] = mapped_column(Integer)
    bam_protective: Mapped[int | None] = mapped_column(Integer)
    claimed: Mapped[dict[str, object]] = mapped_column(JSON)
    mismatch: Mapped[bool] = mapped_column(Boolean)
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffSession(Base):
    """A clinician's signed-in session; the bearer token is stored only as a SHA-256 digest."""

    __tablename__ = "staff_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The last request it opened (sliding idle timeout); None: not used since sign-in.
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    staff: Mapped[Staff] = relationship(lazy="joined", innerjoin=True)


class ThrottleCounter(Base):
    """Recent failures under one key (a client address, an email digest, or everyone),
    kept in the database so that every worker sees the same count (clinic/throttle.py)."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class DeviceTokenKind(StrEnum):
    ACCESS = "access"  # opens participant routes for 15 minutes
    REFRESH = "refresh"  # exchanged once for a new pair (security A2)


class DeviceToken(Base):
    """One token of a device, stored only as its SHA-256 digest.

    A refresh token is spent by setting `used_at`; an access token records its first
    use there. `retired_at` marks a pair issued in reply to a refresh the phone then
    retried (the reply was lost): it should never be seen again (clinic/tokens.py).
    """

    __tablename__ = "device_tokens"
    __table_args__ = (
        CheckConstraint(_in_values_check("kind", DeviceTokenKind), name="kind"),
        Index(None, "device_id", "kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id"))
    kind: Mapped[DeviceTokenKind] = mapped_column(_enum_column(DeviceTokenKind))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The refresh token whose exchange issued this one (None for enrolment's pair).
    parent_id: Mapped[uuid.UUID | None] = mapped_column(index=True)

    device: Mapped[Device] = relationship(lazy="joined", innerjoin=True)


class PublishedChange(Base):
    """One change the clinic published to participants' apps (the pull feed).

    `participant_id` None means every participant of `clinic_id` (the clinic's
    profile, whole-program sessions). `data` is a snapshot in the wire model of
    `kind` (sync/protocol/ CHANGE_DATA_MODELS), so a pull never reassembles
    history from live rows. `seq` comes from ServerState.last_seq.
    """

    __tablename__ = "published_changes"
    __table_args__ = (Index(None, "clinic_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"))
    participant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participants.id"), index=True
    )
    # Plain strings, no CHECK: new kinds need no migration.
    kind: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, object] | None] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())


class _Assignment:
    """What homework and module assignments share: for one participant, set by a clinician
    on a day of the clinic's calendar, maybe due on another; withdrawn, never deleted."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"))
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    assigned_on: Mapped[date] = mapped_column(Date)  # the clinic's local date
    status: Mapped[AssignmentStatus] = mapped_column(_enum_column(AssignmentStatus))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HomeworkRecord(_Assignment, Base):
    __tablename__ = "homework_assignments"
    __table_args__ = (CheckConstraint(_in_values_check("status", AssignmentStatus),
                                      name="status"),)

    title: Mapped[str] = mapped_column(String(120))
    instructions: Mapped[str] = mapped_column(String(2000))
    module_id: Mapped[str | None] = mapped_column(String(64))
    # A practice exercise it asks for (assets/exercises); the app opens it from the homework.
    exercise_id: Mapped[str | None] = mapped_column(String(64))


class ModuleAssignmentRecord(_Assignment, Base):
    __tablename__ = "module_assignments"
    __table_args__ = (CheckConstraint(_in_values_check("status", AssignmentStatus),
                                      name="status"),)

    module_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))


class DiaryTargetRecord(Base):
    """One target a clinician set for a participant's diary card ("Skipped a meal"),
    rated on the card like an urge. `target_id` is what the card keys its rating by
    (a short id, sync/protocol DIARY_TARGET_ID_PATTERN), kept while the label stays the
    same (case and spacing aside).

    Never deleted: a target taken off the list gets `removed_at` and no `position`, so
    the cards that rated it still name it; the list the card shows is the targets not
    removed, by `position`. The same label set again later brings the row back.
    """

    __tablename__ = "diary_targets"

    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"),
                                                      primary_key=True)
    target_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(60))
    position: Mapped[int | None] = mapped_column(Integer)  # 0 first; None once removed
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
