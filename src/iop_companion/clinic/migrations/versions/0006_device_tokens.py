"""Short-lived access tokens and rotating refresh tokens for devices.

Each device's long-lived token becomes its first refresh token: an enrolled phone
exchanges it once for a pair and carries on, with no new enrolment needed.

Revision ID: 0006_device_tokens
Revises: 0005_published_changes
Create Date: 2026-11-22
"""

import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0006_device_tokens"
down_revision: str | Sequence[str] | None = "0005_published_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
TOKEN_KINDS = ("access", "refresh")
MIGRATED_REFRESH_LIFETIME = timedelta(days=180)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    tokens = op.create_table(
        "device_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.Column("used_at", _timestamp(), nullable=True),
        sa.Column("retired_at", _timestamp(), nullable=True),
        # The refresh token whose exchange issued this one (None for enrolment's pair).
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            f"kind IN ({', '.join(repr(kind) for kind in TOKEN_KINDS)})",
            name=op.f("ck_device_tokens_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_device_tokens_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_device_tokens_device_id_kind"), "device_tokens", ["device_id", "kind"]
    )
    op.create_index(op.f("ix_device_tokens_parent_id"), "device_tokens", ["parent_id"])
    connection = op.get_bind()
    now = datetime.now(UTC)
    devices = connection.execute(
        sa.text("SELECT id, token_hash FROM devices WHERE revoked_at IS NULL")
    ).all()
    if devices:
        op.bulk_insert(tokens, [
            {"id": uuid.uuid4(), "device_id": _uuid(device_id), "kind": "refresh",
             "token_hash": token_hash, "issued_at": now,
             "expires_at": now + MIGRATED_REFRESH_LIFETIME, "used_at": None,
             "retired_at": None, "parent_id": None}
            for device_id, token_hash in devices
        ])
    # On SQLite this copies the table: db.migrate_engine runs migrations with foreign
    # keys off (then checks them), as SQLite requires for such changes.
    with op.batch_alter_table("devices") as batch:
        batch.drop_constraint(op.f("uq_devices_token_hash"), type_="unique")
        batch.drop_column("token_hash")


def _uuid(value: object) -> uuid.UUID:
    # SQLite's raw rows hold UUIDs as 32-character hex text.
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(64), nullable=True))
    connection = op.get_bind()
    # A device gets back its newest unspent refresh token as its long-lived token;
    # one with none gets a random digest nobody holds (it must enrol again).
    for (device_id,) in connection.execute(sa.text("SELECT id FROM devices")).all():
        token_hash = connection.scalar(
            sa.text(
                "SELECT token_hash FROM device_tokens WHERE device_id = :device "
                "AND kind = 'refresh' AND used_at IS NULL ORDER BY issued_at DESC LIMIT 1"
            ),
            {"device": device_id},
        )
        connection.execute(
            sa.text("UPDATE devices SET token_hash = :digest WHERE id = :device"),
            {"digest": token_hash or secrets.token_hex(32), "device": device_id},
        )
    with op.batch_alter_table("devices") as batch:
        batch.alter_column("token_hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint(op.f("uq_devices_token_hash"), ["token_hash"])
    op.drop_table("device_tokens")
