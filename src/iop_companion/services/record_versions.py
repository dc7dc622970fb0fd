"""Records the participant edits (plans) travel to the clinic as numbered versions.

Each save queues a new, frozen version that names the version it replaces; a
version already in the outbox is never changed (the clinic may be storing it at this
moment). The last queued version of each record is remembered in the encrypted
settings, with when it was queued and when the clinic took it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iop_companion.store import Store

_KEY_PREFIX = "sync.version."


def _key(record_id: str) -> str:
    return f"{_KEY_PREFIX}{record_id}"


def _outbox_entries(store: Store, record_id: str) -> list[dict[str, Any]]:
    return [e for e in store.outbox.pending() + store.outbox.parked()
            if e["record_id"] == record_id]


def ever_queued(store: Store, record_id: str) -> bool:
    """Whether any version of this record was ever queued for the clinic."""
    return store.settings.get(_key(record_id)) is not None or bool(
        _outbox_entries(store, record_id))


def queue_version(store: Store, kind: str, record: dict[str, Any], now: datetime) -> int:
    """Queue `record` (its whole stored form) as its next version; returns the version."""
    record_id = record["id"]
    known = store.settings.get(_key(record_id)) or {}
    # The outbox too: if the app stopped between queueing and noting the version,
    # the queued entry still tells which number was used.
    last = max([int(known.get("version", 0)),
                *(int(e.get("version") or 1) for e in _outbox_entries(store, record_id))])
    version = last + 1
    store.outbox.enqueue(kind, record_id, record, version=version,
                         replaces_version=last or None)
    store.settings.set(_key(record_id), {"version": version, "queued_at": now.isoformat(),
                                         "sent_at": None})
    return version


@dataclass(frozen=True)
class Delivery:
    """Where the latest queued version of a record is."""

    version: int
    queued_at: datetime
    sent_at: datetime | None  # when the clinic took it (seen at the end of a sync)
    waiting: bool             # still in the outbox
    refused: bool             # the clinic refused it; it is kept on the phone


def delivery(store: Store, record_id: str) -> Delivery | None:
    known = store.settings.get(_key(record_id))
    if not known:
        return None
    entries = _outbox_entries(store, record_id)
    return Delivery(
        version=int(known["version"]),
        queued_at=datetime.fromisoformat(known["queued_at"]),
        sent_at=datetime.fromisoformat(known["sent_at"]) if known.get("sent_at") else None,
        waiting=bool(entries),
        refused=any(e.get("parked_reason") for e in entries),
    )


def note_deliveries(store: Store, now: datetime) -> int:
    """After a sync: versions that left the outbox were taken by the clinic just now.

    (The outbox drops an entry only once the clinic has committed it.) Returns how
    many deliveries were noted.
    """
    waiting_ids = {e["record_id"] for e in store.outbox.pending() + store.outbox.parked()}
    noted = 0
    for key, value in store.settings.all().items():
        if not key.startswith(_KEY_PREFIX) or not isinstance(value, dict):
            continue
        if value.get("sent_at") is None and key[len(_KEY_PREFIX):] not in waiting_ids:
            store.settings.set(key, {**value, "sent_at": now.isoformat()})
            noted += 1
    return noted
