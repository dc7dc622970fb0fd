"""Records the participant and the clinic both write (treatment goals, the aftercare
plan) and what happens when both change one: nothing is overwritten silently.

Every version the clinic stores of a shared record comes back on the pull feed. When
nothing of that record waits in the outbox, the pulled version simply becomes the
local copy. When an edit of the participant's waits, the local copy is left alone:
the clinic answers that edit with a conflict carrying its newest version, the entry
is set aside (later versions of the record wait behind it), and the participant
chooses: `keep_mine` or `use_clinic_version`. The same two choices work for any
versioned record the clinic refuses as stale, such as a plan edited on two phones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from iop_companion.services import record_versions
from iop_companion.store import Store
from iop_companion.sync.protocol import RecordVersion


def apply_pulled(store: Store, kind: str, record_id: str, pulled: RecordVersion,
                 now: datetime) -> bool:
    """Take a version of a shared record from the pull feed; True if it became the local copy.

    Idempotent: a page applied twice (a crash before the cursor moved) changes nothing more.
    """
    record_versions.note_clinic_version(store, record_id, pulled.version, pulled.payload)
    if record_versions.has_unsent(store, record_id):
        return False  # the participant's edit waits: they choose when the clinic answers
    if pulled.version < record_versions.last_version(store, record_id):
        return False  # an older version (the feed replayed from the start): keep the newer
    copy = store.shared_copy(kind)
    if copy is None:
        return False
    copy.put_from_clinic(record_id, pulled.payload, author=pulled.author.value)
    record_versions.note_version(store, record_id, pulled.version, now)
    return True


def can_use_clinic_version(store: Store, entry: Mapping[str, Any]) -> bool:
    """Whether "use the clinic's version" can be offered for this set-aside entry."""
    return bool(entry.get("conflict_latest")) and store.shared_copy(entry["kind"]) is not None


def keep_mine(store: Store, entry_id: str, now: datetime) -> bool:
    """Send the participant's newest version of the record again, on top of the clinic's
    newest. Returns whether there was such a set-aside conflict."""
    entry = _conflicted(store, entry_id)
    if entry is None:
        return False
    latest = entry["conflict_latest"]
    clinic = int(latest["version"])
    record_versions.note_clinic_version(store, entry["record_id"], clinic, latest["payload"])
    entries = store.outbox.queued(entry["record_id"])
    newest = max(entries, key=lambda e: int(e.get("version") or 1))
    older = [e["id"] for e in entries if e["id"] != newest["id"]]
    # Queued before the older entries leave: a crash in between keeps both, never neither.
    record_versions.queue_version(store, entry["kind"], newest["payload"], now, replaces=clinic)
    store.outbox.withdraw([*older, newest["id"]])
    return True


def use_clinic_version(store: Store, entry_id: str, now: datetime) -> bool:
    """Drop the participant's unsent versions of the record and take the clinic's newest
    as the local copy. Returns whether that was possible."""
    entry = _conflicted(store, entry_id)
    if entry is None or not can_use_clinic_version(store, entry):
        return False
    latest = entry["conflict_latest"]
    version = int(latest["version"])
    copy = store.shared_copy(entry["kind"])
    assert copy is not None  # can_use_clinic_version
    copy.put_from_clinic(entry["record_id"], latest["payload"])
    record_versions.note_clinic_version(store, entry["record_id"], version, latest["payload"])
    store.outbox.withdraw([e["id"] for e in store.outbox.queued(entry["record_id"])])
    record_versions.note_version(store, entry["record_id"], version, now)
    return True


def _conflicted(store: Store, entry_id: str) -> dict[str, Any] | None:
    for entry in store.outbox.parked():
        if entry["id"] == entry_id and entry.get("conflict_latest"):
            return entry
    return None
