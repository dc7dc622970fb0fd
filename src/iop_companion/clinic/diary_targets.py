"""A participant's diary-card targets: the short list ("Skipped a meal", "Isolated
myself") their care team sets, each rated on the card like an urge.

The list is replaced as a whole. A target keeps its id while its label stays the same
(case and spacing aside), so the ratings of every card line up; a target taken off the
list is marked removed, never deleted, so the cards that rated it still name it, and the
same label set again later brings back the same id. Each change is published to the
participant's apps (`changes.publish_diary_targets`).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from iop_companion.clinic.models import DiaryTargetRecord, Participant
from iop_companion.sync.protocol import fold_label

# "t" and 12 hex digits: an id by the card's rating-id rule (a letter first), short in
# every card that rates it, and random so that it says nothing about the label.
_ID_BYTES = 6


def participant_targets(db: Session, participant_id: uuid.UUID) -> list[DiaryTargetRecord]:
    """Every target ever set for the participant, removed ones included."""
    return list(db.scalars(select(DiaryTargetRecord)
                           .where(DiaryTargetRecord.participant_id == participant_id)
                           .order_by(DiaryTargetRecord.created_at,
                                     DiaryTargetRecord.target_id)))


def target_labels(db: Session, participant_id: uuid.UUID) -> dict[str, str]:
    """Each target id of the participant with its label (removed targets included)."""
    return {row.target_id: row.label for row in participant_targets(db, participant_id)}


def _new_id(taken: set[str]) -> str:
    while True:
        target_id = "t" + secrets.token_hex(_ID_BYTES)
        if target_id not in taken:
            return target_id


def replace_targets(db: Session, participant: Participant, labels: Sequence[str],
                    staff_id: uuid.UUID, now: datetime) -> bool:
    """Make `labels` (in order, each once) the participant's targets; True when anything
    changed. Adds to the caller's transaction."""
    # One writer at a time per participant (PostgreSQL; SQLite writes one at a time
    # anyway): two lists written at once must not both add the same label.
    db.execute(select(Participant.id).where(Participant.id == participant.id)
               .with_for_update())
    rows = participant_targets(db, participant.id)
    by_label: dict[str, DiaryTargetRecord] = {}
    for row in sorted(rows, key=lambda row: (row.removed_at is None, row.updated_at)):
        by_label[fold_label(row.label)] = row  # a current row wins over a removed one
    taken = {row.target_id for row in rows}
    changed = False
    kept: set[str] = set()
    for position, label in enumerate(labels):
        row = by_label.get(fold_label(label))
        if row is None or row.target_id in kept:
            row = DiaryTargetRecord(participant_id=participant.id, target_id=_new_id(taken),
                                    label=label, position=position, created_by=staff_id,
                                    created_at=now, updated_at=now, removed_at=None)
            db.add(row)
            taken.add(row.target_id)
            changed = True
        elif (row.label, row.position, row.removed_at) != (label, position, None):
            row.label, row.position, row.removed_at = label, position, None
            row.updated_at = now
            changed = True
        kept.add(row.target_id)
    for row in rows:
        if row.target_id not in kept and row.removed_at is None:
            row.removed_at, row.position, row.updated_at = now, None, now
            changed = True
    return changed


def last_change(rows: Sequence[DiaryTargetRecord]) -> datetime | None:
    return max((row.updated_at for row in rows), default=None)
