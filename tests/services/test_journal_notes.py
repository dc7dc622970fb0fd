"""Free-text journal notes, app side: kept encrypted on the phone and never queued for the
clinic (even while in care, when a coping log is); an edit keeps when the note was first
written; delete leaves a tombstone with no words and undo puts the note back; the draft
is resumed as typed and survives the app process being killed mid-entry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from iop_companion.services.coping_logs import save_urge_log
from iop_companion.services.errors import SaveFailed
from iop_companion.services.journal_notes import (
    NoteNotValid,
    delete_note,
    finish_note_draft,
    keep_note_draft,
    note,
    notes,
    resume_note_draft,
    save_note,
    undo_delete_note,
)
from iop_companion.store import Store, Vault
from iop_companion.store.journal_notes import journal_notes
from tests.domain.test_coping_logs import urge_log
from tests.services.conftest import FAST_KDF
from tests.services.test_homework import connect

NOW = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
PIN = "482913"


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create(PIN)


def test_a_note_is_kept_and_never_queued_for_the_clinic(store: Store) -> None:
    connect(store)  # in care: the clinic receives the coping logs
    saved = save_note(store, "  After group ", "I said what I needed.\r\n", NOW)
    assert (saved["title"], saved["text"], saved["written_at"]) == (
        "After group", "I said what I needed.", NOW.isoformat())
    assert notes(store) == [saved]
    assert store.outbox.pending() == []
    save_urge_log(store, urge_log(), NOW)  # a log saved the same way is queued
    assert [entry["kind"] for entry in store.outbox.pending()] == ["urge_log"]


def test_an_edit_replaces_the_note_and_keeps_when_it_was_written(store: Store) -> None:
    first = save_note(store, "", "Morning", NOW)
    edited = save_note(store, "Today", "Morning, then a good walk", LATER,
                       record_id=first["id"])
    assert edited["id"] == first["id"]
    assert edited["written_at"] == NOW.isoformat()  # still listed under its own day
    assert [n["text"] for n in notes(store)] == ["Morning, then a good walk"]
    again = save_note(store, "Today", "Morning, then a good walk", LATER, record_id=first["id"])
    assert again == edited  # saved twice: nothing new written
    assert store.outbox.pending() == []


def test_a_bad_note_is_refused_with_a_message_per_field_and_nothing_kept(store: Store) -> None:
    with pytest.raises(NoteNotValid) as refused:
        save_note(store, "one\ntwo", "   ", NOW)
    # "one\ntwo" is a title of two lines; blank text is no note.
    assert refused.value.problems == {"title": "must be one line of printable text",
                                      "text": "must not be empty"}
    assert isinstance(refused.value, SaveFailed)
    assert notes(store) == []


def test_delete_leaves_no_words_and_undo_puts_the_note_back(store: Store) -> None:
    kept = save_note(store, "Private", "Only for me", NOW)
    deleted = delete_note(store, kept["id"])
    assert notes(store) == [] and note(store, kept["id"]) is None
    tombstone = journal_notes(store).get(kept["id"])
    assert tombstone is not None and tombstone["deleted"] is True
    assert "Only for me" not in str(tombstone) and "Private" not in str(tombstone)
    with pytest.raises(SaveFailed):
        delete_note(store, kept["id"])  # already gone
    with pytest.raises(SaveFailed):
        save_note(store, "", "edit a deleted one", NOW, record_id=kept["id"])
    back = undo_delete_note(store, deleted)
    assert back["id"] == kept["id"]
    assert (back["title"], back["text"], back["written_at"]) == (
        "Private", "Only for me", NOW.isoformat())
    assert undo_delete_note(store, deleted) == back  # a second undo changes nothing
    assert notes(store) == [back]


def test_a_note_is_encrypted_at_rest(vault: Vault, tmp_path: Path) -> None:
    store = vault.create(PIN)
    save_note(store, "MARKER-TITLE", "MARKER-TEXT written by hand", NOW)
    keep_note_draft(store, "", "MARKER-DRAFT half typed", NOW)
    store.lock()
    for path in (tmp_path / "store").rglob("*"):
        if path.is_file():
            assert b"MARKER" not in path.read_bytes()
    reopened = vault.unlock(PIN)
    assert [n["title"] for n in notes(reopened)] == ["MARKER-TITLE"]


def test_a_locked_store_is_a_save_failure_not_a_crash(store: Store) -> None:
    store.lock()
    with pytest.raises(SaveFailed):
        save_note(store, "", "text", NOW)
    assert notes(store) == []
    assert resume_note_draft(store) is None
    assert keep_note_draft(store, "", "text", NOW) is False


def test_a_draft_is_kept_resumed_and_finished(store: Store) -> None:
    assert resume_note_draft(store) is None
    assert keep_note_draft(store, "Half", "typed so f", NOW, record_id=None)
    draft = resume_note_draft(store)
    assert draft is not None
    assert (draft.title, draft.text, draft.record_id, draft.kept_at) == (
        "Half", "typed so f", None, NOW)
    kept = save_note(store, "", "saved", NOW)
    keep_note_draft(store, "", "saved, and more", LATER, record_id=kept["id"])
    draft = resume_note_draft(store)
    assert draft is not None and draft.record_id == kept["id"]
    finish_note_draft(store)
    assert resume_note_draft(store) is None


def test_a_malformed_draft_is_ignored_or_read_as_far_as_it_is_sound(store: Store) -> None:
    store.settings.set("draft.journal_note", ["not", "a", "draft"])
    assert resume_note_draft(store) is None
    store.settings.set("draft.journal_note", {"content": {"title": 3, "text": "kept"},
                                              "record_id": 5, "kept_at": "never"})
    draft = resume_note_draft(store)
    assert draft is not None
    assert (draft.title, draft.text, draft.record_id, draft.kept_at) == ("", "kept", None, None)


_CHILD = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from iop_companion.services.journal_notes import keep_note_draft
    from iop_companion.store import KdfParams, Vault

    store = Vault(Path(sys.argv[1]), kdf=KdfParams(n=2**10)).unlock(sys.argv[2])
    typed = ""
    for letter in range(100_000):
        typed += "abcdefghij"[letter % 10]
        keep_note_draft(store, "On the bus", typed, datetime.now(UTC))
        print(len(typed), flush=True)  # this much is acknowledged as kept
""")


def test_a_draft_survives_the_app_process_being_killed_mid_entry(vault: Vault,
                                                                 tmp_path: Path) -> None:
    assert FAST_KDF.n == 2**10  # the child opens the vault with the same cost
    vault.create(PIN).lock()
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(tmp_path / "store"), PIN],
                             stdout=subprocess.PIPE, text=True, cwd=Path.cwd(),
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert child.stdout is not None
    acknowledged = 0
    try:
        while acknowledged < 25:  # the person has typed 25 letters
            line = child.stdout.readline()
            assert line, "the child stopped before it was killed"
            acknowledged = int(line)
        os.kill(child.pid, signal.SIGKILL)  # mid-entry: it was writing the next one
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL

    store = Vault(tmp_path / "store", kdf=FAST_KDF).unlock(PIN)
    draft = resume_note_draft(store)
    assert draft is not None and draft.title == "On the bus"
    # Nothing acknowledged is lost (the write in progress may or may not have landed).
    assert len(draft.text) >= acknowledged
