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
_CLINIC_PREFIX = "sync.clinic_version."


def _key(record_id: str) -> str:
    return f"{_KEY_PREFIX}{record_id}"


@dataclass(frozen=True)
class ClinicVersion:
    """The newest version of a record the clinic is known to hold (pulled, or named in
    a conflict)."""

    version: int
    payload: dict[str, Any]


def clinic_version(store: Store, record_id: str) -> ClinicVersion | None:
    known = store.settings.get(f"{_CLINIC_PREFIX}{record_id}")
    if not known:
        return None
    return ClinicVersion(int(known["version"]), dict(known["payload"]))


def note_clinic_version(store: Store, record_id: str, version: int,
                        payload: dict[str, Any]) -> None:
    known = clinic_version(store, record_id)
    if known is None or version >= known.version:
        store.settings.set(f"{_CLINIC_PREFIX}{record_id}",
                           {"version": version, "payload": dict(payload)})


def ever_queued(store: Store, record_id: str) -> bool:
    """Whether any version of this record was ever queued for the clinic."""
    return store.settings.get(_key(record_id)) is not None or bool(
        store.outbox.queued(record_id))


def has_unsent(store: Store, record_id: str) -> bool:
    """Whether a version of this record waits in the outbox (pending or set aside)."""
    return bool(store.outbox.queued(record_id))


def last_version(store: Store, record_id: str) -> int:
    """The highest version number used for this record, here or at the clinic (0: none)."""
    known = store.settings.get(_key(record_id)) or {}
    clinic = clinic_version(store, record_id)
    # The outbox too: if the app stopped between queueing and noting the version,
    # the queued entry still tells which number was used.
    return max([int(known.get("version", 0)), clinic.version if clinic else 0,
                *(int(e.get("version") or 1) for e in store.outbox.queued(record_id))])


def queue_version(store: Store, kind: str, record: dict[str, Any], now: datetime, *,
                  replaces: int | None = None) -> int:
    """Queue `record` (its whole stored form) as its next version; returns the version.

    It replaces the newest version known unless `replaces` names another (choosing
    "keep mine" over the clinic's newest version)."""
    record_id = record["id"]
    last = last_version(store, record_id)
    version = last + 1
    store.outbox.enqueue(kind, record_id, record, version=version,
                         replaces_version=replaces if replaces is not None else (last or None))
    store.settings.set(_key(record_id), {"version": version, "queued_at": now.isoformat(),
                                         "sent_at": None})
    return version


def note_version(store: Store, record_id: str, version: int, now: datetime) -> None:
    """The local copy is now `version`, which the clinic already holds (taken from it)."""
    store.settings.set(_key(record_id), {"version": version, "queued_at": now.isoformat(),
                                         "sent_at": now.isoformat()})


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
    entries = store.outbox.queued(record_id)
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
    waiting_ids = {e["record_id"] for e in store.outbox.queued()}
    noted = 0
    for key, value in store.settings.all().items():
        if not key.startswith(_KEY_PREFIX) or not isinstance(value, dict):
            continue
        if value.get("sent_at") is None and key[len(_KEY_PREFIX):] not in waiting_ids:
            store.settings.set(key, {**value, "sent_at": now.isoformat()})
            noted += 1
    return noted
