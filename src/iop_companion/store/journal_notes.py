"""Free-text journal notes on the phone: one collection, partitioned by the month a note
was first saved, with the coping logs' rules (store/coping_logs.py): validated before
writing (domain/journal_notes.py), stamped, returned as copies, and a deleted note kept
as a tombstone (``{"id": ..., "deleted": true}``) so that "Undo" can write it back under
the same id. Notes are encrypted like every partition; nothing here sends them anywhere.

`Store.journal_notes` is the repository; `journal_notes(store)` is kept for callers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from iop_companion.domain.journal_notes import note_problems

from .coping_logs import _CopingLogRepository
from .errors import StoreLocked

if TYPE_CHECKING:
    from .database import Store

COLLECTION = "journal_notes"


def _note(content: Mapping[str, Any]) -> dict[str, str]:
    return note_problems(content)


class JournalNoteRepository(_CopingLogRepository):
    collection_name = COLLECTION
    _check = staticmethod(_note)


def journal_notes(store: Store) -> JournalNoteRepository:
    """The notes of `store` (raises StoreLocked once that handle is locked)."""
    if store.is_locked:
        raise StoreLocked()
    return store.journal_notes
