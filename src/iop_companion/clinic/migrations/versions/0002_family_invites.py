"""Family members: invites, family accounts and the consents that govern what they see.

Revision ID: 0002_family_invites
Revises: 0001_initial
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_family_invites"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a revision must not change when the code does.
CONSENT_SCOPES = ("education",)


def _in_values(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "family_invites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("recipient_name", sa.String(80), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.Column("used_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_family_invites_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_family_invites_code_hash")),
    )
    op.create_index(op.f("ix_family_invites_participant_id"), "family_invites", ["participant_id"])

    op.create_table(
        "family_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("revoked_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_family_members_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_members")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_family_members_token_hash")),
    )
    op.create_index(op.f("ix_family_members_participant_id"), "family_members", ["participant_id"])

    op.create_table(
        "consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("invite_id", sa.Uuid(), nullable=True),
        sa.Column("family_member_id", sa.Uuid(), nullable=True),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("granted_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=True),
        sa.Column("revoked_at", _timestamp(), nullable=True),
        sa.CheckConstraint(_in_values("scope", CONSENT_SCOPES), name=op.f("ck_consents_scope")),
        sa.CheckConstraint(
            "invite_id IS NOT NULL OR family_member_id IS NOT NULL",
            name=op.f("ck_consents_has_recipient"),
        ),
        sa.CheckConstraint(
            "expires_at IS NULL OR expires_at > granted_at",
            name=op.f("ck_consents_expires_after_grant"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_consents_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["invite_id"], ["family_invites.id"], name=op.f("fk_consents_invite_id_family_invites")
        ),
        sa.ForeignKeyConstraint(
            ["family_member_id"],
            ["family_members.id"],
            name=op.f("fk_consents_family_member_id_family_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_participant_id"), "consents", ["participant_id"])
    op.create_index(op.f("ix_consents_invite_id"), "consents", ["invite_id"])
    op.create_index(op.f("ix_consents_family_member_id"), "consents", ["family_member_id"])


def downgrade() -> None:
    op.drop_table("consents")
    op.drop_table("family_members")
    op.drop_table("family_invites")
