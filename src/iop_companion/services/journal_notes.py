"""Free-text journal notes for the screens: write, edit, delete with undo, and the draft
kept as the person types.

* A note stays on this phone. It is never queued for the clinic (there is no record
  kind for it in the sync protocol) and never shown to family; the form says so.
* It is kept in the encrypted store (store/journal_notes.py). An edit replaces the note
  and keeps when it was first written (``written_at``), so it stays under its day.
* Deleting leaves a tombstone with no content; the `DeletedNote` returned (kept by the
  screen for this session only) is what `undo_delete_note` writes back.
* The draft is written to the encrypted settings at every change (``draft.journal_note``,
  the key services/drafts.py uses for the form ``journal_note``), so it survives a lock
  and the app being killed mid-entry.

Screens catch `SaveFailed` (and its `NoteNotValid`, with a message per field).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from iop_companion.domain.journal_notes import note_problems, tidy
from iop_companion.services.drafts import DRAFT_PREFIX
from iop_companion.services.errors import SaveFailed
from iop_companion.store import Store, StoreError
from iop_companion.store.journal_notes import journal_notes
from iop_companion.store.records import META_FIELDS

NOTE = "journal_note"
# The services.drafts form name of the note being written (one at a time).
DRAFT_FORM = "journal_note"


class NoteNotValid(SaveFailed):
    """The note breaks a rule; `problems` says which, per field."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems.items()))


@dataclass(frozen=True)
class DeletedNote:
    """What `undo_delete_note` needs to put a deleted note back."""

    record: dict[str, Any] = field(repr=False)  # the note as it was (private words)


def _content(record: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name not in META_FIELDS}


def save_note(store: Store, title: str, text: str, now: datetime, *,
              record_id: str | None = None) -> dict[str, Any]:
    """Keep a note: a new one (written now), or the note `record_id` changed (it keeps
    its first time). Returns the note as stored."""
    title, text = tidy(title, text)
    previous = _live(store, record_id) if record_id is not None else None
    when = previous["written_at"] if previous is not None else now.isoformat()
    content = {"title": title, "text": text, "written_at": when}
    problems = note_problems(content)
    if problems:
        raise NoteNotValid(problems)
    if previous is not None and _content(previous) == content:
        return dict(previous)  # saved twice: nothing new to keep
    try:
        return journal_notes(store).save(
            {**content, **({"id": previous["id"]} if previous is not None else {})})
    except StoreError as error:
        raise SaveFailed.from_store(error) from None


def _live(store: Store, record_id: str) -> dict[str, Any]:
    try:
        found = journal_notes(store).get(record_id)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    if found is None or found.get("deleted") is True:
        raise SaveFailed("This note is no longer on this phone.")
    return found


def note(store: Store, record_id: str) -> dict[str, Any] | None:
    """The live note with this id (None if it is gone, deleted, or cannot be read)."""
    try:
        found = journal_notes(store).get(record_id)
    except (StoreError, ValueError):
        return None
    return None if found is None or found.get("deleted") is True else found


def notes(store: Store) -> list[dict[str, Any]]:
    """Every live note, in the order first saved ([] when the store fails)."""
    try:
        return list(journal_notes(store).all())
    except StoreError:
        return []


def delete_note(store: Store, record_id: str) -> DeletedNote:
    """Delete a note (keep the returned `DeletedNote` to offer "Undo")."""
    previous = _live(store, record_id)
    try:
        journal_notes(store).save({"id": previous["id"], "deleted": True})
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return DeletedNote(previous)


def undo_delete_note(store: Store, deleted: DeletedNote) -> dict[str, Any]:
    """Put a deleted note back as it was (a second undo changes nothing)."""
    try:
        repository = journal_notes(store)
        current = repository.get(deleted.record["id"])
        if current is not None and current.get("deleted") is not True:
            return current
        return repository.save({"id": deleted.record["id"], **_content(deleted.record)})
    except StoreError as error:
        raise SaveFailed.from_store(error) from None


# ------------------------------------------------------------------------------ drafts


@dataclass(frozen=True)
class NoteDraft:
    record_id: str | None  # the note being edited; None for a new one
    title: str
    text: str
    kept_at: datetime | None


def draft_value(title: str, text: str, now: datetime, record_id: str | None) -> dict[str, Any]:
    """The draft as it is written (by `keep_note_draft`, and by a lock's flush)."""
    return {"kind": NOTE, "record_id": record_id,
            "content": {"title": title, "text": text}, "kept_at": now.isoformat()}


def keep_note_draft(store: Store, title: str, text: str, now: datetime, *,
                    record_id: str | None = None) -> bool:
    """Write what the form holds now (call as the person types); at once, to the
    encrypted store. False when the phone did not keep it (the next change tries again)."""
    try:
        store.settings.set(DRAFT_PREFIX + DRAFT_FORM, draft_value(title, text, now, record_id))
    except StoreError:
        return False
    return True


def resume_note_draft(store: Store) -> NoteDraft | None:
    """The draft kept, if any (it stays until `finish_note_draft`). A malformed one is
    ignored, never guessed at."""
    try:
        value = store.settings.get(DRAFT_PREFIX + DRAFT_FORM)
    except StoreError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("content"), dict):
        return None
    content = value["content"]
    title, text = content.get("title"), content.get("text")
    record_id = value.get("record_id")
    try:
        kept_at: datetime | None = datetime.fromisoformat(value["kept_at"])
    except (KeyError, TypeError, ValueError):
        kept_at = None
    return NoteDraft(record_id if isinstance(record_id, str) else None,
                     title if isinstance(title, str) else "",
                     text if isinstance(text, str) else "", kept_at)


def finish_note_draft(store: Store) -> None:
    """The form was saved or cancelled: forget its draft (best effort)."""
    try:
        store.settings.delete(DRAFT_PREFIX + DRAFT_FORM)
    except StoreError:
        pass
