"""The diary card's setup: `clinics.diary_emotions` (the emotions the clinic's card asks
about, in order; NULL: the app's default set) and `diary_targets` (the targets a
clinician sets for one participant, each rated on the card like an urge; a removed
target keeps its row, with `removed_at`, so old cards still name it).

Downgrade: drops both (the schema before has no place for them; cards that rated
targets keep their ratings in their payload).

Revision ID: 0019_diary_setup
Revises: 0018_coping_logs
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_diary_setup"
down_revision: str | Sequence[str] | None = "0018_coping_logs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE for `clinics`, not batch mode, as in 0007 and 0009: copying `clinics`
# would trip the foreign keys that point at it.


def upgrade() -> None:
    # Null: an existing clinic keeps the app's default emotions until its staff choose.
    op.add_column("clinics", sa.Column("diary_emotions", sa.JSON(), nullable=True))
    op.create_table(
        "diary_targets",
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.String(40), nullable=False),
        sa.Column("label", sa.String(60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_diary_targets_participant_id_participants")),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"],
                                name=op.f("fk_diary_targets_created_by_staff")),
        sa.PrimaryKeyConstraint("participant_id", "target_id", name=op.f("pk_diary_targets")),
    )


def downgrade() -> None:
    op.drop_table("diary_targets")
    op.drop_column("clinics", "diary_emotions")
